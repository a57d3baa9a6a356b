import * as assert from "assert";
import type { ServiceSpec } from "../../../components/applications/model";
import {
    WaypointInput,
    needsWaypoint,
    routingNeedsWaypoint,
    waypointServices,
} from "../../../components/applications/waypoint";

function service(name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
    return {
        name,
        port: 80,
        targetPort: 8080,
        protocol: "http",
        portName: "http",
        versions: [{ name: "v1", image: "x:1", serviceAccount: name, env: {}, calls: [] }],
        replicas: 1,
        resources: { requests: { cpu: "10m", memory: "16Mi" } },
        scratch: [],
        ...extra,
    };
}

function app(services: ServiceSpec[], extra: Partial<WaypointInput> = {}): WaypointInput {
    return { namespace: "team", services, access: "zero-trust", denies: [], ...extra };
}

describe("what needs a waypoint (routing and access, one predicate)", () => {
    const web = service("web", {
        versions: [{ name: "v1", image: "x:1", serviceAccount: "web", env: {}, calls: ["api", "db"] }],
    });
    const db = service("db", { protocol: "tcp", portName: "tcp", callers: { methods: ["GET"] } });

    it("L7 access rules need one: a zero-trust caller rule with methods, on a service somebody calls", () => {
        const api = service("api", { callers: { methods: ["GET"] } });
        assert.deepStrictEqual(waypointServices(app([web, api, db])), ["api"]);
        assert.ok(needsWaypoint(app([web, api, db])));
        // Open access writes no caller rules; nobody calling api writes none either.
        assert.ok(!needsWaypoint(app([web, api, db], { access: "open" })));
        assert.ok(!needsWaypoint(app([api])));
        // Methods on a TCP service are not written (connection-level rules only): L4.
        assert.ok(!needsWaypoint(app([web, db])));
    });

    it("L4 rules do not: callers by identity and port, a DENY by identity", () => {
        const api = service("api");
        assert.ok(!needsWaypoint(app([web, api])));
        const deny = { name: "api-deny", service: "api", serviceAccounts: ["web"] };
        assert.ok(!needsWaypoint(app([web, api], { access: "open", denies: [deny] })));
    });

    it("routes and resilience on an HTTP service need one, whatever the access", () => {
        const routed = service("cart", { routes: [{ weights: { v1: 100 } }] });
        const pooled = service("pay", { resilience: { maxConnections: 5 } });
        assert.ok(routingNeedsWaypoint(routed) && routingNeedsWaypoint(pooled));
        assert.ok(
            !routingNeedsWaypoint(service("tcp", { protocol: "tcp", routes: [{ weights: { v1: 100 } }] })),
        );
        assert.deepStrictEqual(waypointServices(app([routed, pooled, web], { access: "open" })), [
            "cart",
            "pay",
        ]);
    });
});
