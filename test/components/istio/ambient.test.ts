import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseIstioConfig } from "../../../components/istio/config";
import { cniValues, istiodValues, ztunnelValues } from "../../../components/istio/values";
import { AMBIENT_NAMESPACE_LABELS } from "../../../components/shared/names";
import { ConfigReader } from "../../../config/reader";
import { Evaluation } from "../../../tools/lib/mockRuntime";
import {
    CANARY,
    byType,
    configIssues,
    evaluateStack,
    nameOf,
    one,
    pinned,
    rawConfig,
} from "../../support/stacks";
import { CHART, NAMESPACE } from "../../support/types";

const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";

/** dev in ambient mode, with Bookinfo (not supported there yet) off and two app namespaces. */
const AMBIENT = [
    { key: "mesh.dataPlane", value: "ambient" },
    { key: "bookinfo.enabled", value: "false" },
    { key: "mesh.namespaces", value: '["team-a", "default"]' },
];

function istioConfig(stack: string, overrides: { key: string; value: string }[] = []) {
    const r = new ConfigReader(rawConfig(stack, overrides));
    const cfg = parseIstioConfig(r);
    return { cfg, issues: r.issues };
}

function keys(issues: { key: string }[]): string[] {
    return issues.map((i) => i.key);
}

function chartOf(ev: Evaluation, chart: string) {
    const found = byType(ev, CHART).filter((c) => c.inputs.chart === chart);
    assert.strictEqual(found.length, 1, `one ${chart} chart`);
    return found[0];
}

function labelsOf(ev: Evaluation, ns: string): Record<string, string> {
    const found = [...byType(ev, NAMESPACE), ...byType(ev, NAMESPACE_PATCH)].filter(
        (r) => (r.inputs.metadata as { name: string }).name === ns,
    );
    assert.strictEqual(found.length, 1, `namespace ${ns} declared once`);
    return (found[0].inputs.metadata as { labels?: Record<string, string> }).labels ?? {};
}

describe("ambient data plane: config", () => {
    it("defaults to sidecars and Istio's ingress API, and every stack is valid as it is", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const { cfg, issues } = istioConfig(stack);
            assert.deepStrictEqual(issues, []);
            assert.strictEqual(cfg.dataPlane, "sidecar");
            assert.strictEqual(cfg.gatewayApi, "istio");
            assert.strictEqual(cfg.ambient, undefined);
        }
    });

    it("refuses unknown mesh.dataPlane and gateway.api values, naming the allowed ones", () => {
        const issues = configIssues("dev", { "mesh.dataPlane": "sidecarless", "gateway.api": "gatewayapi" });
        const byKey = Object.fromEntries(issues.map((i) => [i.key, i.message]));
        assert.match(byKey["mesh.dataPlane"], /"sidecarless" is not allowed.*sidecar, ambient/);
        assert.match(byKey["gateway.api"], /"gatewayapi" is not allowed.*istio, gateway-api/);
        assert.deepStrictEqual(keys(issues).sort(), ["gateway.api", "mesh.dataPlane"]);
    });

    it("refuses a canary control plane with ambient, naming both keys, and only that", () => {
        const issues = configIssues("dev", {
            "mesh.dataPlane": "ambient",
            "bookinfo.enabled": false,
            "istio.canary.version": CANARY.version,
            "istio.canary.revision": CANARY.revision,
        });
        assert.deepStrictEqual(keys(issues), ["istio.canary.version"]);
        assert.match(issues[0].message, /mesh\.dataPlane "ambient"/);
        assert.match(issues[0].message, /istio\.canary\.revision/);
        // The same canary is fine with sidecars.
        assert.deepStrictEqual(
            configIssues("dev", {
                "bookinfo.enabled": false,
                "istio.canary.version": CANARY.version,
                "istio.canary.revision": CANARY.revision,
            }),
            [],
        );
    });

    it("gives one error, not the canary pair's own, when ambient meets half a canary", () => {
        for (const [key, value] of [
            ["istio.canary.version", CANARY.version],
            ["istio.canary.revision", CANARY.revision],
        ]) {
            const issues = configIssues("dev", { "mesh.dataPlane": "ambient", [key]: value });
            assert.deepStrictEqual(keys(issues), [key], JSON.stringify(issues));
            assert.match(issues[0].message, /not supported with mesh\.dataPlane "ambient"/);
        }
    });

    it("refuses a Gateway API CRD version given with a leading v, saying what is expected", () => {
        const issues = configIssues("dev", { "gateway.crds.version": `v${pinned("gateway.crds.version")}` });
        assert.deepStrictEqual(keys(issues), ["gateway.crds.version"]);
        assert.match(issues[0].message, /a Gateway API release such as .*without a leading v/);
    });

    it("runs Bookinfo in ambient in either access mode (zero-trust's L7 rules go to the waypoint)", () => {
        assert.deepStrictEqual(configIssues("dev", { "mesh.dataPlane": "ambient" }), []);
        assert.deepStrictEqual(
            configIssues("dev", { "mesh.dataPlane": "ambient", "bookinfo.access": "open" }),
            [],
        );
        assert.deepStrictEqual(
            configIssues("dev", { "mesh.dataPlane": "ambient", "bookinfo.enabled": false }),
            [],
        );
        // The lab rule is checked at ratings' waypoint too (applications/access.ts), so it is allowed.
        const deny = configIssues("dev", {
            "mesh.dataPlane": "ambient",
            "bookinfo.denyRatingsFromReviewsV3": true,
            "bookinfo.versions": JSON.stringify([
                "reviews-v1",
                "reviews-v3",
                "ratings-v1",
                "productpage-v1",
                "details-v1",
            ]),
        });
        assert.deepStrictEqual(deny, []);
    });

    it("accepts Gateway API ingress with Bookinfo and exposed addon UIs (built, not refused)", () => {
        assert.deepStrictEqual(
            configIssues("dev", {
                "gateway.api": "gateway-api",
                "observability.kiali.ingress.enabled": true,
            }),
            [],
        );
    });

    it("validates the Gateway API CRD version and the ztunnel and CNI sizing", () => {
        const issues = configIssues("dev", {
            "gateway.crds.version": "latest",
            "ztunnel.resources.requests.cpu": "",
            "cni.resources.limits.memory": "lots",
            "ztunnel.resource.limits.cpu": "1",
        });
        const byKey = Object.fromEntries(issues.map((i) => [i.key, i.message]));
        assert.match(byKey["gateway.crds.version"], /"latest" is not valid/);
        assert.match(byKey["ztunnel.resources.requests.cpu"], /must not be empty/);
        assert.match(byKey["cni.resources.limits.memory"], /"lots" is not valid/);
        assert.match(byKey["ztunnel.resource.limits.cpu"], /unknown configuration key/);
        assert.strictEqual(issues.length, 4);
    });
});

describe("ambient data plane: chart values", () => {
    it("selects the ambient profile for istiod only in ambient mode", () => {
        const sidecar = istioConfig("prod").cfg;
        assert.strictEqual(istiodValues(sidecar, sidecar.primary).profile, undefined);
        const ambient = istioConfig("prod", [{ key: "mesh.dataPlane", value: "ambient" }]).cfg;
        const values = istiodValues(ambient, ambient.primary);
        assert.strictEqual(values.profile, "ambient");
        // The profile adds to the values; the stack's own mesh config and sizing stay.
        const { profile, ...rest } = values;
        assert.strictEqual(profile, "ambient");
        assert.deepStrictEqual(rest, istiodValues(sidecar, sidecar.primary));
    });

    it("sizes istio-cni and ztunnel from their config keys, against the primary revision", () => {
        const { cfg } = istioConfig("dev", [
            { key: "mesh.dataPlane", value: "ambient" },
            { key: "istio.revision", value: "1-30" },
            { key: "ztunnel.resources.requests.cpu", value: "300m" },
            { key: "ztunnel.resources.limits.memory", value: "1Gi" },
            { key: "cni.resources.requests.memory", value: "64Mi" },
            { key: "cni.resources.limits.memory", value: "" },
        ]);
        assert.ok(cfg.ambient);
        assert.deepStrictEqual(cniValues(cfg, cfg.ambient), {
            profile: "ambient",
            revision: "1-30",
            resources: { requests: { cpu: "100m", memory: "64Mi" } },
        });
        const z = ztunnelValues(cfg, cfg.ambient);
        assert.strictEqual(z.revision, "1-30");
        assert.strictEqual(z.istioNamespace, cfg.rootNamespace);
        assert.deepStrictEqual(z.resources, {
            requests: { cpu: "300m", memory: "512Mi" },
            limits: { memory: "1Gi" },
        });
    });
});

describe("ambient data plane: install", () => {
    it("installs istio-cni and ztunnel at istio.version from Istio's repository, into the root namespace", async () => {
        const { cfg } = istioConfig("dev", AMBIENT);
        const ev = await evaluateStack("dev", AMBIENT);
        const istiod = chartOf(ev, "istiod");
        assert.strictEqual((istiod.inputs.values as { profile?: string }).profile, "ambient");
        for (const [chart, release] of [
            ["cni", "istio-cni"],
            ["ztunnel", "ztunnel"],
        ]) {
            const c = chartOf(ev, chart);
            assert.strictEqual(c.inputs.name, release);
            assert.strictEqual(c.inputs.version, cfg.primary.version);
            assert.strictEqual(c.inputs.version, istiod.inputs.version);
            assert.deepStrictEqual(c.inputs.repositoryOpts, istiod.inputs.repositoryOpts);
            assert.strictEqual(c.inputs.namespace, istiod.inputs.namespace);
        }
        assert.strictEqual((chartOf(ev, "cni").inputs.values as { profile?: string }).profile, "ambient");
    });

    it("follows Istio's order: base, Gateway API CRDs, istiod, cni, ztunnel, then gateway and namespaces", async () => {
        const ev = await evaluateStack("dev", AMBIENT);
        const deps = (r: { dependsOn: string[] }) => r.dependsOn.map((u) => nameOf(ev, u)).sort();
        const crds = byType(ev, CONFIG_FILE);
        assert.strictEqual(crds.length, 1);
        assert.deepStrictEqual(deps(chartOf(ev, "istiod")), [crds[0].name, "istio-base"].sort());
        assert.deepStrictEqual(deps(chartOf(ev, "cni")), [chartOf(ev, "istiod").name]);
        assert.deepStrictEqual(deps(chartOf(ev, "ztunnel")), [chartOf(ev, "cni").name]);
        const nodeAgents = [chartOf(ev, "cni").name, chartOf(ev, "ztunnel").name];
        for (const r of [
            chartOf(ev, "gateway"),
            one(ev, NAMESPACE, "istio-ns-team-a"),
            one(ev, NAMESPACE_PATCH, "istio-ns-default"),
        ]) {
            for (const n of nodeAgents) {
                assert.ok(deps(r).includes(n), `${r.name} waits for ${n}`);
            }
        }
    });

    it("labels application namespaces for ambient instead of sidecar injection", async () => {
        const ambient = await evaluateStack("dev", AMBIENT);
        for (const ns of ["team-a", "default"]) {
            assert.deepStrictEqual(labelsOf(ambient, ns), { ...AMBIENT_NAMESPACE_LABELS });
        }
        const sidecar = await evaluateStack("dev", [
            { key: "bookinfo.enabled", value: "false" },
            { key: "mesh.namespaces", value: '["team-a", "default"]' },
        ]);
        for (const ns of ["team-a", "default"]) {
            const labels = labelsOf(sidecar, ns);
            assert.strictEqual(labels["istio-injection"], "enabled");
            assert.strictEqual(labels["istio.io/dataplane-mode"], undefined);
        }
    });

    it("records istio-cni and ztunnel in docs/chart-hazards.md", async () => {
        const table = fs.readFileSync(path.join(__dirname, "../../../docs/chart-hazards.md"), "utf8");
        // By chart, not by version: a Renovate bump must not turn the suite red (its review
        // re-reads the templates and updates the table's Version column).
        const rows = [...table.matchAll(/^\| `([a-z0-9-]+)` +\| ([0-9][^ |]*) /gm)].map((m) => m[1]);
        const ev = await evaluateStack("dev", AMBIENT);
        for (const chart of ["cni", "ztunnel"]) {
            assert.strictEqual(chartOf(ev, chart).inputs.chart, chart);
            assert.ok(rows.includes(chart), `${chart} has a row`);
        }
    });

    it("installs neither istio-cni nor ztunnel nor the Gateway API CRDs in sidecar mode", async () => {
        const ev = await evaluateStack("dev");
        const charts = byType(ev, CHART).map((c) => c.inputs.chart);
        assert.ok(charts.includes("istiod"));
        assert.ok(!charts.includes("cni") && !charts.includes("ztunnel"));
        assert.deepStrictEqual(byType(ev, CONFIG_FILE), []);
        assert.strictEqual((chartOf(ev, "istiod").inputs.values as { profile?: string }).profile, undefined);
    });
});
