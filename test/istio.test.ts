import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../components/cluster";
import { ignoreIstiodOwnedWebhookFields, ingressOrigin, ingressPorts } from "../components/istio";
import { parseClusterConfig } from "../components/cluster/config";
import { parseIstioConfig } from "../components/istio/config";
import { ConfigReader } from "../config/reader";
import { GatewayValues, IstiodValues, compareChartVersions } from "../components/istio/values";
import { JAEGER_COLLECTOR, TRACING_PROVIDER } from "../components/shared/names";
import { Evaluation, evaluate } from "../tools/lib/mockRuntime";
import { loadStackConfig } from "../tools/lib/stackFiles";
import { CANARY, byType, evaluateStack, nameOf, one, pinned, rawConfig } from "./support/stacks";
import { CHART, DEPLOYMENT, NAMESPACE, PEER_AUTHENTICATION, PROVIDER } from "./support/types";

/** The keys the 1.30 gateway chart's values.schema.json accepts at the top level. */
const GATEWAY_SCHEMA_KEYS = [
    "additionalContainers",
    "affinity",
    "annotations",
    "autoscaling",
    "compatibilityVersion",
    "containerSecurityContext",
    "defaultRevision",
    "enabled",
    "env",
    "envVarFrom",
    "global",
    "imagePullPolicy",
    "imagePullSecrets",
    "initContainers",
    "kind",
    "labels",
    "lifecycle",
    "minReadySeconds",
    "name",
    "networkGateway",
    "networkGatewayPorts",
    "nodeSelector",
    "pilot",
    "platform",
    "podAnnotations",
    "podDisruptionBudget",
    "priorityClassName",
    "profile",
    "rbac",
    "readinessProbe",
    "replicaCount",
    "resources",
    "revision",
    "runAsRoot",
    "securityContext",
    "service",
    "serviceAccount",
    "strategy",
    "terminationGracePeriodSeconds",
    "tolerations",
    "topologySpreadConstraints",
    "unprivilegedPort",
    "volumeMounts",
    "volumes",
];

/** The control plane's charts (other components install charts of their own). */
function istioCharts(ev: Evaluation) {
    const component = one(ev, "istio-mesh:istio:ControlPlane", "istio");
    return byType(ev, CHART).filter((c) => c.parent === component.urn);
}

describe("Istio control plane", () => {
    it("tells where a browser reaches the gateway in each environment", () => {
        const portsOf = (stack: string, overrides: Record<string, string> = {}) => {
            const r = new ConfigReader(
                rawConfig(
                    stack,
                    Object.entries(overrides).map(([key, value]) => ({ key, value })),
                ),
            );
            return ingressPorts(parseIstioConfig(r), parseClusterConfig(r));
        };
        assert.deepStrictEqual(portsOf("dev"), { http: 8080, https: 8443 }); // kind host ports
        assert.deepStrictEqual(portsOf("prod"), { http: 80, https: 443 }); // load balancer
        assert.deepStrictEqual(portsOf("dev", { "cluster.kind.create": "false" }), {
            http: 30080,
            https: 30443,
        });
        assert.deepStrictEqual(portsOf("prod", { "gateway.serviceType": "ClusterIP" }), {
            http: 8080,
            https: 8443,
        });
        assert.strictEqual(
            ingressOrigin("https", "a.example.com", { http: 80, https: 443 }),
            "https://a.example.com",
        );
        assert.strictEqual(
            ingressOrigin("http", "a.example.com", { http: 8080, https: 8443 }),
            "http://a.example.com:8080",
        );
    });

    it("installs base, istiod and gateway from the official repository at the configured version", async () => {
        const ev = await evaluateStack("dev");
        const charts = istioCharts(ev).map((c) => ({
            chart: c.inputs.chart,
            release: c.inputs.name,
            version: c.inputs.version,
            repo: (c.inputs.repositoryOpts as { repo: string }).repo,
            namespace: c.inputs.namespace,
        }));
        const repo = "https://istio-release.storage.googleapis.com/charts";
        const version = pinned("istio.version");
        assert.deepStrictEqual(
            charts.sort((a, b) => String(a.chart).localeCompare(String(b.chart))),
            [
                { chart: "base", release: "istio-base", version, repo, namespace: "istio-system" },
                {
                    chart: "gateway",
                    release: "istio-ingressgateway",
                    version,
                    repo,
                    namespace: "istio-ingress",
                },
                { chart: "istiod", release: "istiod", version, repo, namespace: "istio-system" },
            ],
        );
    });

    it("orders CRDs before istiod, and istiod before the gateway and Istio resources", async () => {
        const ev = await evaluateStack("dev");
        const deps = (type: string, name: string) => one(ev, type, name).dependsOn.map((u) => nameOf(ev, u));
        assert.deepStrictEqual(deps(CHART, "istio-istiod"), ["istio-base"]);
        assert.deepStrictEqual(deps(CHART, "istio-gateway"), ["istio-istiod"]);
        assert.deepStrictEqual(deps(PEER_AUTHENTICATION, "istio-peer-authentication"), ["istio-istiod"]);
    });

    it("parents every child to its component and uses the explicit provider", async () => {
        const ev = await evaluateStack("dev");
        const component = one(ev, "istio-mesh:istio:ControlPlane", "istio");
        const provider = one(ev, PROVIDER, "cluster-provider");
        const children = ev.resources.filter((r) => r.name.startsWith("istio-"));
        assert.ok(children.length >= 6);
        for (const child of children) {
            assert.strictEqual(child.parent, component.urn, `${child.name} parent`);
            if (child.custom || child.type === CHART) {
                assert.strictEqual(child.provider, provider.urn, `${child.name} provider`);
            }
        }
    });

    it("leaves istiod-owned webhook fields to istiod", () => {
        for (const type of ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]) {
            const result = ignoreIstiodOwnedWebhookFields({
                type: `kubernetes:admissionregistration.k8s.io/v1:${type}`,
                name: "x",
                custom: true,
                props: {
                    webhooks: [
                        { name: "a", clientConfig: { caBundle: "", service: { name: "istiod" } } },
                        { name: "b", clientConfig: { caBundle: "LS0tLS1CRUdJTg==" } },
                    ],
                },
                opts: {},
            }) as pulumi.ResourceTransformResult;
            assert.deepStrictEqual(result.opts?.ignoreChanges, [
                "webhooks[*].clientConfig.caBundle",
                "webhooks[*].failurePolicy",
            ]);
            // The chart's empty bundle is not sent (istiod fills it in); an explicit one is kept.
            assert.deepStrictEqual(result.props.webhooks, [
                { name: "a", clientConfig: { service: { name: "istiod" } } },
                { name: "b", clientConfig: { caBundle: "LS0tLS1CRUdJTg==" } },
            ]);
        }
        const other = ignoreIstiodOwnedWebhookFields({
            type: DEPLOYMENT,
            name: "x",
            custom: true,
            props: {},
            opts: {},
        });
        assert.strictEqual(other, undefined);
    });

    it("applies the webhook transform to the base and istiod charts", async () => {
        const ev = await evaluateStack("dev");
        const transforms = istioCharts(ev).map((c) => [c.name, c.transforms]);
        assert.deepStrictEqual(transforms.sort(), [
            ["istio-base", 2],
            ["istio-gateway", 0],
            ["istio-istiod", 1],
        ]);
    });

    it("wires the tracing provider to the Jaeger collector and sets egress and access logs", async () => {
        const ev = await evaluateStack("prod");
        const values = one(ev, CHART, "istio-istiod").inputs.values as IstiodValues;
        assert.deepStrictEqual(values.meshConfig.extensionProviders, [
            {
                name: TRACING_PROVIDER,
                opentelemetry: {
                    service: `${JAEGER_COLLECTOR.service}.istio-system.svc.cluster.local`,
                    port: 4317,
                },
            },
        ]);
        assert.strictEqual(values.meshConfig.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
        assert.strictEqual(values.meshConfig.accessLogFile, "/dev/stdout");
        assert.strictEqual(values.base.validationFailurePolicy, "Fail");
        const base = one(ev, CHART, "istio-base").inputs.values as {
            base: { validationFailurePolicy: string };
        };
        assert.strictEqual(base.base.validationFailurePolicy, "Fail");
    });

    it("sizes dev small with a NodePort gateway on fixed ports", async () => {
        const ev = await evaluateStack("dev");
        const gw = one(ev, CHART, "istio-gateway").inputs.values as GatewayValues;
        assert.strictEqual(gw.service.type, "NodePort");
        assert.deepStrictEqual(
            gw.service.ports.map((p) => [p.name, p.port, p.nodePort]),
            [
                ["status-port", 15021, undefined],
                ["http2", 80, 30080],
                ["https", 443, 30443],
            ],
        );
        assert.strictEqual(gw.autoscaling.enabled, false);
        assert.strictEqual(gw.replicaCount, 1);
        const istiod = one(ev, CHART, "istio-istiod").inputs.values as IstiodValues;
        assert.strictEqual(istiod.pilot.autoscaleEnabled, false);
        assert.strictEqual(istiod.pilot.replicaCount, 1);
        assert.strictEqual(istiod.pilot.traceSampling, 100);
    });

    it("makes prod highly available: autoscaling from 2, PDBs, topology spread, LoadBalancer", async () => {
        const ev = await evaluateStack("prod");
        const istiod = one(ev, CHART, "istio-istiod").inputs.values as IstiodValues;
        assert.deepStrictEqual(
            [istiod.pilot.autoscaleEnabled, istiod.pilot.autoscaleMin, istiod.pilot.autoscaleMax],
            [true, 2, 5],
        );
        assert.deepStrictEqual(
            istiod.pilot.topologySpreadConstraints.map((c) => c.topologyKey),
            ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        const gw = one(ev, CHART, "istio-gateway").inputs.values as GatewayValues;
        assert.strictEqual(gw.service.type, "LoadBalancer");
        assert.ok(gw.service.ports.every((p) => p.nodePort === undefined));
        assert.deepStrictEqual(gw.autoscaling, {
            enabled: true,
            minReplicas: 3,
            maxReplicas: 10,
            targetCPUUtilizationPercentage: 80,
        });
        assert.deepStrictEqual(gw.podDisruptionBudget, { minAvailable: 1 });
        assert.deepStrictEqual(gw.topologySpreadConstraints[0].labelSelector.matchLabels, {
            istio: "ingressgateway",
        });
    });

    it("gives the gateway chart only keys its values schema accepts", async () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const gw = one(await evaluateStack(stack), CHART, "istio-gateway").inputs.values as object;
            for (const key of Object.keys(gw)) {
                assert.ok(
                    GATEWAY_SCHEMA_KEYS.includes(key),
                    `${stack}: gateway value ${key} is not in the chart schema`,
                );
            }
        }
    });

    it("creates labelled application namespaces only after their revision's istiod", async () => {
        const ev = await evaluateStack("dev", [
            { key: "istio.canary.version", value: CANARY.version },
            { key: "istio.canary.revision", value: CANARY.revision },
            { key: "mesh.namespaces[0]", value: "shop" },
            { key: "mesh.namespaces[1]", value: "payments" },
            { key: "mesh.namespaceRevisions.payments", value: CANARY.revision },
        ]);
        const shop = one(ev, NAMESPACE, "istio-ns-shop");
        const payments = one(ev, NAMESPACE, "istio-ns-payments");
        assert.deepStrictEqual((shop.inputs.metadata as { labels: object }).labels, {
            "istio-injection": "enabled",
        });
        assert.deepStrictEqual((payments.inputs.metadata as { labels: object }).labels, {
            "istio.io/rev": CANARY.revision,
        });
        assert.deepStrictEqual(
            shop.dependsOn.map((u) => nameOf(ev, u)),
            ["istio-istiod"],
        );
        assert.deepStrictEqual(
            payments.dependsOn.map((u) => nameOf(ev, u)),
            [`istio-istiod-${CANARY.revision}`],
        );
        const canary = one(ev, CHART, `istio-istiod-${CANARY.revision}`);
        assert.strictEqual(canary.inputs.name, `istiod-${CANARY.revision}`);
        assert.strictEqual(canary.inputs.version, CANARY.version);
        assert.strictEqual((canary.inputs.values as IstiodValues).revision, CANARY.revision);
    });

    it("promotes a canary without touching its chart: same resource, release and values", async () => {
        const canary = await evaluateStack("dev", [
            { key: "istio.canary.version", value: CANARY.version },
            { key: "istio.canary.revision", value: CANARY.revision },
            { key: "mesh.namespaces[0]", value: "shop" },
            { key: "mesh.namespaceRevisions.shop", value: CANARY.revision },
        ]);
        const promoted = await evaluateStack("dev", [
            { key: "istio.version", value: CANARY.version },
            { key: "istio.revision", value: CANARY.revision },
            { key: "mesh.namespaces[0]", value: "shop" },
        ]);
        const chart = `istio-istiod-${CANARY.revision}`;
        assert.deepStrictEqual(one(promoted, CHART, chart).inputs, one(canary, CHART, chart).inputs);
        // The old default revision is what the promotion removes.
        assert.deepStrictEqual(
            istioCharts(promoted)
                .map((c) => c.name)
                .sort(),
            ["istio-base", "istio-gateway", `istio-istiod-${CANARY.revision}`],
        );
        const shop = (ev: Evaluation) =>
            (one(ev, NAMESPACE, "istio-ns-shop").inputs.metadata as { labels: object }).labels;
        assert.deepStrictEqual(shop(promoted), shop(canary));
    });

    it("installs the base chart (CRDs) at the newest control-plane version, as a canary upgrade needs", async () => {
        const baseVersion = async (canary: string): Promise<unknown> => {
            const ev = await evaluateStack("dev", [
                { key: "istio.canary.version", value: canary },
                { key: "istio.canary.revision", value: "canary" },
            ]);
            return one(ev, CHART, "istio-base").inputs.version;
        };
        const primary = String(one(await evaluateStack("dev"), CHART, "istio-istiod").inputs.version);
        // Versions around the pinned one, whatever it is: the next and the previous minor, a later
        // patch with one more digit (10 > 9 numerically, "10" < "9" as text) and a prerelease.
        const [major, minor, patch] = primary.split(".").map(Number);
        const nextMinor = `${major}.${minor + 1}.0`;
        assert.strictEqual(await baseVersion(nextMinor), nextMinor);
        const older = minor > 0 ? `${major}.${minor - 1}.9` : `${major - 1}.99.9`;
        assert.strictEqual(await baseVersion(older), primary);
        const laterPatch = `${major}.${minor}.${patch + 10}`;
        assert.strictEqual(await baseVersion(laterPatch), laterPatch);
        assert.strictEqual(await baseVersion(`${nextMinor}-beta.1`), `${nextMinor}-beta.1`);
        assert.ok(compareChartVersions("9.1.0-beta.1", "9.1.0") < 0, "a release is newer than its beta");
        assert.ok(compareChartVersions("9.1.0-beta.2", "9.1.0-beta.1") > 0);
    });

    it("labels the pre-existing default namespace in place instead of creating it", async () => {
        const ev = await evaluateStack("dev", [{ key: "mesh.namespaces[0]", value: "default" }]);
        const patch = one(ev, "kubernetes:core/v1:NamespacePatch", "istio-ns-default");
        assert.strictEqual((patch.inputs.metadata as { name: string }).name, "default");
        assert.strictEqual(byType(ev, NAMESPACE).filter((n) => n.name === "istio-ns-default").length, 0);
    });

    it("keeps the kind kubeconfig secret and hands it to the provider", async () => {
        const ev = await evaluateStack("dev");
        const kind = one(ev, "command:local:Command", "cluster-kind");
        assert.ok(String(kind.inputs.stdin).includes("containerPort: 30080"));
        assert.ok(String(kind.inputs.stdin).includes("hostPort: 8080"));
        assert.strictEqual(kind.inputs.logging, "stderr", "the kubeconfig on stdout must not be logged");
        // Every kind call names the cluster: KIND_CLUSTER_NAME would otherwise override the config.
        const name = /^name: (\S+)$/m.exec(String(kind.inputs.stdin))?.[1];
        const calls = `${String(kind.inputs.create)}\n${String(kind.inputs.delete)}`.match(
            /kind (create cluster|get kubeconfig|delete cluster)[^;\n]*/g,
        );
        assert.ok(name && calls && calls.length === 3, String(calls));
        for (const call of calls) {
            assert.ok(call.includes(`--name "${name}"`), call);
        }
        const provider = one(ev, PROVIDER, "cluster-provider");
        const kubeconfig = provider.inputs.kubeconfig as Record<string, unknown>;
        assert.ok(
            kubeconfig && typeof kubeconfig === "object" && "value" in kubeconfig,
            "kubeconfig must be secret",
        );
    });

    it("replaces a kind cluster by deleting the old one first", async () => {
        // Created first, the new command would adopt the still-running cluster of the same name
        // and the old command's delete would then remove it.
        const seen: Record<string, pulumi.ResourceOptions> = {};
        await evaluate(loadStackConfig("dev", [], true), () => {
            new Cluster(
                "cluster",
                {
                    config: {
                        kind: {
                            name: "mesh",
                            httpHostPort: 8080,
                            httpsHostPort: 8443,
                            adoptExisting: false,
                        },
                    },
                    gatewayNodePorts: { http: 30080, https: 30443 },
                },
                {
                    // Legacy transformations run in the SDK, so they observe child options offline.
                    transformations: [
                        (a) => {
                            seen[a.type] = a.opts;
                            return undefined;
                        },
                    ],
                },
            );
        });
        const opts = seen["command:local:Command"] as pulumi.CustomResourceOptions;
        assert.ok(opts, "the kind command is declared");
        assert.strictEqual(opts.deleteBeforeReplace, true);
        assert.deepStrictEqual(opts.additionalSecretOutputs, ["stdout"]);
    });

    it("targets an existing cluster through the configured kubeconfig and context", async () => {
        const ev = await evaluateStack("prod", [
            { key: "cluster.kubeconfig", value: "/etc/mesh/kubeconfig" },
            { key: "cluster.context", value: "prod-eu" },
        ]);
        assert.strictEqual(byType(ev, "command:local:Command").length, 0);
        const provider = one(ev, PROVIDER, "cluster-provider");
        assert.strictEqual(provider.inputs.kubeconfig, "/etc/mesh/kubeconfig");
        assert.strictEqual(provider.inputs.context, "prod-eu");
    });
});
