import * as assert from "assert";
import { servedTlsHosts } from "../../../components/applications/application";
import { accessPolicies } from "../../../components/applications/access";
import { egressName, egressObjects } from "../../../components/applications/egress";
import { explainRoutes, profilesFrom } from "../../../components/applications/explain";
import { ServiceSpec } from "../../../components/applications/model";
import {
    destinationRuleSpec,
    routingObjects,
    virtualServiceSpec,
} from "../../../components/applications/routing";

function service(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
    return {
        name,
        port: 8080,
        targetPort: 8080,
        protocol: "http",
        portName: "http",
        versions: [{ name: "v1", image: `example.com/${name}:1`, serviceAccount: name, env: {}, calls: [] }],
        replicas: 1,
        resources: { requests: { cpu: "10m", memory: "16Mi" } },
        scratch: [],
        ...over,
    };
}

describe("application builders", () => {
    it("derives one request profile per match (header exact/prefix/regex, path) and evaluates each", () => {
        const vs = virtualServiceSpec("api", [
            { match: { headers: { "user-agent": { regex: ".*Mobile.*" } } }, weights: { v2: 100 } },
            { match: { uri: { prefix: "/beta" } }, weights: { v1: 50, v2: 50 } },
            {
                match: { headers: { "x-tenant": { prefix: "acme" } }, uri: { exact: "/pay" } },
                weights: { v2: 100 },
            },
            { weights: { v1: 100 }, timeout: "1s" },
        ]);
        assert.deepStrictEqual(
            profilesFrom(vs).map((p) => p.name),
            ["user-agent ~ .*Mobile.*", "path /beta*", "x-tenant: acme*, path /pay"],
        );
        const dr = destinationRuleSpec("api", ["v1", "v2"]);
        const rows = explainRoutes([{ spec: vs }], [{ spec: dr }], undefined, true);
        const by = Object.fromEntries(rows.map((r) => [r.request, r]));
        assert.deepStrictEqual(by["user-agent ~ .*Mobile.*"].versions, { v2: 100 });
        assert.deepStrictEqual(by["path /beta*"].versions, { v1: 50, v2: 50 });
        assert.deepStrictEqual(by["x-tenant: acme*, path /pay"].versions, { v2: 100 });
        // Anonymous says nothing of the path: it cannot tell the uri rules, and says so.
        assert.deepStrictEqual(by.anonymous.versions, { v1: 100 });
        assert.strictEqual(by.anonymous.timeout, "1s");
        assert.match(by.anonymous.note, /uri not evaluated/);
    });

    it("writes resilience into the DestinationRule only when given, and refuses an inconsistent routing", () => {
        assert.deepStrictEqual(destinationRuleSpec("a", ["v1"]), {
            host: "a",
            subsets: [{ name: "v1", labels: { version: "v1" } }],
        });
        assert.deepStrictEqual(destinationRuleSpec("a", ["v1"], { maxConnections: 5 }).trafficPolicy, {
            connectionPool: { tcp: { maxConnections: 5 } },
        });
        assert.throws(
            () => routingObjects("shop", [service("cart", { routes: [{ weights: { v9: 100 } }] })]),
            /shop: routing is inconsistent:\n {2}cart: subset v9 of cart/,
        );
        // TCP services get neither: Istio's HTTP rules do not apply to them.
        assert.deepStrictEqual(
            routingObjects("shop", [service("db", { protocol: "tcp", portName: "tcp" })]),
            [],
        );
    });

    it("derives access from calls: distinct identities per version, methods when given, ports only for TCP, nothing in open mode", () => {
        const services = [
            service("web", {
                versions: [
                    { name: "v1", image: "x/web:1", serviceAccount: "web", env: {}, calls: ["api"] },
                    { name: "v2", image: "x/web:2", serviceAccount: "web-v2", env: {}, calls: ["api", "db"] },
                ],
            }),
            service("api", { targetPort: 9090, callers: { methods: ["GET"] } }),
            service("db", {
                protocol: "tcp",
                portName: "tcp",
                port: 5432,
                targetPort: 5432,
                callers: { methods: ["GET"] },
            }),
            service("batch"),
        ];
        const ctx = {
            mode: "zero-trust" as const,
            namespace: "team",
            services,
            ingress: { service: "web" },
            denies: [{ name: "db-deny-v1", service: "db", serviceAccounts: ["web"] }],
            gateway: { namespace: "gw", serviceAccount: "ingress" },
        };
        const byName = Object.fromEntries(accessPolicies(ctx).map((p) => [p.name, p.spec]));
        assert.deepStrictEqual(Object.keys(byName), [
            "allow-nothing",
            "web-ingress",
            "api-callers",
            "db-callers",
            "db-deny-v1",
        ]);
        assert.deepStrictEqual(byName["api-callers"].rules, [
            {
                from: [{ source: { serviceAccounts: ["team/web", "team/web-v2"] } }],
                to: [{ operation: { methods: ["GET"], ports: ["9090"] } }],
            },
        ]);
        assert.deepStrictEqual(byName["db-callers"].rules, [
            {
                from: [{ source: { serviceAccounts: ["team/web-v2"] } }],
                to: [{ operation: { ports: ["5432"] } }],
            },
        ]);
        assert.strictEqual(byName["db-deny-v1"].action, "DENY");
        assert.deepStrictEqual(
            accessPolicies({ ...ctx, mode: "open" }).map((p) => p.name),
            ["db-deny-v1"],
        );
    });

    it("originates TLS for egress the application speaks HTTP to, and passes TLS through otherwise", () => {
        assert.strictEqual(egressName("api.stripe.com"), "api-stripe-com");
        const origin = egressObjects({ name: "api", host: "api.example.com", port: 8443, tls: "originate" });
        assert.deepStrictEqual(origin.serviceEntry.spec.ports, [
            { number: 80, name: "http", protocol: "HTTP" },
            { number: 8443, name: "https", protocol: "HTTPS" },
        ]);
        assert.deepStrictEqual(origin.virtualService?.spec.http?.[0].route, [
            { destination: { host: "api.example.com", port: { number: 8443 } } },
        ]);
        assert.deepStrictEqual(origin.destinationRule?.spec.trafficPolicy?.portLevelSettings?.[0], {
            port: { number: 8443 },
            tls: { mode: "SIMPLE", sni: "api.example.com" },
        });
        const pass = egressObjects({ name: "api", host: "api.example.com", port: 443, tls: "passthrough" });
        assert.deepStrictEqual(pass.serviceEntry.spec.ports, [{ number: 443, name: "tls", protocol: "TLS" }]);
        assert.strictEqual(pass.virtualService, undefined);
        assert.strictEqual(pass.destinationRule, undefined);
    });

    it("serves HTTPS for its own hosts the certificate covers, or every certificate host when it answers for any", () => {
        assert.deepStrictEqual(
            servedTlsHosts(["shop.example.com", "shop.internal.net"], ["*.example.com", "other.org"]),
            ["shop.example.com"],
        );
        assert.deepStrictEqual(servedTlsHosts(["*"], ["a.example.com", "b.example.com"]), [
            "a.example.com",
            "b.example.com",
        ]);
        assert.deepStrictEqual(servedTlsHosts(["a.b.example.com"], ["*.example.com"]), []);
    });
});
