import * as assert from "assert";
import type { GatewayServer } from "../components/shared/ingress";
import { parse } from "yaml";
import { IstiodValues } from "../components/istio/values";
import { GrafanaValues, KialiValues, PrometheusValues } from "../components/observability/values";
import { CapturedResource, Evaluation, isSecretWrapper } from "../tools/lib/mockRuntime";
import { render } from "../tools/lib/render";
import { byType, configIssues, evaluateStack, nameOf, one, pinned } from "./support/stacks";
import { validateObject } from "./support/schemas";
import {
    CERTIFICATE,
    CHART,
    DEPLOYMENT,
    ISTIO_GATEWAY,
    PASSWORD,
    PROVIDER,
    SECRET,
    SERVICE,
    TELEMETRY,
    VIRTUAL_SERVICE,
} from "./support/types";

const NS = "istio-system";

interface ServicePort {
    name: string;
    port: number;
    targetPort: number;
}

function values<T>(ev: Evaluation, resource: string): T {
    const v = one(ev, CHART, resource).inputs.values;
    assert.ok(!isSecretWrapper(v), `${resource} values must not be secret (they would be unreviewable)`);
    return v as T;
}

function meta(r: CapturedResource): {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
} {
    return r.inputs.metadata as { name: string; namespace?: string; annotations?: Record<string, string> };
}

/** The Service (by Kubernetes name) that the program declares, with its ports. */
function service(ev: Evaluation, name: string): { namespace: string; ports: ServicePort[] } {
    const found = byType(ev, SERVICE).filter((s) => meta(s).name === name);
    assert.strictEqual(found.length, 1, `expected one Service ${name}`);
    const spec = found[0].inputs.spec as { ports: ServicePort[] };
    return { namespace: String(meta(found[0]).namespace), ports: spec.ports };
}

/** Splits http://<svc>.<ns>.svc.cluster.local:<port><path> into its parts. */
function parseUrl(url: string): { service: string; namespace: string; port: number; path: string } {
    const m = /^http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)(\/.*)?$/.exec(url);
    assert.ok(m, `${url} is not an in-cluster Service URL`);
    return { service: m[1], namespace: m[2], port: Number(m[3]), path: m[4] ?? "" };
}

/** The path Grafana serves under: the path of its root_url, without the trailing slash. */
function grafanaSubPath(rootUrl: string): string {
    const m = /^[^/]*\/\/[^/]+(\/[^/]+)\/$/.exec(rootUrl);
    assert.ok(m, `${rootUrl} has no sub path`);
    return m[1];
}

/**
 * The browser link Kiali builds to a dashboard (kiali/kiali v2.26.0, grafana/grafana.go
 * getDashboardPath): Grafana's /api/search returns `<sub path>/d/<uid>/<slug>` (Grafana's
 * GetDashboardURL prefixes its AppSubURL), and Kiali appends that to external_url unless the
 * result already starts with external_url.
 */
function kialiDashboardLink(externalUrl: string, rootUrl: string, uidSlug: string): string {
    const found = `${grafanaSubPath(rootUrl)}/d/${uidSlug}`;
    return found.startsWith(externalUrl)
        ? found
        : `${externalUrl.replace(/\/$/, "")}/${found.replace(/^\//, "")}`;
}

/** Titles of the dashboard files of Istio 1.30 (read from istio/istio at tag 1.30.3). */
const ISTIO_130_TITLES: Record<string, string> = {
    "istio-mesh-dashboard.gen.json": "Istio Mesh Dashboard",
    "istio-service-dashboard.json": "Istio Service Dashboard",
    "istio-workload-dashboard.json": "Istio Workload Dashboard",
    "istio-performance-dashboard.json": "Istio Performance Dashboard",
    "pilot-dashboard.gen.json": "Istio Control Plane Dashboard",
    "istio-extension-dashboard.json": "Istio Wasm Extension Dashboard",
    "ztunnel-dashboard.gen.json": "Istio Ztunnel Dashboard",
};

describe("observability", () => {
    it("installs pinned charts from their current repositories with stable release names", async () => {
        const ev = await evaluateStack("dev");
        const charts = byType(ev, CHART)
            .filter((c) => c.name.startsWith("observability-"))
            .map((c) => ({
                chart: c.inputs.chart,
                release: c.inputs.name,
                version: c.inputs.version,
                repo: (c.inputs.repositoryOpts as { repo: string }).repo,
                namespace: c.inputs.namespace,
            }))
            .sort((a, b) => String(a.chart).localeCompare(String(b.chart)));
        assert.deepStrictEqual(charts, [
            {
                chart: "grafana",
                release: "grafana",
                version: pinned("observability.grafana.chartVersion"),
                repo: "https://grafana-community.github.io/helm-charts",
                namespace: NS,
            },
            {
                chart: "kiali-server",
                release: "kiali",
                version: pinned("observability.kiali.chartVersion"),
                repo: "https://kiali.org/helm-charts",
                namespace: NS,
            },
            {
                chart: "prometheus",
                release: "prometheus",
                version: pinned("observability.prometheus.chartVersion"),
                repo: "https://prometheus-community.github.io/helm-charts",
                namespace: NS,
            },
        ]);
        const kiali = values<KialiValues>(ev, "observability-kiali");
        // The Kiali image follows its chart (kiali-server's image tag is v<chart version>).
        assert.strictEqual(kiali.deployment.image_version, `v${pinned("observability.kiali.chartVersion")}`);
        const jaeger = one(ev, DEPLOYMENT, "observability-jaeger");
        const image = (jaeger.inputs.spec as { template: { spec: { containers: { image: string }[] } } })
            .template.spec.containers[0].image;
        assert.strictEqual(image, pinned("observability.jaeger.image"));
    });

    it("sets Prometheus up like Istio's addon: prometheus:9090, 15 s scrapes, no subcharts, no sidecar", async () => {
        const dev = values<PrometheusValues>(await evaluateStack("dev"), "observability-prometheus");
        assert.strictEqual(dev.server.fullnameOverride, "prometheus");
        assert.strictEqual(dev.server.service.servicePort, 9090);
        assert.strictEqual(dev.server.global.scrape_interval, "15s");
        for (const sub of [
            "alertmanager",
            "kube-state-metrics",
            "prometheus-node-exporter",
            "prometheus-pushgateway",
        ] as const) {
            assert.strictEqual(dev[sub].enabled, false, sub);
        }
        assert.deepStrictEqual(dev.server.podLabels, { "sidecar.istio.io/inject": "false" });
        assert.deepStrictEqual(dev.server.persistentVolume, { enabled: false });
        const prod = values<PrometheusValues>(await evaluateStack("prod"), "observability-prometheus");
        assert.deepStrictEqual(prod.server.persistentVolume, { enabled: true, size: "50Gi" });
        assert.strictEqual(prod.server.retention, "30d");
    });

    it("points Kiali and Grafana at the Prometheus Service the chart creates", async () => {
        const ev = await evaluateStack("dev");
        const prom = values<PrometheusValues>(ev, "observability-prometheus");
        const promNs = one(ev, CHART, "observability-prometheus").inputs.namespace;
        const expected = {
            service: prom.server.fullnameOverride,
            namespace: promNs,
            port: prom.server.service.servicePort,
            path: "",
        };
        const kiali = values<KialiValues>(ev, "observability-kiali");
        assert.deepStrictEqual(parseUrl(kiali.external_services.prometheus.url), expected);
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const ds = grafana.datasources["datasources.yaml"].datasources;
        assert.strictEqual(ds.length, 1);
        assert.deepStrictEqual(parseUrl(ds[0].url), expected);
        assert.strictEqual(ds[0].jsonData.timeInterval, prom.server.global.scrape_interval);
    });

    it("points Kiali at the Grafana Service, datasource and sub-path that Grafana is given", async () => {
        const ev = await evaluateStack("dev");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const g = values<KialiValues>(ev, "observability-kiali").external_services.grafana;
        const url = parseUrl(String(g.internal_url));
        assert.deepStrictEqual(url, {
            service: grafana.fullnameOverride,
            namespace: one(ev, CHART, "observability-grafana").inputs.namespace,
            port: grafana.service.port,
            path: grafanaSubPath(grafana["grafana.ini"].server.root_url),
        });
        assert.strictEqual(grafana.service.targetPort, 3000);
        assert.strictEqual(g.datasource_uid, grafana.datasources["datasources.yaml"].datasources[0].uid);
    });

    it("gives Kiali a Grafana external_url whose dashboard links land where Grafana serves them", async () => {
        const ev = await evaluateStack("dev");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const g = values<KialiValues>(ev, "observability-kiali").external_services.grafana;
        const access = ev.outputs.observability as Record<string, { localUrl: string }>;
        // Grafana serves /grafana/... (serve_from_sub_path); a doubled /grafana/grafana/ is a 404.
        assert.strictEqual(access.grafana.localUrl, "http://localhost:3000/grafana");
        assert.strictEqual(
            kialiDashboardLink(
                String(g.external_url),
                grafana["grafana.ini"].server.root_url,
                "abc/istio-mesh",
            ),
            `${access.grafana.localUrl}/d/abc/istio-mesh`,
        );
    });

    it("lists in Kiali exactly the dashboard titles Grafana provisions, from the installed Istio release", async () => {
        const ev = await evaluateStack("dev");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const sidecar = grafana.sidecar.dashboards;
        assert.strictEqual(sidecar.provider.folder, "istio");
        // The sidecar reads the stack's dashboard ConfigMap: selected by its label, in its namespace.
        const cm = byType(ev, "kubernetes:core/v1:ConfigMap").filter(
            (c) =>
                (c.inputs.metadata as { labels?: Record<string, string> }).labels?.[sidecar.label] ===
                sidecar.labelValue,
        );
        assert.strictEqual(cm.length, 1, "one dashboard ConfigMap carries the sidecar's label");
        assert.strictEqual(meta(cm[0]).namespace, NS);
        const provisioned = Object.entries(cm[0].inputs.data as Record<string, string>).map(([key, url]) => {
            assert.match(key, /\.json\.url$/, "the sidecar downloads keys ending in .url");
            const m =
                /^https:\/\/raw\.githubusercontent\.com\/istio\/istio\/([^/]+)\/manifests\/addons\/dashboards\/(.+)$/.exec(
                    url,
                );
            assert.ok(m, url);
            assert.strictEqual(
                m[1],
                pinned("istio.version"),
                "dashboards must come from the installed Istio version",
            );
            const title = ISTIO_130_TITLES[m[2]];
            assert.ok(title, `unknown dashboard file ${m[2]}`);
            return title;
        });
        assert.strictEqual(provisioned.length, 7);
        const kiali =
            values<KialiValues>(ev, "observability-kiali").external_services.grafana.dashboards ?? [];
        assert.deepStrictEqual(kiali.map((d) => d.name).sort(), [...provisioned].sort());
        const svc = kiali.find((d) => d.name === "Istio Service Dashboard");
        assert.deepStrictEqual(svc?.variables?.service, "var-service");
    });

    it("points Kiali at Jaeger's query Service (gRPC port, /jaeger) that is actually created", async () => {
        const ev = await evaluateStack("dev");
        const tracing = values<KialiValues>(ev, "observability-kiali").external_services.tracing;
        assert.strictEqual(tracing.enabled, true);
        assert.strictEqual(tracing.use_grpc, true);
        const url = parseUrl(String(tracing.internal_url));
        const svc = service(ev, url.service);
        assert.strictEqual(svc.namespace, url.namespace);
        const port = svc.ports.find((p) => p.port === url.port);
        assert.ok(port && port.name.startsWith("grpc"), `${url.service} has no gRPC port ${url.port}`);
        const config = parse(
            String(
                (
                    one(ev, "kubernetes:core/v1:ConfigMap", "observability-jaeger-config").inputs
                        .data as Record<string, string>
                )["config.yaml"],
            ),
        ) as {
            extensions: { jaeger_query: { base_path: string; grpc: { endpoint: string } } };
        };
        assert.strictEqual(config.extensions.jaeger_query.base_path, url.path);
        assert.ok(config.extensions.jaeger_query.grpc.endpoint.endsWith(`:${port.targetPort}`));
    });

    it("creates the tracing, zipkin and jaeger-collector Services the mesh config sends spans to", async () => {
        const ev = await evaluateStack("dev");
        const istiod = one(ev, CHART, "istio-istiod").inputs.values as IstiodValues;
        const provider = istiod.meshConfig.extensionProviders[0];
        const target = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(
            provider.opentelemetry.service,
        );
        assert.ok(target);
        const collector = service(ev, target[1]);
        assert.strictEqual(collector.namespace, target[2]);
        const otlp = collector.ports.find((p) => p.port === provider.opentelemetry.port);
        assert.ok(otlp, "collector Service lacks the provider's port");
        assert.ok(otlp.name.startsWith("grpc-"), "Istio needs a grpc- port name to send OTLP/gRPC");
        assert.deepStrictEqual(
            service(ev, "tracing").ports.map((p) => [p.name, p.port, p.targetPort]),
            [
                ["http-query", 80, 16686],
                ["grpc-query", 16685, 16685],
            ],
        );
        assert.deepStrictEqual(
            service(ev, "zipkin").ports.map((p) => p.port),
            [9411],
        );
        for (const r of byType(ev, SERVICE).filter((s) => s.name.startsWith("observability-jaeger"))) {
            assert.deepStrictEqual((r.inputs.spec as { selector: object }).selector, { app: "jaeger" });
        }
    });

    it("enables the mesh config's tracing provider with the stack's sampling, after istiod and Jaeger", async () => {
        for (const [stack, percent] of [
            ["dev", 100],
            ["prod", 1],
        ] as const) {
            const ev = await evaluateStack(stack);
            const telemetry = one(ev, TELEMETRY, "observability-telemetry");
            assert.deepStrictEqual(meta(telemetry), { name: "mesh-default", namespace: NS });
            const spec = telemetry.inputs.spec as {
                tracing: { providers: { name: string }[]; randomSamplingPercentage: number }[];
            };
            const istiod = one(ev, CHART, "istio-istiod").inputs.values as IstiodValues;
            const providers = istiod.meshConfig.extensionProviders.map((p) => p.name);
            for (const p of spec.tracing[0].providers) {
                assert.ok(providers.includes(p.name), `${p.name} is not a mesh-config extension provider`);
            }
            assert.strictEqual(spec.tracing[0].randomSamplingPercentage, percent);
            assert.deepStrictEqual(telemetry.dependsOn.map((u) => nameOf(ev, u)).sort(), [
                "istio-istiod",
                "observability-jaeger-collector",
            ]);
        }
        const off = await evaluateStack("dev", [{ key: "observability.jaeger.enabled", value: "false" }]);
        assert.strictEqual(byType(off, TELEMETRY).length, 0);
        const k = values<KialiValues>(off, "observability-kiali");
        assert.deepStrictEqual(k.external_services.tracing, { enabled: false });
    });

    it("runs Jaeger v2 from a typed config: memory in dev, badger on a volume in prod", async () => {
        const config = async (stack: string) => {
            const ev = await evaluateStack(stack);
            const cm = one(ev, "kubernetes:core/v1:ConfigMap", "observability-jaeger-config");
            return {
                ev,
                cfg: parse((cm.inputs.data as Record<string, string>)["config.yaml"]) as {
                    extensions: { jaeger_storage: { backends: Record<string, Record<string, unknown>> } };
                    exporters: { jaeger_storage_exporter: { trace_storage: string } };
                },
            };
        };
        const dev = await config("dev");
        const devStore = dev.cfg.exporters.jaeger_storage_exporter.trace_storage;
        assert.deepStrictEqual(Object.keys(dev.cfg.extensions.jaeger_storage.backends[devStore]), ["memory"]);
        assert.strictEqual(byType(dev.ev, "kubernetes:core/v1:PersistentVolumeClaim").length, 0);
        const prod = await config("prod");
        const backend =
            prod.cfg.extensions.jaeger_storage.backends[
                prod.cfg.exporters.jaeger_storage_exporter.trace_storage
            ];
        assert.deepStrictEqual(backend.badger, {
            ephemeral: false,
            directories: { keys: "/badger/keys", values: "/badger/values" },
            ttl: { spans: "168h" },
        });
        const pvc = one(prod.ev, "kubernetes:core/v1:PersistentVolumeClaim", "observability-jaeger-data");
        const deploy = one(prod.ev, DEPLOYMENT, "observability-jaeger");
        const pod = (
            deploy.inputs.spec as {
                template: {
                    spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
                };
            }
        ).template.spec;
        assert.strictEqual(
            pod.volumes.find((v) => v.name === "data")?.persistentVolumeClaim?.claimName,
            meta(pvc).name,
        );
        assert.ok(deploy.dependsOn.map((u) => nameOf(prod.ev, u)).includes("observability-jaeger-data"));
    });

    it("keeps every password, key and token secret and out of the render", async () => {
        const ev = await evaluateStack("dev");
        const passwords = byType(ev, PASSWORD);
        assert.deepStrictEqual(passwords.map((p) => p.name).sort(), [
            "observability-grafana-admin-password",
            "observability-kiali-signing-key",
        ]);
        const signing = one(ev, PASSWORD, "observability-kiali-signing-key");
        assert.strictEqual(signing.inputs.length, 32, "Kiali's AES key must be exactly 32 bytes");
        assert.strictEqual(signing.inputs.special, false);
        for (const name of ["observability-grafana-admin", "observability-kiali-signing-key"]) {
            assert.ok(
                isSecretWrapper(one(ev, SECRET, name).inputs.stringData),
                `${name} stringData must be secret`,
            );
        }
        assert.ok(isSecretWrapper((ev.outputs.kialiViewerTokens as Record<string, unknown>).dev));
        assert.ok(isSecretWrapper((ev.outputs.grafanaAdmin as Record<string, unknown>).password));
        const text = JSON.stringify(render(ev));
        for (const p of passwords) {
            assert.ok(!text.includes(`mock-${p.name}`), `${p.name} leaked into the render`);
        }
    });

    it("hands Kiali the signing key and Grafana password as references to Secrets that exist", async () => {
        const ev = await evaluateStack("dev");
        const kiali = values<KialiValues>(ev, "observability-kiali");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const secretNames = byType(ev, SECRET).map((s) => `${meta(s).namespace}/${meta(s).name}`);
        const refs = [kiali.login_token.signing_key, String(kiali.external_services.grafana.auth?.password)];
        for (const ref of refs) {
            const m = /^secret:([^:]+):(.+)$/.exec(ref);
            assert.ok(m, `${ref} is not a secret: reference`);
            assert.ok(secretNames.includes(`${NS}/${m[1]}`), `Secret ${m[1]} is not created`);
        }
        assert.strictEqual(kiali.login_token.signing_key, "secret:kiali-signing-key:key");
        assert.strictEqual(grafana.admin.existingSecret, "grafana-admin");
        assert.deepStrictEqual(
            [grafana.admin.userKey, grafana.admin.passwordKey],
            ["admin-user", "admin-password"],
        );
        assert.strictEqual(
            kiali.external_services.grafana.auth?.password,
            `secret:grafana-admin:${grafana.admin.passwordKey}`,
        );
        // The charts read those Secrets at start-up, so they must exist first.
        assert.ok(
            one(ev, CHART, "observability-kiali")
                .dependsOn.map((u) => nameOf(ev, u))
                .includes("observability-kiali-signing-key"),
        );
        assert.ok(
            one(ev, CHART, "observability-grafana")
                .dependsOn.map((u) => nameOf(ev, u))
                .includes("observability-grafana-admin"),
        );
        assert.deepStrictEqual(grafana["grafana.ini"]["auth.anonymous"], { enabled: false });
    });

    it("gives each configured viewer a ServiceAccount, a binding to the stack's viewer role and a token", async () => {
        const ev = await evaluateStack("dev");
        const values = one(ev, CHART, "observability-kiali").inputs.values as KialiValues;
        assert.strictEqual(values.auth.strategy, "token");
        const sa = one(ev, "kubernetes:core/v1:ServiceAccount", "observability-kiali-viewer-dev");
        assert.deepStrictEqual(meta(sa), { name: "kiali-viewer-dev", namespace: NS });
        const binding = one(
            ev,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "observability-kiali-viewer-dev",
        );
        assert.deepStrictEqual(binding.inputs.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "kiali-ui-viewer",
        });
        assert.deepStrictEqual(binding.inputs.subjects, [
            { kind: "ServiceAccount", name: "kiali-viewer-dev", namespace: NS },
        ]);
        assert.deepStrictEqual(
            binding.dependsOn.map((u) => nameOf(ev, u)),
            ["observability-kiali-ui-viewer"],
        );
        const token = one(ev, SECRET, "observability-kiali-viewer-dev-token");
        assert.strictEqual(token.inputs.type, "kubernetes.io/service-account-token");
        assert.strictEqual(
            meta(token).annotations?.["kubernetes.io/service-account.name"],
            "kiali-viewer-dev",
        );
        assert.ok(token.dependencies.map((u) => nameOf(ev, u)).includes("observability-kiali-viewer-dev"));
        const prod = await evaluateStack("prod");
        assert.deepStrictEqual(prod.outputs.kialiViewerTokens, {});
    });

    it("configures openid with the client secret in Secret kiali, key oidc-secret", async () => {
        const ev = await evaluateStack("dev", [
            { key: "observability.kiali.auth.strategy", value: "openid" },
            { key: "observability.kiali.auth.viewers", value: "[]" },
            { key: "observability.kiali.auth.openid.clientId", value: "kiali" },
            {
                key: "observability.kiali.auth.openid.issuerUri",
                value: "https://idp.example.com/realms/mesh",
            },
            { key: "kialiOidcClientSecret", value: "oidc-client-secret-value", secret: true },
        ]);
        const kiali = values<KialiValues>(ev, "observability-kiali");
        assert.deepStrictEqual(kiali.auth, {
            strategy: "openid",
            openid: {
                client_id: "kiali",
                issuer_uri: "https://idp.example.com/realms/mesh",
                username_claim: "sub",
                disable_rbac: false,
            },
        });
        const oidc = one(ev, SECRET, "observability-kiali-oidc");
        assert.deepStrictEqual(meta(oidc), { name: kiali.deployment.secret_name, namespace: NS });
        const data = oidc.inputs.stringData as { value: Record<string, string> };
        assert.ok(isSecretWrapper(data));
        assert.deepStrictEqual(Object.keys(data.value), ["oidc-secret"]);
        assert.ok(!JSON.stringify(render(ev)).includes("oidc-client-secret-value"));
        assert.strictEqual(
            byType(ev, "kubernetes:core/v1:ServiceAccount").filter((s) => s.name.includes("viewer")).length,
            0,
        );
    });

    it("prints a port-forward for every UI that targets a Service and port that exist", async () => {
        const ev = await evaluateStack("dev");
        const access = ev.outputs.observability as Record<string, { portForward: string; localUrl: string }>;
        assert.deepStrictEqual(Object.keys(access).sort(), ["grafana", "jaeger", "kiali", "prometheus"]);
        const prom = values<PrometheusValues>(ev, "observability-prometheus");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        const kiali = values<KialiValues>(ev, "observability-kiali");
        const chartServices: Record<string, number> = {
            [prom.server.fullnameOverride]: prom.server.service.servicePort,
            [grafana.fullnameOverride]: grafana.service.port,
            [kiali.deployment.instance_name]: kiali.server.port,
        };
        for (const [ui, a] of Object.entries(access)) {
            const m =
                /^kubectl(?: --(?:context|kubeconfig) \S+)* -n (\S+) port-forward svc\/(\S+) (\d+):(\d+)$/.exec(
                    a.portForward,
                );
            assert.ok(m, a.portForward);
            assert.strictEqual(m[1], NS);
            const remote = Number(m[4]);
            const known =
                chartServices[m[2]] === remote ||
                (ui === "jaeger" && service(ev, m[2]).ports.some((p) => p.port === remote));
            assert.ok(known, `${ui}: ${a.portForward} targets no declared Service port`);
            assert.ok(a.localUrl.startsWith(`http://localhost:${m[3]}`), a.localUrl);
        }
        assert.strictEqual(access.kiali.localUrl, `http://localhost:20001${kiali.server.web_root}`);
    });

    it("writes no credential into a GitOps render directory: those Secrets come out of band", async () => {
        const ev = await evaluateStack("prod", [
            { key: "cluster.renderYamlTo", value: "/tmp/mesh-manifests" },
        ]);
        const provider = one(ev, PROVIDER, "cluster-provider");
        assert.strictEqual(provider.inputs.renderYamlToDirectory, "/tmp/mesh-manifests");
        assert.deepStrictEqual(byType(ev, PASSWORD), []);
        const withData = byType(ev, SECRET).filter(
            (s) => s.inputs.stringData !== undefined || s.inputs.data !== undefined,
        );
        assert.deepStrictEqual(
            withData.map((s) => s.name),
            [],
        );
        // The charts still read the Secrets by name, so the manifests stay complete.
        assert.strictEqual(
            values<GrafanaValues>(ev, "observability-grafana").admin.existingSecret,
            "grafana-admin",
        );
        assert.strictEqual(
            values<KialiValues>(ev, "observability-kiali").login_token.signing_key,
            "secret:kiali-signing-key:key",
        );
        // Applied normally, the same stack creates both credentials.
        const applied = await evaluateStack("prod");
        assert.strictEqual(byType(applied, PASSWORD).length, 2);
    });

    describe("with TLS at the ingress", () => {
        const exposed = [
            { key: "observability.kiali.ingress.enabled", value: "true" },
            { key: "observability.kiali.ingress.host", value: "kiali.mesh.localtest.me" },
            { key: "observability.jaeger.ingress.enabled", value: "true" },
            { key: "observability.jaeger.ingress.host", value: "*" },
        ];

        it("serves the UIs on named hosts over HTTPS with the ingress certificate", async () => {
            const ev = await evaluateStack("dev", [
                ...exposed,
                { key: "tls.hosts[1]", value: "kiali.mesh.localtest.me" },
                { key: "tls.httpsRedirect", value: "true" },
            ]);
            const gw = one(ev, ISTIO_GATEWAY, "observability-gateway");
            const servers = (gw.inputs.spec as { servers: GatewayServer[] }).servers;
            const cert = one(ev, CERTIFICATE, "tls-ingress-certificate");
            const secretName = (cert.inputs.spec as { secretName: string }).secretName;
            assert.deepStrictEqual(servers, [
                {
                    port: { number: 80, name: "http-redirect-observability", protocol: "HTTP" },
                    hosts: ["kiali.mesh.localtest.me"],
                    tls: { httpsRedirect: true },
                },
                { port: { number: 80, name: "http-observability", protocol: "HTTP" }, hosts: ["*"] },
                {
                    port: { number: 443, name: "https-observability", protocol: "HTTPS" },
                    hosts: ["kiali.mesh.localtest.me"],
                    tls: { mode: "SIMPLE", credentialName: secretName },
                },
            ]);
            assert.ok(gw.dependencies.includes(cert.urn), "the Gateway waits for the Certificate");
        });

        it("tells Grafana and Kiali the https:// URL of a UI served over HTTPS", async () => {
            const ev = await evaluateStack("dev", [
                { key: "observability.grafana.ingress.enabled", value: "true" },
                { key: "observability.grafana.ingress.host", value: "grafana.mesh.localtest.me" },
                { key: "tls.hosts[1]", value: "grafana.mesh.localtest.me" },
            ]);
            const grafana = values<GrafanaValues>(ev, "observability-grafana");
            const g = values<KialiValues>(ev, "observability-kiali").external_services.grafana;
            const access = ev.outputs.observability as Record<string, { publicUrl?: string }>;
            // kind maps the gateway's HTTPS node port to localhost:8443.
            assert.strictEqual(access.grafana.publicUrl, "https://grafana.mesh.localtest.me:8443/grafana");
            assert.strictEqual(grafana["grafana.ini"].server.root_url, `${access.grafana.publicUrl}/`);
            assert.strictEqual(
                kialiDashboardLink(
                    String(g.external_url),
                    grafana["grafana.ini"].server.root_url,
                    "abc/istio-mesh",
                ),
                `${access.grafana.publicUrl}/d/abc/istio-mesh`,
            );
        });

        it("refuses a named UI host the certificate does not cover", () => {
            const issues = configIssues("dev", Object.fromEntries(exposed.map((o) => [o.key, o.value])));
            assert.deepStrictEqual(
                issues.map((i) => i.key),
                ["tls.hosts"],
            );
            assert.match(
                issues[0].message,
                /"kiali\.mesh\.localtest\.me" over HTTPS but the certificate covers only/,
            );
        });
    });

    it("exposes chosen UIs through the ingress gateway, and links from Kiali follow the public hosts", async () => {
        const ev = await evaluateStack("dev", [
            { key: "tls.enabled", value: "false" },
            { key: "observability.kiali.ingress.enabled", value: "true" },
            { key: "observability.kiali.ingress.host", value: "kiali.example.com" },
            { key: "observability.grafana.ingress.enabled", value: "true" },
            { key: "observability.grafana.ingress.host", value: "grafana.example.com" },
        ]);
        const gw = one(ev, ISTIO_GATEWAY, "observability-gateway");
        const spec = gw.inputs.spec as {
            selector: Record<string, string>;
            servers: { hosts: string[]; port: { number: number } }[];
        };
        assert.deepStrictEqual(spec.selector, { istio: "ingressgateway" });
        assert.deepStrictEqual([...spec.servers[0].hosts].sort(), [
            "grafana.example.com",
            "kiali.example.com",
        ]);
        assert.strictEqual(spec.servers[0].port.number, 80);
        assert.ok(gw.dependsOn.map((u) => nameOf(ev, u)).includes("istio-istiod"));
        const routes = byType(ev, VIRTUAL_SERVICE).filter((r) => r.name.startsWith("observability-"));
        const seen = routes.map((r) => {
            const s = r.inputs.spec as {
                hosts: string[];
                gateways: string[];
                http: {
                    match: { uri: { prefix: string } }[];
                    route: { destination: { host: string; port: { number: number } } }[];
                }[];
            };
            assert.deepStrictEqual(s.gateways, [meta(gw).name]);
            const d = s.http[0].route[0].destination;
            return [s.hosts[0], s.http[0].match[0].uri.prefix, d.host, d.port.number];
        });
        const kiali = values<KialiValues>(ev, "observability-kiali");
        const grafana = values<GrafanaValues>(ev, "observability-grafana");
        assert.deepStrictEqual(seen.sort(), [
            [
                "grafana.example.com",
                "/grafana",
                `${grafana.fullnameOverride}.${NS}.svc.cluster.local`,
                grafana.service.port,
            ],
            [
                "kiali.example.com",
                kiali.server.web_root,
                `${kiali.deployment.instance_name}.${NS}.svc.cluster.local`,
                kiali.server.port,
            ],
        ]);
        // The dev stack reaches the gateway through kind's host port 8080.
        assert.strictEqual(
            grafana["grafana.ini"].server.root_url,
            "http://grafana.example.com:8080/grafana/",
        );
        assert.strictEqual(
            kialiDashboardLink(
                String(kiali.external_services.grafana.external_url),
                grafana["grafana.ini"].server.root_url,
                "abc/istio-mesh",
            ),
            "http://grafana.example.com:8080/grafana/d/abc/istio-mesh",
        );
        const access = ev.outputs.observability as Record<string, { publicUrl?: string }>;
        assert.strictEqual(access.kiali.publicUrl, "http://kiali.example.com:8080/kiali");
        const dev = await evaluateStack("dev");
        assert.strictEqual(
            byType(dev, ISTIO_GATEWAY).filter((g) => g.name.startsWith("observability")).length,
            0,
        );
    });

    it("parents everything to the component, uses the explicit provider, and validates against schemas", async () => {
        const ev = await evaluateStack("prod");
        const component = one(ev, "istio-mesh:observability:Observability", "observability");
        const provider = one(ev, PROVIDER, "cluster-provider");
        const children = ev.resources.filter((r) => r.name.startsWith("observability-"));
        assert.ok(children.length >= 12);
        for (const child of children) {
            assert.strictEqual(child.parent, component.urn, `${child.name} parent`);
            if (child.type.startsWith("kubernetes:")) {
                assert.strictEqual(child.provider, provider.urn, `${child.name} provider`);
            }
        }
        const rendered = render(ev).manifests.filter(
            (m) => m.metadata.namespace === NS && m.kind !== "Secret" && m.kind !== "PeerAuthentication",
        );
        assert.ok(rendered.length >= 7);
        for (const m of rendered) {
            await validateObject(m);
        }
    });

    it("installs nothing when observability is off, and each addon can be switched off", async () => {
        const off = await evaluateStack("dev", [{ key: "observability.enabled", value: "false" }]);
        assert.strictEqual(off.resources.filter((r) => r.name.startsWith("observability")).length, 0);
        const noGrafana = await evaluateStack("dev", [
            { key: "observability.grafana.enabled", value: "false" },
        ]);
        assert.strictEqual(
            byType(noGrafana, CHART).filter((c) => c.name === "observability-grafana").length,
            0,
        );
        const k = values<KialiValues>(noGrafana, "observability-kiali");
        assert.deepStrictEqual(k.external_services.grafana, { enabled: false });
        assert.strictEqual(noGrafana.outputs.grafanaAdmin, undefined);
    });

    it("turns on anonymous Grafana only when a stack asks for it", () => {
        assert.deepStrictEqual(configIssues("dev", { "observability.grafana.anonymous": true }), []);
    });

    it("rejects bad observability values with one clear error each", () => {
        const issues = configIssues("dev", {
            "observability.kiali.auth.strategy": "login",
            "observability.kiali.chartVersion": "2.20.0",
            "observability.jaeger.image": "docker.io/jaegertracing/all-in-one:1.58",
            "observability.jaeger.storage": "cassandra",
            "observability.prometheus.retention": "two weeks",
            "observability.grafana.ingress.host": "Not A Host",
        });
        const got = Object.fromEntries(issues.map((i) => [i.key, i.message]));
        assert.deepStrictEqual(Object.keys(got).sort(), [
            "observability.grafana.ingress.host",
            "observability.jaeger.image",
            "observability.jaeger.storage",
            "observability.kiali.auth.strategy",
            "observability.kiali.chartVersion",
            "observability.prometheus.retention",
        ]);
        assert.ok(
            got["observability.kiali.auth.strategy"].includes(
                '"login" is not allowed; allowed values: token, openid, anonymous',
            ),
        );
        assert.ok(got["observability.kiali.auth.strategy"].includes("removed the username/passphrase login"));
        assert.ok(got["observability.kiali.chartVersion"].includes("2.20.0 is too old"));
        assert.ok(got["observability.jaeger.image"].includes("v1"));
        assert.ok(got["observability.jaeger.storage"].includes("memory, badger"));
    });

    it("rejects combinations that would publish an unauthenticated UI or lose data silently", () => {
        const cases: [Record<string, string | boolean>, Record<string, string>][] = [
            [
                {
                    "observability.kiali.auth.strategy": "anonymous",
                    "observability.kiali.auth.viewers": "[]",
                    "observability.kiali.ingress.enabled": true,
                },
                { "observability.kiali.auth.strategy": "would publish Kiali without a login" },
            ],
            [
                { "observability.grafana.anonymous": true, "observability.grafana.ingress.enabled": true },
                { "observability.grafana.anonymous": "port-forward" },
            ],
            [
                { "observability.kiali.auth.strategy": "openid", "observability.kiali.auth.viewers": "[]" },
                {
                    "observability.kiali.auth.openid.clientId": "must be set",
                    "observability.kiali.auth.openid.issuerUri": "must be set",
                    kialiOidcClientSecret: "pulumi config set --secret kialiOidcClientSecret",
                },
            ],
            [
                { "observability.kiali.auth.strategy": "anonymous" },
                { "observability.kiali.auth.viewers": 'only used by the "token" strategy' },
            ],
            [
                { "observability.jaeger.persistence.enabled": true },
                { "observability.jaeger.persistence.enabled": "badger" },
            ],
            [
                { "observability.prometheus.enabled": false },
                {
                    "observability.grafana.enabled": "observability.prometheus.enabled",
                    "observability.kiali.enabled": "observability.prometheus.enabled",
                },
            ],
            [
                { "observability.jaeger.image": "docker.io/jaegertracing/jaeger:latest" },
                { "observability.jaeger.image": "not pinned" },
            ],
        ];
        for (const [overrides, expected] of cases) {
            const issues = configIssues("dev", overrides);
            const got = Object.fromEntries(issues.map((i) => [i.key, i.message]));
            assert.deepStrictEqual(
                Object.keys(got).sort(),
                Object.keys(expected).sort(),
                JSON.stringify(issues),
            );
            for (const [key, text] of Object.entries(expected)) {
                assert.ok(got[key].includes(text), `${key}: ${got[key]}`);
            }
        }
    });
});
