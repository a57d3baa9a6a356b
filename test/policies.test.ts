import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Policies } from "@pulumi/policy";
import { HTTPRoute, KubernetesGateway, ReferenceGrant } from "../components/crds";
import { policies } from "../policies/policies";
import { ENVIRONMENTS } from "../policies/lib/settings";
import { CapturedResource, Evaluation } from "../tools/lib/mockRuntime";
import {
    PolicyConfigError,
    PolicyConfigFile,
    Violation,
    resolvePolicyConfig,
    runPolicies,
} from "../tools/lib/policyRunner";
import { PROJECT_ROOT, parsePath } from "../tools/lib/stackFiles";
import { evaluateWithShop } from "./support/applications";
import { evaluateStack, pinned } from "./support/stacks";
import {
    CHART,
    DAEMONSET,
    DEPLOYMENT,
    DESTINATION_RULE as DR,
    ISTIO_GATEWAY,
    NAMESPACE,
    PEER_AUTHENTICATION as PA,
    SERVICE,
    SERVICE_ENTRY,
    VIRTUAL_SERVICE as VS,
} from "./support/types";
import { ranAllAndPassed } from "./support/ranAll";
import * as packL7 from "../policies/ambient";
import * as programL7 from "../components/applications/access";
import { bookinfoConfig, evaluateBookinfo } from "./support/ambient";

type Env = (typeof ENVIRONMENTS)[number];
type Edit = (inputs: Record<string, unknown>) => void;

function policy(name: string): Policies[number] {
    const p = policies.find((x) => x.name === name);
    assert.ok(p, `no policy ${name}`);
    return p;
}

/** Runs one policy over an evaluation, mandatory, in the given environment. */
async function violations(name: string, ev: Evaluation, env: Env = "prod"): Promise<Violation[]> {
    const p = policy(name);
    const file: PolicyConfigFile = { all: "mandatory" };
    if (p.configSchema?.properties.environment) {
        file[name] = { environment: env };
    }
    const run = await runPolicies(ev, [p], resolvePolicyConfig([p], "advisory", file));
    return run.violations;
}

/** The value at a config-style path (`spec.http[0].route`, `values["grafana.ini"]`). */
function get(v: unknown, at: string): unknown {
    return parsePath(at).reduce<unknown>((cur, seg) => (cur as Record<string | number, unknown>)?.[seg], v);
}

function parentOf(inputs: unknown, at: string): [Record<string | number, unknown>, string | number] {
    const segs = parsePath(at);
    const last = segs.pop() as string | number;
    const parent = segs.reduce<unknown>((cur, seg) => (cur as Record<string | number, unknown>)[seg], inputs);
    assert.ok(parent !== null && typeof parent === "object", `no ${at}`);
    return [parent as Record<string | number, unknown>, last];
}

function set(at: string, value: unknown): Edit {
    return (inputs) => {
        const [parent, key] = parentOf(inputs, at);
        parent[key] = structuredClone(value);
    };
}

function unset(at: string): Edit {
    return (inputs) => {
        const [parent, key] = parentOf(inputs, at);
        assert.ok(key in parent, `no ${at} to remove`);
        delete parent[key];
    };
}

function idOf(type: string, r: CapturedResource): string {
    if (type === CHART) {
        return String(r.inputs.name);
    }
    const ns = get(r.inputs, "metadata.namespace");
    const name = String(get(r.inputs, "metadata.name"));
    return typeof ns === "string" ? `${ns}/${name}` : name;
}

/**
 * The resource declaring an object, found by what it creates (Kubernetes "namespace/name", or a
 * chart's release name) rather than by Pulumi resource name, which the components may rename.
 */
function find(ev: Evaluation, type: string, id: string): CapturedResource {
    const ofType = ev.resources.filter((r) => r.type === type);
    const found = ofType.filter((r) => idOf(type, r) === id);
    assert.strictEqual(found.length, 1, `${type} ${id}: have ${ofType.map((r) => idOf(type, r)).join(", ")}`);
    return found[0];
}

/** A copy of the evaluation with one resource's inputs edited. */
function mutate(ev: Evaluation, type: string, id: string, ...edits: Edit[]): Evaluation {
    const copy = structuredClone(ev);
    const r = find(copy, type, id);
    edits.forEach((e) => e(r.inputs));
    return copy;
}

/** A copy of the evaluation with one more resource, registered like its model, then edited. */
function addCopy(ev: Evaluation, type: string, id: string, newName: string, ...edits: Edit[]): Evaluation {
    const copy = structuredClone(ev);
    const model = find(copy, type, id);
    const r: CapturedResource = {
        ...structuredClone(model),
        name: newName,
        urn: model.urn.replace(/::[^:]+$/, `::${newName}`),
    };
    edits.forEach((e) => e(r.inputs));
    copy.resources.push(r);
    return copy;
}

function without(ev: Evaluation, type: string, id: string): Evaluation {
    const copy = structuredClone(ev);
    const r = find(copy, type, id);
    copy.resources = copy.resources.filter((x) => x !== r);
    return copy;
}

/** The gateway Deployment as the gateway chart renders it in a real preview (pod-label injection). */
function withRenderedGateway(ev: Evaluation): Evaluation {
    return addCopy(
        ev,
        DEPLOYMENT,
        "bookinfo/details-v1",
        "istio-ingressgateway",
        set("metadata", { name: "istio-ingressgateway", namespace: "istio-ingress" }),
        set("spec.template.metadata", {
            labels: {
                app: "istio-ingressgateway",
                istio: "ingressgateway",
                "sidecar.istio.io/inject": "true",
            },
            annotations: { "inject.istio.io/templates": "gateway" },
        }),
        set("spec.template.spec.containers[0].image", "auto"),
    );
}

const failing = new Set<string>();
const passing = new Set<string>();

async function expectPass(name: string, ev: Evaluation, env: Env = "prod"): Promise<void> {
    assert.deepStrictEqual(await violations(name, ev, env), [], `${name} in ${env}`);
    passing.add(name);
}

async function expectFail(
    name: string,
    ev: Evaluation,
    texts: string[],
    env: Env = "prod",
): Promise<Violation[]> {
    const found = await violations(name, ev, env);
    assert.ok(found.length > 0, `${name} reported nothing in ${env}`);
    const all = found.map((v) => v.message).join("\n");
    for (const t of texts) {
        assert.ok(all.includes(t), `expected ${JSON.stringify(t)} in:\n${all}`);
    }
    assert.ok(found.every((v) => v.level === "mandatory" && v.policy === name));
    failing.add(name);
    return found;
}

describe("policy pack", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        dev = await evaluateStack("dev");
        prod = await evaluateStack("prod");
    });

    after(function () {
        // Under --grep or after a failure, only some cases ran: nothing to conclude.
        if (!this.test?.parent || !ranAllAndPassed(this.test.parent)) {
            return;
        }
        const names = policies.map((p) => p.name);
        assert.deepStrictEqual(
            names.filter((n) => !failing.has(n)),
            [],
            "policies without a failing case",
        );
        assert.deepStrictEqual(
            names.filter((n) => !passing.has(n)),
            [],
            "policies without a passing case",
        );
    });

    describe("mesh", () => {
        it("virtualservice-weights-sum-to-100", async () => {
            await expectPass("virtualservice-weights-sum-to-100", dev);
            const split = (weights: (number | undefined)[]) =>
                mutate(
                    dev,
                    VS,
                    "bookinfo/reviews",
                    set(
                        "spec.http[0].route",
                        weights.map((weight, n) => ({
                            destination: { host: "reviews", subset: `v${n + 1}` },
                            ...(weight === undefined ? {} : { weight }),
                        })),
                    ),
                );
            await expectPass("virtualservice-weights-sum-to-100", split([50, 50]));
            await expectFail("virtualservice-weights-sum-to-100", split([50, 40]), [
                "VirtualService bookinfo/reviews",
                "50 + 40 = 90",
            ]);
            await expectFail("virtualservice-weights-sum-to-100", split([80, undefined]), ["80 + unset"]);
            await expectFail("virtualservice-weights-sum-to-100", split([30]), [
                "single destination with weight 30",
            ]);
        });

        it("virtualservice-subsets-exist", async () => {
            await expectPass("virtualservice-subsets-exist", dev);
            const v4 = mutate(
                dev,
                VS,
                "bookinfo/reviews",
                set("spec.http[0].route[0].destination.subset", "v4"),
            );
            await expectFail("virtualservice-subsets-exist", v4, [
                'subset "v4" of reviews.bookinfo.svc.cluster.local',
                "it defines v1, v2, v3",
            ]);
            await expectFail("virtualservice-subsets-exist", without(dev, DR, "bookinfo/reviews"), [
                "there is none",
            ]);
        });

        it("virtualservice-gateways-exist", async () => {
            await expectPass("virtualservice-gateways-exist", dev);
            const elsewhere = mutate(
                dev,
                VS,
                "bookinfo/bookinfo",
                set("spec.gateways", ["istio-ingress/bookinfo-gateway"]),
            );
            await expectFail("virtualservice-gateways-exist", elsewhere, [
                'Gateway "istio-ingress/bookinfo-gateway"',
                "does not declare",
            ]);
            const qualified = mutate(
                dev,
                VS,
                "bookinfo/bookinfo",
                set("spec.gateways", ["bookinfo/bookinfo-gateway", "mesh"]),
            );
            await expectPass("virtualservice-gateways-exist", qualified);
        });

        it("virtualservice-one-per-host", async () => {
            await expectPass("virtualservice-one-per-host", dev);
            const twice = addCopy(
                dev,
                VS,
                "bookinfo/reviews",
                "reviews-canary",
                set("metadata.name", "reviews-canary"),
            );
            await expectFail("virtualservice-one-per-host", twice, [
                "VirtualService bookinfo/reviews-canary and VirtualService bookinfo/reviews",
                "reviews.bookinfo.svc.cluster.local",
            ]);
            const otherNamespace = addCopy(
                dev,
                VS,
                "bookinfo/reviews",
                "other-reviews",
                set("metadata.namespace", "other"),
            );
            await expectPass("virtualservice-one-per-host", otherNamespace);
        });

        it("namespace-injection-label", async () => {
            await expectPass("namespace-injection-label", dev);
            const unlabelled = mutate(dev, NAMESPACE, "bookinfo", unset("metadata.labels"));
            await expectFail("namespace-injection-label", unlabelled, [
                "Namespace bookinfo runs Deployment bookinfo/details-v1",
                "istio-injection=enabled",
            ]);
            const both = mutate(dev, NAMESPACE, "bookinfo", set('metadata.labels["istio.io/rev"]', "1-30-5"));
            await expectFail("namespace-injection-label", both, [
                "has both istio-injection=enabled and istio.io/rev",
            ]);
            const revision = mutate(
                dev,
                NAMESPACE,
                "bookinfo",
                set("metadata.labels", { "istio.io/rev": "1-30-5" }),
            );
            await expectPass("namespace-injection-label", revision);
            const jaegerInMesh = mutate(
                dev,
                DEPLOYMENT,
                "istio-system/jaeger",
                unset('spec.template.metadata.labels["sidecar.istio.io/inject"]'),
            );
            await expectFail("namespace-injection-label", jaegerInMesh, [
                "Namespace istio-system runs Deployment istio-system/jaeger but has no injection label",
            ]);
        });

        it("namespace-injection-label: gateway pods injected by their own label", async () => {
            await expectPass("namespace-injection-label", withRenderedGateway(dev));
        });

        it("namespace-injection-label: ambient namespaces need no injection, and not both", async () => {
            const ambient = mutate(
                dev,
                NAMESPACE,
                "bookinfo",
                set("metadata.labels", { "istio.io/dataplane-mode": "ambient" }),
            );
            await expectPass("namespace-injection-label", ambient);
            const other = mutate(
                dev,
                NAMESPACE,
                "bookinfo",
                set("metadata.labels", { "istio.io/dataplane-mode": "none" }),
            );
            await expectFail("namespace-injection-label", other, [
                "Namespace bookinfo runs Deployment bookinfo/details-v1",
            ]);
            const mixed = mutate(
                dev,
                NAMESPACE,
                "bookinfo",
                set('metadata.labels["istio.io/dataplane-mode"]', "ambient"),
            );
            await expectFail("namespace-injection-label", mixed, [
                "is labelled istio.io/dataplane-mode=ambient and also for sidecar injection",
                "istio-injection=enabled",
            ]);
        });

        it("ambient-l7-has-waypoint: L7 policies and Service-bound routes in ambient namespaces have a waypoint", async () => {
            // The sidecar stacks have no ambient namespace: nothing to check.
            await expectPass("ambient-l7-has-waypoint", dev);
            const zeroTrust = bookinfoConfig({ "bookinfo.access": "zero-trust" });
            const ambient = await evaluateBookinfo(zeroTrust, { dataPlane: "ambient" });
            await expectPass("ambient-l7-has-waypoint", ambient);
            // The same rendered objects without the waypoint Gateway: the L7 rules target nothing.
            const noWaypoint = await evaluateBookinfo(zeroTrust, { dataPlane: "ambient", waypoint: false });
            await expectFail("ambient-l7-has-waypoint", noWaypoint, [
                "AuthorizationPolicy bookinfo/details-viewer matches L7 attributes (methods) for Service details",
                "uses waypoint bookinfo/waypoint, but the stack declares no Gateway bookinfo/waypoint of class istio-waypoint",
            ]);
            // Sidecar-form policies (selector + methods) in an ambient namespace: ztunnel would enforce them.
            const sidecarForm = await evaluateBookinfo(zeroTrust, {
                dataPlane: "sidecar",
                namespaceDataPlane: "ambient",
            });
            await expectFail("ambient-l7-has-waypoint", sidecarForm, [
                "AuthorizationPolicy bookinfo/reviews-viewer in ambient namespace bookinfo matches L7 attributes (methods) but selects workloads",
            ]);
            // A Service that lost its enrolment label.
            const unenrolled = mutate(
                ambient,
                SERVICE,
                "bookinfo/ratings",
                unset('metadata.labels["istio.io/use-waypoint"]'),
            );
            await expectFail("ambient-l7-has-waypoint", unenrolled, [
                "Service bookinfo/ratings is not enrolled in a waypoint",
            ]);
            // The namespace's label enrols it just as well.
            const byNamespace = mutate(
                unenrolled,
                NAMESPACE,
                "bookinfo",
                set('metadata.labels["istio.io/use-waypoint"]', "waypoint"),
            );
            await expectPass("ambient-l7-has-waypoint", byNamespace);
            // An HTTPRoute bound to a Service that has no waypoint is ignored by ztunnel.
            const route: CapturedResource = {
                ...structuredClone(find(ambient, SERVICE, "bookinfo/ratings")),
                type: HTTPRoute.pulumiType,
                name: "ratings-route",
                urn: "urn:pulumi:dev::istio-mesh::kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::ratings-route",
                inputs: {
                    metadata: { name: "ratings", namespace: "bookinfo" },
                    spec: { parentRefs: [{ group: "", kind: "Service", name: "ratings", port: 9080 }] },
                },
            };
            await expectPass("ambient-l7-has-waypoint", {
                ...ambient,
                resources: [...ambient.resources, route],
            });
            await expectFail(
                "ambient-l7-has-waypoint",
                { ...unenrolled, resources: [...unenrolled.resources, route] },
                [
                    "HTTPRoute bookinfo/ratings is bound to Service ratings in ambient namespace bookinfo",
                    "the route is ignored",
                ],
            );
        });

        it("ambient-l7-has-waypoint knows the L7 attributes the program's classifier knows", () => {
            assert.deepStrictEqual(packL7.L7_OPERATION_FIELDS, [...programL7.L7_OPERATION_FIELDS]);
            assert.deepStrictEqual(packL7.L7_SOURCE_FIELDS, [...programL7.L7_SOURCE_FIELDS]);
            assert.deepStrictEqual(packL7.L4_CONDITION_KEYS, [...programL7.L4_CONDITION_KEYS]);
        });

        it("mesh-mtls-strict", async () => {
            await expectPass("mesh-mtls-strict", prod);
            const permissive = mutate(prod, PA, "istio-system/default", set("spec.mtls.mode", "PERMISSIVE"));
            await expectFail("mesh-mtls-strict", permissive, [
                "PeerAuthentication istio-system/default sets mTLS PERMISSIVE",
                "set mesh.mtls to STRICT",
            ]);
            await expectPass("mesh-mtls-strict", permissive, "dev");
            const unsetMode = mutate(prod, PA, "istio-system/default", unset("spec.mtls"));
            await expectFail("mesh-mtls-strict", unsetMode, [
                "is the mesh-wide policy but sets mtls.mode UNSET",
            ]);
            await expectFail("mesh-mtls-strict", without(prod, PA, "istio-system/default"), [
                "No mesh-wide PeerAuthentication in istio-system",
            ]);
            const portLevel = addCopy(
                prod,
                PA,
                "istio-system/default",
                "ratings-pa",
                set("metadata", { name: "ratings", namespace: "bookinfo" }),
                set("spec", {
                    selector: { matchLabels: { app: "ratings" } },
                    portLevelMtls: { "9080": { mode: "DISABLE" } },
                }),
            );
            await expectFail("mesh-mtls-strict", portLevel, [
                "PeerAuthentication bookinfo/ratings sets mTLS DISABLE",
            ]);
        });

        it("destinationrule-tls-enabled", async () => {
            await expectPass("destinationrule-tls-enabled", prod);
            const disabled = mutate(
                prod,
                DR,
                "bookinfo/reviews",
                set("spec.subsets[2].trafficPolicy", { tls: { mode: "DISABLE" } }),
            );
            await expectFail("destinationrule-tls-enabled", disabled, [
                "DestinationRule bookinfo/reviews sets tls.mode DISABLE",
                "ISTIO_MUTUAL",
            ]);
            await expectPass("destinationrule-tls-enabled", disabled, "dev");
        });
    });

    describe("multicluster", () => {
        it("multicluster-mesh-consistent: mTLS STRICT on every cluster (details in test/policies/multicluster.test.ts)", async () => {
            await expectPass("multicluster-mesh-consistent", await evaluateStack("dev-east"));
            const permissive = await evaluateStack("dev-east", [{ key: "mesh.mtls", value: "PERMISSIVE" }]);
            await expectFail("multicluster-mesh-consistent", permissive, [
                "this stack (cluster east) runs mesh-wide mTLS PERMISSIVE",
            ]);
        });
    });

    describe("addons", () => {
        const KIALI = "kiali";
        const GRAFANA = "grafana";

        it("kiali-not-anonymous", async () => {
            await expectPass("kiali-not-anonymous", prod);
            const anonymous = mutate(prod, CHART, KIALI, set("values.auth.strategy", "anonymous"));
            await expectFail(
                "kiali-not-anonymous",
                anonymous,
                ['kiali-server) values set auth.strategy "anonymous"'],
                "staging",
            );
            await expectPass("kiali-not-anonymous", anonymous, "dev");
        });

        it("kiali-signing-key-from-secret", async () => {
            await expectPass("kiali-signing-key-from-secret", prod);
            const literal = mutate(
                prod,
                CHART,
                KIALI,
                set("values.login_token.signing_key", "CHANGEME00000000"),
            );
            await expectFail("kiali-signing-key-from-secret", literal, [
                "login_token.signing_key as a literal",
            ]);
            const generated = mutate(prod, CHART, KIALI, unset("values.login_token"));
            await expectFail("kiali-signing-key-from-secret", generated, ["new random key"], "dev");
        });

        it("grafana-admin-password-from-secret", async () => {
            await expectPass("grafana-admin-password-from-secret", prod);
            const literal = mutate(
                prod,
                CHART,
                GRAFANA,
                set("values.adminPassword", "admin"),
                unset("values.admin.existingSecret"),
            );
            await expectFail("grafana-admin-password-from-secret", literal, [
                "set adminPassword to a literal password",
                "do not set admin.existingSecret",
            ]);
            const viaEnv = mutate(
                prod,
                CHART,
                GRAFANA,
                set("values.env", { GF_SECURITY_ADMIN_PASSWORD: "admin" }),
            );
            await expectFail("grafana-admin-password-from-secret", viaEnv, [
                "env.GF_SECURITY_ADMIN_PASSWORD",
            ]);
        });

        it("grafana-anonymous-admin-off", async () => {
            await expectPass("grafana-anonymous-admin-off", prod);
            const anonymous = (role: string) =>
                mutate(
                    prod,
                    CHART,
                    GRAFANA,
                    set('values["grafana.ini"]["auth.anonymous"]', { enabled: true, org_role: role }),
                );
            await expectFail("grafana-anonymous-admin-off", anonymous("Admin"), [
                "anonymous access with org_role Admin",
            ]);
            await expectPass("grafana-anonymous-admin-off", anonymous("Admin"), "dev");
            await expectPass("grafana-anonymous-admin-off", anonymous("Viewer"));
        });
    });

    describe("supply chain", () => {
        it("helm-chart-version-pinned", async () => {
            await expectPass("helm-chart-version-pinned", prod);
            await expectFail("helm-chart-version-pinned", mutate(prod, CHART, "istiod", unset("version")), [
                "Helm chart istiod (istiod) has no version",
            ]);
            await expectFail(
                "helm-chart-version-pinned",
                mutate(
                    prod,
                    CHART,
                    "kiali",
                    set("version", `^${pinned("observability.kiali.chartVersion")}`),
                ),
                [`version "^${pinned("observability.kiali.chartVersion")}"`],
            );
        });

        it("image-tag-pinned", async () => {
            await expectPass("image-tag-pinned", prod);
            const image = (value: string) =>
                mutate(
                    prod,
                    DEPLOYMENT,
                    "bookinfo/details-v1",
                    set("spec.template.spec.containers[0].image", value),
                );
            const repo = "registry.istio.io/release/examples-bookinfo-details-v1";
            await expectFail("image-tag-pinned", image(repo), ["container details", "without a tag"]);
            await expectFail("image-tag-pinned", image(`${repo}:latest`), [`uses image "${repo}:latest"`]);
            await expectPass("image-tag-pinned", image(`${repo}@sha256:${"a".repeat(64)}`));
            const chartLatest = mutate(prod, CHART, "grafana", set("values.image", { tag: "latest" }));
            await expectFail("image-tag-pinned", chartLatest, ["sets image.tag to latest"]);
        });
    });

    describe("workloads", () => {
        it("container-resources-set", async () => {
            await expectPass("container-resources-set", prod);
            const unbounded = mutate(
                prod,
                DEPLOYMENT,
                "bookinfo/productpage-v1",
                unset("spec.template.spec.containers[0].resources.limits"),
                unset("spec.template.spec.containers[0].resources.requests.cpu"),
            );
            await expectFail("container-resources-set", unbounded, [
                "Deployment bookinfo/productpage-v1 container productpage has no resources.requests.cpu, resources.limits.memory",
            ]);
        });

        it("chart-container-resources-set", async () => {
            await expectPass("chart-container-resources-set", prod);
            const unsized = mutate(
                mutate(prod, CHART, "prometheus", unset("values.configmapReload")),
                CHART,
                "grafana",
                unset("values.sidecar.resources"),
            );
            await expectFail("chart-container-resources-set", unsized, [
                "Helm chart prometheus (prometheus) container prometheus-server-configmap-reload is not sized: " +
                    "configmapReload.prometheus.resources lacks requests.cpu, requests.memory, limits.memory",
                "container grafana-sc-dashboard (sidecar) is not sized: sidecar.resources lacks",
            ]);
            const noLimit = mutate(prod, CHART, "istiod", unset("values.pilot.resources.limits"));
            await expectFail("chart-container-resources-set", noLimit, [
                "Helm chart istiod (istiod) container discovery is not sized: pilot.resources lacks limits.memory",
            ]);
        });

        it("no-privileged-containers", async () => {
            await expectPass("no-privileged-containers", prod);
            const privileged = mutate(
                prod,
                DEPLOYMENT,
                "bookinfo/ratings-v1",
                set("spec.template.spec.containers[0].securityContext", {
                    privileged: true,
                    allowPrivilegeEscalation: true,
                }),
            );
            await expectFail("no-privileged-containers", privileged, [
                "Deployment bookinfo/ratings-v1 container ratings sets privileged: true, allowPrivilegeEscalation: true",
            ]);
            const sysAdmin = mutate(
                prod,
                DEPLOYMENT,
                "istio-system/jaeger",
                set("spec.template.spec.containers[0].securityContext", {
                    capabilities: { add: ["SYS_ADMIN"] },
                }),
            );
            await expectFail("no-privileged-containers", sysAdmin, ["capabilities.add SYS_ADMIN"]);
        });

        it("chart-container-resources-set: the ambient node agents", async () => {
            const ambient = await evaluateStack("prod", [
                { key: "mesh.dataPlane", value: "ambient" },
                { key: "bookinfo.enabled", value: "false" },
            ]);
            await expectPass("chart-container-resources-set", ambient);
            const unlimited = mutate(ambient, CHART, "ztunnel", unset("values.resources.limits"));
            await expectFail("chart-container-resources-set", unlimited, [
                "Helm chart ztunnel (ztunnel) container istio-proxy is not sized: resources lacks limits.memory",
            ]);
        });

        it("no-privileged-containers: the ambient node agents are exempt, by DaemonSet name only", async () => {
            // ztunnel as its 1.30 chart renders it in a real preview (templates/daemonset.yaml).
            const agent = (name: string, type: string) => {
                const ev = addCopy(
                    prod,
                    DEPLOYMENT,
                    "istio-system/jaeger",
                    name,
                    set("metadata", { name, namespace: "istio-system" }),
                    set("spec.template.spec.containers[0].securityContext", {
                        allowPrivilegeEscalation: true,
                        capabilities: { add: ["NET_ADMIN", "SYS_ADMIN", "NET_RAW"] },
                    }),
                );
                ev.resources[ev.resources.length - 1].type = type;
                return ev;
            };
            await expectPass("no-privileged-containers", agent("ztunnel", DAEMONSET));
            await expectPass("no-privileged-containers", agent("istio-cni-node", DAEMONSET));
            await expectFail("no-privileged-containers", agent("ztunnel", DEPLOYMENT), [
                "Deployment istio-system/ztunnel",
                "capabilities.add SYS_ADMIN",
            ]);
            await expectFail("no-privileged-containers", agent("node-agent", DAEMONSET), [
                "DaemonSet istio-system/node-agent",
                "allowPrivilegeEscalation: true",
            ]);
        });

        it("loadbalancer-only-for-gateways", async () => {
            await expectPass("loadbalancer-only-for-gateways", prod);
            const exposed = mutate(prod, SERVICE, "bookinfo/productpage", set("spec.type", "LoadBalancer"));
            await expectFail("loadbalancer-only-for-gateways", exposed, [
                "Service bookinfo/productpage is a LoadBalancer but does not select gateway pods",
                '{"istio":"ingressgateway"}',
            ]);
            const grafana = mutate(prod, CHART, "grafana", set("values.service.type", "LoadBalancer"));
            await expectFail("loadbalancer-only-for-gateways", grafana, [
                "grafana) sets service.type: LoadBalancer",
            ]);
            const gatewayService = mutate(
                prod,
                SERVICE,
                "bookinfo/productpage",
                set("spec.type", "LoadBalancer"),
                set("spec.selector", { app: "istio-ingressgateway", istio: "ingressgateway" }),
            );
            await expectPass("loadbalancer-only-for-gateways", gatewayService);
        });

        it("loadbalancer-only-for-gateways: a chart-rendered gateway Service in a real preview", async () => {
            // No Gateway resource and no chart inputs: the rendered gateway Deployment identifies the pods.
            let rendered = without(withRenderedGateway(prod), ISTIO_GATEWAY, "bookinfo/bookinfo-gateway");
            rendered = mutate(
                rendered,
                CHART,
                "istio-ingressgateway",
                set("values", {}),
                unset("name"),
                unset("chart"),
            );
            const service = addCopy(
                rendered,
                SERVICE,
                "bookinfo/productpage",
                "gateway-service",
                set("metadata", { name: "istio-ingressgateway", namespace: "istio-ingress" }),
                set("spec.type", "LoadBalancer"),
                set("spec.selector", { app: "istio-ingressgateway", istio: "ingressgateway" }),
            );
            await expectPass("loadbalancer-only-for-gateways", service);
            const other = mutate(
                service,
                SERVICE,
                "istio-ingress/istio-ingressgateway",
                set("spec.selector", { app: "other" }),
            );
            await expectFail("loadbalancer-only-for-gateways", other, [
                "Service istio-ingress/istio-ingressgateway is a LoadBalancer",
            ]);
        });

        it("control-plane-pdb", async () => {
            await expectPass("control-plane-pdb", prod);
            const single = mutate(
                prod,
                CHART,
                "istio-ingressgateway",
                set("values.autoscaling.minReplicas", 1),
            );
            await expectFail("control-plane-pdb", single, [
                "Helm chart istio-ingressgateway (gateway) guarantees only 1 replica(s)",
            ]);
            const noPdb = mutate(
                prod,
                CHART,
                "istiod",
                set("values.global.defaultPodDisruptionBudget", { enabled: false }),
            );
            await expectFail("control-plane-pdb", noPdb, [
                "Helm chart istiod (istiod) has no PodDisruptionBudget",
            ]);
            // dev runs single replicas on purpose; the same objects fail the prod rule.
            await expectPass("control-plane-pdb", dev, "dev");
            await expectFail("control-plane-pdb", dev, ["guarantees only 1 replica(s)"], "prod");
        });

        it("no-bare-pods", async () => {
            await expectPass("no-bare-pods", prod);
            const template = get(find(prod, DEPLOYMENT, "bookinfo/details-v1").inputs, "spec.template");
            const bare = addCopy(
                prod,
                DEPLOYMENT,
                "bookinfo/details-v1",
                "debug",
                set("apiVersion", "v1"),
                set("kind", "Pod"),
                set("metadata", { name: "debug", namespace: "bookinfo" }),
                set("spec", get(template, "spec")),
            );
            bare.resources[bare.resources.length - 1].type = "kubernetes:core/v1:Pod";
            await expectFail("no-bare-pods", bare, ["Pod bookinfo/debug is a bare Pod"]);
        });
    });

    describe("protection", () => {
        /** A copy with one resource's `protect` option turned off. */
        const unprotect = (ev: Evaluation, type: string, id: string): Evaluation => {
            const copy = structuredClone(ev);
            find(copy, type, id).protect = false;
            return copy;
        };

        it("prod-data-protected", async () => {
            await expectPass("prod-data-protected", prod);
            await expectFail("prod-data-protected", unprotect(prod, NAMESPACE, "istio-system"), [
                "Namespace istio-system is not protected",
                "cluster.protect",
            ]);
            await expectFail("prod-data-protected", unprotect(prod, CHART, "istio-base"), [
                "Helm chart istio-base (base) is not protected",
                "Istio's CRDs",
            ]);
            await expectFail(
                "prod-data-protected",
                unprotect(prod, "kubernetes:core/v1:PersistentVolumeClaim", "istio-system/jaeger-data"),
                ["PersistentVolumeClaim istio-system/jaeger-data is not protected"],
            );
            // A chart-rendered CRD, as a real preview shows it, must be protected as well.
            const crd = addCopy(
                prod,
                NAMESPACE,
                "istio-system",
                "virtualservices",
                set("metadata", { name: "virtualservices.networking.istio.io" }),
            );
            const added = crd.resources[crd.resources.length - 1];
            added.type = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
            added.protect = false;
            await expectFail("prod-data-protected", crd, [
                "CustomResourceDefinition virtualservices.networking.istio.io is not protected",
            ]);
            // dev protects nothing, and is not asked to.
            await expectPass("prod-data-protected", dev, "dev");
        });
    });

    describe("applications", () => {
        let shop: Evaluation;
        before(async () => {
            shop = await evaluateWithShop();
        });

        it("applies the routing policies to applications' objects too: weights add to 100, subsets exist", async () => {
            await expectPass("virtualservice-weights-sum-to-100", shop);
            await expectFail(
                "virtualservice-weights-sum-to-100",
                mutate(shop, VS, "shop/cart", set("spec.http[1].route[0].weight", 80)),
                ["VirtualService shop/cart", "80 + 10 = 90"],
            );
            await expectPass("virtualservice-subsets-exist", shop);
            await expectFail(
                "virtualservice-subsets-exist",
                mutate(shop, VS, "shop/cart", set("spec.http[0].route[0].destination.subset", "v3")),
                ['subset "v3" of cart.shop.svc.cluster.local', "it defines v1, v2"],
            );
        });

        it("virtualservice-retries-within-timeout", async () => {
            await expectPass("virtualservice-retries-within-timeout", shop);
            const retries = get(find(shop, VS, "shop/cart").inputs, "spec.http[1].retries");
            assert.deepStrictEqual(retries, { attempts: 3, perTryTimeout: "500ms", retryOn: "5xx,reset" });
            await expectFail(
                "virtualservice-retries-within-timeout",
                mutate(shop, VS, "shop/cart", set("spec.http[1].retries.perTryTimeout", "2s")),
                ["VirtualService shop/cart http[1]", "perTryTimeout 2s, not below its timeout 2s"],
            );
            await expectFail(
                "virtualservice-retries-within-timeout",
                mutate(shop, VS, "shop/cart", unset("spec.http[1].retries.perTryTimeout")),
                ["no perTryTimeout"],
            );
            // Retries switched off need no per-try timeout.
            await expectPass(
                "virtualservice-retries-within-timeout",
                mutate(shop, VS, "shop/cart", set("spec.http[1].retries", { attempts: 0 })),
            );
        });

        it("serviceentry-no-wildcard-egress", async () => {
            await expectPass("serviceentry-no-wildcard-egress", shop);
            for (const host of ["*", "*.com"]) {
                await expectFail(
                    "serviceentry-no-wildcard-egress",
                    mutate(
                        shop,
                        SERVICE_ENTRY,
                        "shop/api-stripe-com",
                        set("spec.hosts", ["api.stripe.com", host]),
                    ),
                    ["ServiceEntry shop/api-stripe-com", `opens egress to "${host}"`],
                );
            }
            await expectPass(
                "serviceentry-no-wildcard-egress",
                mutate(shop, SERVICE_ENTRY, "shop/api-stripe-com", set("spec.hosts", ["*.stripe.com"])),
            );
        });
    });

    describe("Gateway API ingress (gateway.api: gateway-api)", () => {
        // Bookinfo on "*" with HTTPS on bookinfo.localtest.me (dev), the Secret in istio-ingress.
        let gw: Evaluation;
        before(async () => {
            gw = await evaluateStack("dev", [{ key: "gateway.api", value: "gateway-api" }]);
        });
        const GATEWAY = KubernetesGateway.pulumiType;
        const HTTPS_LISTENER = "spec.listeners[1]";

        it("gateway-https-certificate", async () => {
            await expectPass("gateway-https-certificate", gw);
            assert.strictEqual(
                get(find(gw, GATEWAY, "bookinfo/bookinfo-gateway").inputs, `${HTTPS_LISTENER}.protocol`),
                "HTTPS",
            );
            await expectFail(
                "gateway-https-certificate",
                mutate(
                    gw,
                    GATEWAY,
                    "bookinfo/bookinfo-gateway",
                    unset(`${HTTPS_LISTENER}.tls.certificateRefs`),
                ),
                [
                    'Gateway bookinfo/bookinfo-gateway listener "https-bookinfo.localtest.me"',
                    "without tls.certificateRefs",
                ],
            );
            await expectFail(
                "gateway-https-certificate",
                without(gw, ReferenceGrant.pulumiType, "istio-ingress/bookinfo-bookinfo-gateway-tls"),
                ["Secret istio-ingress/istio-mesh-ingress-tls", "no ReferenceGrant in istio-ingress"],
            );
            // A grant for another namespace does not count.
            await expectFail(
                "gateway-https-certificate",
                mutate(
                    gw,
                    ReferenceGrant.pulumiType,
                    "istio-ingress/bookinfo-bookinfo-gateway-tls",
                    set("spec.from[0].namespace", "shop"),
                ),
                ["no ReferenceGrant in istio-ingress allows Gateways of bookinfo"],
            );
        });

        it("httproute-parent-gateway-exists", async () => {
            await expectPass("httproute-parent-gateway-exists", gw);
            await expectFail(
                "httproute-parent-gateway-exists",
                mutate(
                    gw,
                    HTTPRoute.pulumiType,
                    "bookinfo/bookinfo",
                    set("spec.parentRefs[0].name", "bookinfo"),
                ),
                ["HTTPRoute bookinfo/bookinfo attaches to Gateway bookinfo/bookinfo", "does not declare"],
            );
            await expectFail(
                "httproute-parent-gateway-exists",
                mutate(
                    gw,
                    HTTPRoute.pulumiType,
                    "bookinfo/bookinfo",
                    set("spec.parentRefs[1].sectionName", "https"),
                ),
                [
                    'listener "https" of Gateway bookinfo/bookinfo-gateway',
                    "has only http, https-bookinfo.localtest.me",
                ],
            );
            // A mesh route (GAMMA) attaches to a Service: not this policy's concern.
            await expectPass(
                "httproute-parent-gateway-exists",
                mutate(
                    gw,
                    HTTPRoute.pulumiType,
                    "bookinfo/bookinfo",
                    set("spec.parentRefs", [{ group: "", kind: "Service", name: "productpage", port: 9080 }]),
                ),
            );
        });

        it("gateway-hostname-claimed-once", async () => {
            await expectPass("gateway-hostname-claimed-once", gw);
            const other = (...edits: Edit[]) =>
                addCopy(
                    gw,
                    GATEWAY,
                    "bookinfo/bookinfo-gateway",
                    "other-gateway",
                    set("metadata.namespace", "other"),
                    ...edits,
                );
            await expectFail("gateway-hostname-claimed-once", other(), [
                "Gateway other/bookinfo-gateway and Gateway bookinfo/bookinfo-gateway both claim host bookinfo.localtest.me on port 443",
            ]);
            // Plain HTTP on any host is shared by path, as Istio Gateways on "*" were.
            await expectPass(
                "gateway-hostname-claimed-once",
                other(
                    set("spec.listeners", [
                        get(find(gw, GATEWAY, "bookinfo/bookinfo-gateway").inputs, "spec.listeners[0]"),
                    ]),
                ),
            );
            // Another gateway Service is another address.
            await expectPass(
                "gateway-hostname-claimed-once",
                other(set("spec.addresses[0].value", "other-gateway.other.svc.cluster.local")),
            );
        });
    });
});

describe("policy config", () => {
    const read = (env: string): PolicyConfigFile =>
        JSON.parse(
            fs.readFileSync(path.join(PROJECT_ROOT, "policies", `${env}.json`), "utf8"),
        ) as PolicyConfigFile;
    const environmental = policies.filter((p) => p.configSchema?.properties.environment).map((p) => p.name);

    it("makes dev advisory and prod mandatory, each file naming its environment", () => {
        const expected: Record<Env, string> = { dev: "advisory", staging: "mandatory", prod: "mandatory" };
        for (const env of ENVIRONMENTS) {
            const resolved = resolvePolicyConfig(policies, "advisory", read(env), `${env}.json`);
            for (const p of policies) {
                assert.strictEqual(resolved.get(p.name)?.level, expected[env], `${p.name} in ${env}`);
            }
            for (const name of environmental) {
                assert.strictEqual(resolved.get(name)?.config.environment, env, `${name} in ${env}.json`);
            }
        }
        assert.ok(environmental.length >= 5);
    });

    it("lets a policy's own entry override 'all', and 'all' override the pack level", () => {
        const resolved = resolvePolicyConfig(policies, "advisory", {
            all: "mandatory",
            "no-bare-pods": "disabled",
            "mesh-mtls-strict": { enforcementLevel: "advisory", environment: "dev" },
        });
        assert.strictEqual(resolved.get("no-bare-pods")?.level, "disabled");
        assert.deepStrictEqual(resolved.get("mesh-mtls-strict"), {
            level: "advisory",
            config: { environment: "dev", rootNamespace: "istio-system" },
        });
        assert.strictEqual(resolved.get("image-tag-pinned")?.level, "mandatory");
        assert.strictEqual(
            resolvePolicyConfig(policies, "advisory", {}).get("image-tag-pinned")?.level,
            "advisory",
        );
    });

    it("rejects unknown policies, unknown settings and values outside a setting's schema", () => {
        assert.throws(
            () =>
                resolvePolicyConfig(policies, "advisory", {
                    all: "strict",
                    "no-such-policy": "mandatory",
                    "mesh-mtls-strict": { environment: "production" },
                    "no-bare-pods": { environment: "prod" },
                }),
            (e: Error) =>
                e instanceof PolicyConfigError &&
                [
                    'all: "strict" is not one of',
                    "no-such-policy: no such policy",
                    'mesh-mtls-strict.environment: "production" is not one of "dev", "staging", "prod"',
                    "no-bare-pods.environment: unknown setting; the policy takes none",
                ].every((t) => e.message.includes(t)),
        );
    });

    it("gives every policy a unique name, a description and a row in docs/policies.md; the library starts no pack", () => {
        const names = policies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.ok(p.description.length > 20, p.name);
        }
        const docs = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "policies.md"), "utf8");
        const documented = [...docs.matchAll(/^\| `([a-z0-9-]+)` +\| (resource|stack) /gm)].map((m) => [
            m[1],
            m[2],
        ]);
        const kinds = policies.map((p) => [p.name, "validateStack" in p ? "stack" : "resource"]);
        assert.deepStrictEqual(documented, kinds, "docs/policies.md policy table");
        const lib = fs.readFileSync(path.join(PROJECT_ROOT, "policies", "policies.ts"), "utf8");
        assert.ok(!lib.includes("new PolicyPack"));
    });
});
