import * as assert from "assert";
import {
    AuthorizationRule,
    PolicyDefinition,
    accessPolicies,
    l7Attributes,
    policyLayer,
    ruleLayer,
    waypointServiceAccount,
} from "../../../components/applications/access";
import type { ServiceSpec } from "../../../components/applications/model";
import type { AuthorizationPolicySpec } from "../../../components/crds";
import { WAYPOINT } from "../../../components/shared/names";
import { Evaluation } from "../../../tools/lib/mockRuntime";
import { BOOKINFO_NS, INGRESS, bookinfoConfig, evaluateBookinfo } from "../../support/ambient";
import { MeshView, allowedCalls } from "../../support/authz";
import { byType } from "../../support/stacks";
import { AUTHORIZATION_POLICY as AUTHZ, SERVICE } from "../../support/types";

const NS = BOOKINFO_NS;
const GATEWAY = INGRESS;

interface Meta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
}

/** The rendered AuthorizationPolicies and what the rendered Services say about enrolment. */
function view(
    ev: Evaluation,
    dataPlane: "sidecar" | "ambient",
): { policies: AuthorizationPolicySpec[]; mesh: MeshView } {
    const policies = byType(ev, AUTHZ).map((r) => r.inputs.spec as AuthorizationPolicySpec);
    const services = byType(ev, SERVICE).map((r) => ({
        meta: r.inputs.metadata as Meta,
        ports: (r.inputs.spec as { ports: { port: number; targetPort: number }[] }).ports,
    }));
    const enrolled = new Set(
        services.filter((s) => s.meta.labels?.[WAYPOINT.useLabel] === WAYPOINT.name).map((s) => s.meta.name),
    );
    return {
        policies,
        mesh: {
            namespace: NS,
            dataPlane,
            enrolled,
            waypoint: waypointServiceAccount(NS),
            ingressGateways: new Set([`${GATEWAY.namespace}/${GATEWAY.serviceAccount}`]),
            services: services.map((s) => ({
                service: s.meta.name,
                port: s.ports[0].port,
                targetPort: s.ports[0].targetPort,
            })),
        },
    };
}

function callersOf(ev: Evaluation): string[] {
    const accounts = byType(ev, "kubernetes:core/v1:ServiceAccount").map(
        (r) => `${NS}/${(r.inputs.metadata as Meta).name}`,
    );
    // The gateway, every workload identity, and a stranger from another namespace.
    return [`${GATEWAY.namespace}/${GATEWAY.serviceAccount}`, ...accounts, "other/curl"];
}

describe("access policies: L4 or L7", () => {
    const rule = (r: AuthorizationRule) => r;

    it("classifies a rule by the attributes ztunnel can enforce", () => {
        assert.strictEqual(ruleLayer(rule({ from: [{ source: { serviceAccounts: ["a/b"] } }] })), "L4");
        assert.strictEqual(
            ruleLayer(
                rule({ from: [{ source: { namespaces: ["a"] } }], to: [{ operation: { ports: ["80"] } }] }),
            ),
            "L4",
        );
        assert.strictEqual(ruleLayer(rule({ when: [{ key: "source.ip", values: ["10.0.0.1"] }] })), "L4");
        assert.strictEqual(ruleLayer(rule({ to: [{ operation: { methods: ["GET"] } }] })), "L7");
        assert.strictEqual(ruleLayer(rule({ to: [{ operation: { notPaths: ["/admin"] } }] })), "L7");
        assert.strictEqual(ruleLayer(rule({ from: [{ source: { requestPrincipals: ["*"] } }] })), "L7");
        assert.strictEqual(ruleLayer(rule({ from: [{ source: { remoteIpBlocks: ["1.2.3.4"] } }] })), "L7");
        assert.deepStrictEqual(
            l7Attributes(
                rule({
                    to: [{ operation: { methods: ["GET"], ports: ["80"] } }],
                    when: [{ key: "request.headers[x-user]", values: ["a"] }],
                }),
            ),
            ["methods", "request.headers[x-user]"],
        );
        // An empty list is no condition at all.
        assert.strictEqual(ruleLayer(rule({ to: [{ operation: { methods: [] } }] })), "L4");
    });

    it("a policy is L7 when one rule is, or when its action needs a waypoint", () => {
        assert.strictEqual(policyLayer({}), "L4");
        assert.strictEqual(
            policyLayer({
                rules: [
                    { from: [{ source: { namespaces: ["a"] } }] },
                    { to: [{ operation: { paths: ["/"] } }] },
                ],
            }),
            "L7",
        );
        assert.strictEqual(policyLayer({ action: "CUSTOM", provider: { name: "ext" }, rules: [{}] }), "L7");
        assert.strictEqual(policyLayer({ action: "DENY", rules: [{}] }), "L4");
    });
});

describe("access policies in ambient", () => {
    const version = (sa: string, calls: string[]) => ({
        name: "v1",
        image: "x:1",
        serviceAccount: sa,
        env: {},
        calls,
    });
    const service = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
        name,
        port: 80,
        targetPort: 8080,
        protocol: "http",
        portName: "http",
        versions: [version(name, [])],
        replicas: 1,
        resources: { requests: { cpu: "10m", memory: "16Mi" } },
        scratch: [],
        ...extra,
    });
    const services = [
        service("web", { versions: [version("web", ["api", "db"])] }),
        service("api", { callers: { methods: ["GET"] } }),
        service("db", { protocol: "tcp", portName: "tcp", port: 5432, targetPort: 5432 }),
    ];
    const ctx = {
        mode: "zero-trust" as const,
        namespace: "team",
        services,
        ingress: { service: "web" },
        denies: [{ name: "api-deny-db", service: "api", serviceAccounts: ["db"] }],
        gateway: { namespace: "gw", serviceAccount: "ingress" },
    };
    const byName = (ps: PolicyDefinition[]) => Object.fromEntries(ps.map((p) => [p.name, p.spec]));

    it("moves an L7 rule to the waypoint, admits the waypoint at the workload, and keeps L4 rules on the workloads", () => {
        const ambient = byName(accessPolicies({ ...ctx, dataPlane: "ambient", waypointServices: ["api"] }));
        assert.deepStrictEqual(Object.keys(ambient), [
            "allow-nothing",
            "web-ingress",
            "api-callers",
            "api-via-waypoint",
            "db-callers",
            "api-deny-db-waypoint",
            "api-deny-db",
        ]);
        assert.deepStrictEqual(ambient["api-callers"], {
            targetRefs: [{ kind: "Service", group: "", name: "api" }],
            action: "ALLOW",
            rules: [
                {
                    from: [{ source: { serviceAccounts: ["team/web"] } }],
                    to: [{ operation: { methods: ["GET"] } }],
                },
            ],
        });
        assert.deepStrictEqual(ambient["api-via-waypoint"], {
            selector: { matchLabels: { app: "api" } },
            action: "ALLOW",
            rules: [
                {
                    from: [{ source: { serviceAccounts: ["team/waypoint"] } }],
                    to: [{ operation: { ports: ["8080"] } }],
                },
            ],
        });
        // The L4 ones are as in sidecar mode, selector and all.
        const sidecar = byName(accessPolicies(ctx));
        assert.deepStrictEqual(ambient["db-callers"], sidecar["db-callers"]);
        assert.deepStrictEqual(ambient["web-ingress"], sidecar["web-ingress"]);
        assert.deepStrictEqual(ambient["allow-nothing"], {});
    });

    it("checks a DENY at the waypoint and, for direct calls to the pods, at the workload too", () => {
        const ambient = accessPolicies({
            ...ctx,
            mode: "open",
            dataPlane: "ambient",
            waypointServices: ["api"],
        });
        assert.deepStrictEqual(
            ambient.map((p) => [p.name, p.spec.targetRefs !== undefined ? "waypoint" : "workload"]),
            [
                ["api-deny-db-waypoint", "waypoint"],
                ["api-deny-db", "workload"],
            ],
        );
    });

    it("refuses to leave an L7 rule to ztunnel, which would deny every call", () => {
        assert.throws(
            () => accessPolicies({ ...ctx, dataPlane: "ambient", waypointServices: [] }),
            /team: AuthorizationPolicy api-callers matches L7 attributes, which only a waypoint enforces, but api is not enrolled in one/,
        );
    });
});

describe("zero-trust gives the same allowed calls in both data planes (rendered Bookinfo)", function () {
    this.timeout(120_000);
    const variants: Record<string, Record<string, string>> = {
        "all-v1": {},
        "reviews split, ratings from MongoDB, the lab DENY": {
            "bookinfo.routing[0]": "reviews-v2-v3",
            "bookinfo.routing[1]": "ratings-db",
            "bookinfo.denyRatingsFromReviewsV3": "true",
        },
    };
    for (const [label, overrides] of Object.entries(variants)) {
        it(label, async () => {
            const config = bookinfoConfig({ "bookinfo.access": "zero-trust", ...overrides });
            const sidecarEv = await evaluateBookinfo(config, { dataPlane: "sidecar" });
            const ambientEv = await evaluateBookinfo(config, { dataPlane: "ambient" });
            const callers = callersOf(sidecarEv);
            const methods = ["GET", "POST"];
            const sidecar = view(sidecarEv, "sidecar");
            const ambient = view(ambientEv, "ambient");
            const inSidecar = allowedCalls(sidecar.policies, sidecar.mesh, callers, methods);
            const inAmbient = allowedCalls(ambient.policies, ambient.mesh, callers, methods);
            assert.deepStrictEqual(inAmbient, inSidecar);
            const names = byType(ambientEv, AUTHZ).map((r) => (r.inputs.metadata as Meta).name);
            assert.strictEqual(new Set(names).size, names.length, names.join());
            // Not vacuous: the calls Bookinfo makes are there, nothing else is.
            assert.ok(
                inSidecar.includes("bookinfo/bookinfo-productpage -> details GET"),
                inSidecar.join("\n"),
            );
            assert.ok(inSidecar.includes("istio-ingress/istio-ingressgateway -> productpage POST"));
            assert.ok(!inSidecar.some((c) => c.startsWith("other/curl")));
            assert.ok(!inSidecar.includes("bookinfo/bookinfo-productpage -> details POST"));
            // The L7 rules went to the waypoint, and the services behind it are enrolled.
            assert.ok(ambient.mesh.enrolled.has("details"), [...ambient.mesh.enrolled].join());
            assert.ok(ambient.policies.some((p) => p.targetRefs?.some((t) => t.name === "details")));
        });
    }

    it("enrols a Service only once the waypoint exists and the policies admit it", async () => {
        const ev = await evaluateBookinfo(bookinfoConfig({ "bookinfo.access": "zero-trust" }), {
            dataPlane: "ambient",
        });
        const urnOf = (type: string, name: string) => {
            const r = byType(ev, type).find((x) => (x.inputs.metadata as Meta).name === name);
            assert.ok(r, `${type} ${name}`);
            return r;
        };
        const details = urnOf(SERVICE, "details");
        assert.strictEqual((details.inputs.metadata as Meta).labels?.[WAYPOINT.useLabel], WAYPOINT.name);
        for (const policy of ["details-viewer", "details-via-waypoint"]) {
            assert.ok(details.dependsOn.includes(urnOf(AUTHZ, policy).urn), policy);
        }
    });

    it("ratings v2 reaches MongoDB through ztunnel alone, with its own identity", async () => {
        const config = bookinfoConfig({
            "bookinfo.access": "zero-trust",
            "bookinfo.routing[0]": "ratings-db",
        });
        const ambient = view(await evaluateBookinfo(config, { dataPlane: "ambient" }), "ambient");
        assert.ok(!ambient.mesh.enrolled.has("mongodb"));
        const clients = ambient.policies.filter((p) => p.selector?.matchLabels?.app === "mongodb");
        assert.deepStrictEqual(
            clients.flatMap((p) => p.rules?.[0].from?.[0].source?.serviceAccounts),
            ["bookinfo/bookinfo-ratings-v2"],
        );
    });
});
