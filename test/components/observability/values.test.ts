import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { KIALI_RESOURCE_DEFAULTS } from "../../../components/observability/addons/kiali";
import { GrafanaValues, KialiValues, PrometheusValues } from "../../../components/observability/values";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { PROJECT_ROOT } from "../../../tools/lib/stackFiles";
import { byType, configIssues, evaluateStack, nameOf, one } from "../../support/stacks";
import { CHART } from "../../support/types";

function values<T>(ev: Evaluation, resource: string): T {
    return one(ev, CHART, resource).inputs.values as T;
}

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function metadata(r: CapturedResource): {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
} {
    return r.inputs.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
}

describe("addon chart values on day 2", () => {
    it("never lets Grafana write the bound volume into its PVC (lookupVolumeName), with or without persistence", async () => {
        for (const stack of ["dev", "prod"]) {
            const g = values<GrafanaValues>(await evaluateStack(stack), "observability-grafana");
            assert.strictEqual(g.persistence.lookupVolumeName, false, stack);
        }
        const prod = values<GrafanaValues>(await evaluateStack("prod"), "observability-grafana");
        assert.strictEqual(prod.persistence.enabled, true, "prod keeps Grafana on a PVC");
    });

    it("pins the values whose chart defaults generate or look up something at render time", async () => {
        const ev = await evaluateStack("prod");
        const kiali = values<KialiValues>(ev, "observability-kiali");
        assert.strictEqual(kiali.clustering.autodetect_secrets.enabled, false);
        assert.match(kiali.login_token.signing_key, /^secret:[^:]+:[^:]+$/);
        assert.strictEqual(kiali.deployment.cluster_wide_access, true, "no per-namespace lookup of Roles");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        assert.ok(grafana.admin.existingSecret, "no generated admin password");
        assert.strictEqual(grafana.imageRenderer.enabled, false);
        assert.strictEqual(grafana.testFramework.enabled, false);
    });

    it("records every chart the stacks install in docs/chart-hazards.md", async () => {
        const table = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "chart-hazards.md"), "utf8");
        // By chart, not by version: the Version column is the version that was read, and a Renovate
        // bump must not turn the suite red (its review re-reads the templates).
        const rows = [...table.matchAll(/^\| `([a-z0-9-]+)` +\| ([0-9][^ |]*) /gm)].map((m) => m[1]);
        const installed = new Set<string>();
        for (const stack of ["dev", "prod"]) {
            const ev = await evaluateStack(stack);
            for (const c of byType(ev, CHART)) {
                installed.add(String(c.inputs.chart));
            }
        }
        const certManager = byType(
            await evaluateStack("dev"),
            "kubernetes-cert-manager:index:CertManager",
        )[0];
        const helm = certManager.inputs.helmOptions as { chart: string };
        installed.add(helm.chart);
        assert.deepStrictEqual(
            [...installed].filter((c) => !rows.includes(c)),
            [],
            `charts without a row (have ${rows.join(", ")})`,
        );
    });

    describe("an empty request or limit removes the chart's default", () => {
        const overrides = [
            { key: "observability.kiali.resources.limits.memory", value: "" },
            { key: "observability.kiali.resources.requests.cpu", value: "" },
            { key: "observability.grafana.resources.limits.memory", value: "" },
            { key: "observability.grafana.resources.requests.memory", value: "" },
            { key: "observability.prometheus.resources.limits.memory", value: "" },
            { key: "observability.prometheus.resources.requests.cpu", value: "" },
            { key: "observability.jaeger.resources.requests.cpu", value: "" },
        ];

        it("hands the chart null where it has a default (Helm deletes a default whose override is null)", async () => {
            const ev = await evaluateStack("prod", overrides);
            const kiali = values<KialiValues>(ev, "observability-kiali").deployment.resources;
            assert.deepStrictEqual(
                [kiali.limits.memory, kiali.requests.cpu],
                [null, null],
                `kiali-server defaults ${JSON.stringify(KIALI_RESOURCE_DEFAULTS)}`,
            );
            assert.strictEqual(kiali.requests.memory, "128Mi", "what is set is passed on");
        });

        it("leaves the key out where the chart has no default (nothing to remove, no null in a template)", async () => {
            const ev = await evaluateStack("prod", overrides);
            const grafana = values<GrafanaValues>(ev, "observability-grafana").resources;
            assert.deepStrictEqual(grafana, { requests: { cpu: "100m" }, limits: {} });
            const prometheus = values<PrometheusValues>(ev, "observability-prometheus").server.resources;
            assert.deepStrictEqual(prometheus, { requests: { memory: "2Gi" }, limits: {} });
            const kiali = values<KialiValues>(await evaluateStack("dev"), "observability-kiali");
            assert.ok(!("cpu" in kiali.deployment.resources.limits), "kiali-server has no default CPU limit");
        });

        it("leaves an empty Jaeger request out of its Deployment (it has no chart default)", async () => {
            const ev = await evaluateStack("prod", overrides);
            const spec = one(ev, "kubernetes:apps/v1:Deployment", "observability-jaeger").inputs.spec as {
                template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } };
            };
            assert.deepStrictEqual(spec.template.spec.containers[0].resources.requests, { memory: "512Mi" });
        });

        it("is accepted by config for the addons, but not for istiod's requests", () => {
            assert.deepStrictEqual(
                configIssues("prod", { "observability.kiali.resources.requests.cpu": "" }),
                [],
            );
            assert.deepStrictEqual(
                configIssues("prod", { "istiod.resources.requests.cpu": "" }).map((i) => i.key),
                ["istiod.resources.requests.cpu"],
            );
        });
    });

    describe("Grafana without the internet", () => {
        it("has no download-dashboards init container: the dashboard sidecar downloads beside Grafana", async () => {
            const g = values<GrafanaValues>(await evaluateStack("prod"), "observability-grafana");
            // The chart adds the init container (and its fail-the-pod script) whenever `dashboards` is set.
            assert.ok(!("dashboards" in g), "no chart-side downloads");
            assert.ok(!("dashboardProviders" in g));
            assert.strictEqual(g.sidecar.dashboards.enabled, true);
        });

        it("verifies TLS and never sends Grafana's admin credentials with a download", async () => {
            const g = values<GrafanaValues>(await evaluateStack("prod"), "observability-grafana");
            const sidecar = g.sidecar as unknown as Record<string, unknown>;
            const dashboards = g.sidecar.dashboards as unknown as Record<string, unknown>;
            for (const v of [sidecar, dashboards]) {
                assert.ok(!("skipTlsVerify" in v));
                assert.ok(!("REQ_SKIP_TLS_VERIFY" in ((v.env as object | undefined) ?? {})));
            }
            assert.strictEqual(g.sidecar.dashboards.skipReload, true);
            assert.ok(!("defaultCurlOptions" in g), "no curl -k");
        });

        it("gives Grafana a Role that reads ConfigMaps in its namespace and nothing else", async () => {
            const ev = await evaluateStack("prod");
            const g = values<GrafanaValues>(ev, "observability-grafana");
            assert.deepStrictEqual(g.rbac, {
                create: true,
                namespaced: true,
                useExistingRole: g.rbac.useExistingRole,
            });
            const role = byType(ev, ROLE).filter((r) => metadata(r).name === g.rbac.useExistingRole);
            assert.strictEqual(role.length, 1);
            assert.deepStrictEqual(role[0].inputs.rules, [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
            ]);
            const deps = one(ev, CHART, "observability-grafana").dependsOn.map((u) => nameOf(ev, u));
            assert.ok(deps.includes(role[0].name), "the Role exists before Grafana starts");
            const cm = byType(ev, CONFIG_MAP).find(
                (c) => metadata(c).labels?.[g.sidecar.dashboards.label] === g.sidecar.dashboards.labelValue,
            );
            assert.ok(cm && deps.includes(cm.name), "so does the dashboard ConfigMap");
        });

        it("downloads from a mirror when observability.grafana.dashboards.source is set", async () => {
            const ev = await evaluateStack("prod", [
                {
                    key: "observability.grafana.dashboards.source",
                    value: "https://mirror.example.com/istio/dashboards/",
                },
            ]);
            const g = values<GrafanaValues>(ev, "observability-grafana");
            const cm = byType(ev, CONFIG_MAP).find(
                (c) => metadata(c).labels?.[g.sidecar.dashboards.label] === g.sidecar.dashboards.labelValue,
            );
            const urls = Object.values((cm?.inputs.data ?? {}) as Record<string, string>);
            assert.strictEqual(urls.length, 7);
            for (const u of urls) {
                assert.match(u, /^https:\/\/mirror\.example\.com\/istio\/dashboards\/[a-z-]+(\.gen)?\.json$/);
            }
        });

        it("rejects a source that is not an http(s) URL", () => {
            for (const bad of ["mirror.example.com", "ftp://mirror/x", "https://"]) {
                const issues = configIssues("prod", { "observability.grafana.dashboards.source": bad });
                assert.deepStrictEqual(
                    issues.map((i) => i.key),
                    ["observability.grafana.dashboards.source"],
                    bad,
                );
                assert.match(issues[0].message, /http\(s\):\/\//);
            }
        });
    });
});
