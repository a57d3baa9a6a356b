import * as assert from "assert";
import { explainHttpRoutes, explainRoutes } from "../../../components/applications/explain";
import {
    GATEWAY_DURATION,
    MAX_RULES,
    ambientRouting,
    gammaIssues,
    gatewayDuration,
    gatewayPathProblem,
    httpRouteSpec,
    prefixRegex,
    regexPrefix,
    waypointOrder,
    waypointSpec,
} from "../../../components/applications/gamma";
import { Route, ServiceSpec } from "../../../components/applications/model";
import { routingObjects } from "../../../components/applications/routing";
import { durationMs } from "../../../components/applications/rules";
import { serviceSelector } from "../../../components/applications/workloads";
import { WAYPOINT } from "../../../components/shared/names";

function service(
    name: string,
    versions: string[],
    routes?: Route[],
    extra: Partial<ServiceSpec> = {},
): ServiceSpec {
    return {
        name,
        port: 8080,
        targetPort: 8080,
        protocol: "http",
        portName: "http",
        versions: versions.map((v) => ({
            name: v,
            image: `x/${name}:${v}`,
            serviceAccount: name,
            env: {},
            calls: [],
        })),
        replicas: 1,
        resources: { requests: { cpu: "10m", memory: "16Mi" } },
        scratch: [],
        ...(routes ? { routes } : {}),
        ...extra,
    };
}

const canary: Route[] = [
    { match: { headers: { "x-canary": { exact: "true" } } }, weights: { v2: 100 } },
    { match: { headers: { "user-agent": { regex: ".*Mobile.*" } } }, weights: { v1: 50, v2: 50 } },
    { match: { headers: { "x-team": { prefix: "blue" } } }, weights: { v2: 100 } },
    { weights: { v1: 90, v2: 10 }, timeout: "0.5s" },
];

describe("ambient routing as Gateway API objects (gamma.ts)", () => {
    it("writes Istio durations as Gateway API durations, and refuses what has no such form", () => {
        for (const [istio, gateway] of [
            ["0.5s", "500ms"],
            ["2s", "2s"],
            ["1.1s", "1s100ms"],
            ["90s", "1m30s"],
            ["1h0m5s", "1h5s"],
            ["0s", "0s"],
        ]) {
            const out = gatewayDuration(istio);
            assert.strictEqual(out, gateway, istio);
            assert.match(out ?? "", GATEWAY_DURATION);
            assert.strictEqual(durationMs(out ?? ""), durationMs(istio));
        }
        assert.strictEqual(gatewayDuration("0.5ms"), undefined);
        assert.strictEqual(gatewayDuration("100000h"), undefined);
        assert.strictEqual(gatewayDuration("soon"), undefined);
    });

    it("writes a header prefix as an anchored regex and reads it back, literals escaped", () => {
        for (const p of ["blue", "a.b*c", "x(y)|z", "back\\slash"]) {
            const re = prefixRegex(p);
            assert.ok(new RegExp(`^(?:${re})$`).test(`${p}tail`), re);
            assert.ok(!new RegExp(`^(?:${re})$`).test(`X${p}`), re);
            assert.strictEqual(regexPrefix(re), p);
        }
        assert.strictEqual(regexPrefix(".*Mobile.*"), undefined);
    });

    it("binds the HTTPRoute to the Service and turns weights, matches and timeouts into the rule fields", () => {
        const spec = httpRouteSpec(service("cart", ["v1", "v2"]), canary);
        assert.deepStrictEqual(spec.parentRefs, [{ group: "", kind: "Service", name: "cart", port: 8080 }]);
        const rules = spec.rules ?? [];
        assert.strictEqual(rules.length, canary.length);
        assert.deepStrictEqual(rules[0].matches, [
            { headers: [{ type: "Exact", name: "x-canary", value: "true" }] },
        ]);
        assert.deepStrictEqual(rules[0].backendRefs, [{ name: "cart-v2", port: 8080 }]);
        assert.deepStrictEqual(rules[1].matches?.[0].headers, [
            { type: "RegularExpression", name: "user-agent", value: ".*Mobile.*" },
        ]);
        assert.deepStrictEqual(rules[3].matches, undefined);
        assert.deepStrictEqual(rules[3].backendRefs, [
            { name: "cart-v1", port: 8080, weight: 90 },
            { name: "cart-v2", port: 8080, weight: 10 },
        ]);
        assert.deepStrictEqual(rules[3].timeouts, { request: "500ms" });
    });

    it("writes the waypoint as istioctl waypoint generate does (HBONE on 15008, class istio-waypoint)", () => {
        assert.deepStrictEqual(waypointSpec(), {
            gatewayClassName: WAYPOINT.gatewayClassName,
            listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }],
        });
    });

    it("orders rules as istiod does: exact path, longer prefix, regex path, more headers; list order on ties", () => {
        const routes: Route[] = [
            { match: { headers: { a: { exact: "1" } } }, weights: { v1: 100 } },
            { match: { uri: { regex: "/r.*" } }, weights: { v1: 100 } },
            { match: { uri: { exact: "/x" } }, weights: { v1: 100 } },
            { match: { headers: { a: { exact: "1" }, b: { exact: "2" } } }, weights: { v1: 100 } },
            { match: { uri: { prefix: "/long/" } }, weights: { v1: 100 } },
            { weights: { v1: 100 } },
        ];
        assert.deepStrictEqual(waypointOrder(routes), [2, 4, 3, 0, 5, 1]);
    });

    it("accepts routes whose first match is the same on the waypoint, refuses those where it changes", () => {
        assert.deepStrictEqual(gammaIssues(canary), []);
        // The two-header rule would win over the one-header rule listed before it.
        const reordered: Route[] = [
            { match: { headers: { a: { exact: "1" } } }, weights: { v1: 100 } },
            { match: { headers: { a: { exact: "1" }, b: { exact: "2" } } }, weights: { v2: 100 } },
            { weights: { v1: 100 } },
        ];
        const issues = gammaIssues(reordered);
        assert.deepStrictEqual(
            issues.map((i) => [i.index, i.field]),
            [[1, ""]],
        );
        assert.match(issues[0].message, /tried before route \[0\].*not list order/);
        // Disjoint matches keep their meaning whatever the order.
        const disjoint: Route[] = [
            { match: { headers: { a: { exact: "1" } } }, weights: { v1: 100 } },
            { match: { headers: { a: { exact: "2" }, b: { exact: "2" } } }, weights: { v2: 100 } },
            { weights: { v1: 100 } },
        ];
        assert.deepStrictEqual(gammaIssues(disjoint), []);
        // A regex path ranks below the catch-all's default PathPrefix "/": never reached.
        const regexPath: Route[] = [
            { match: { uri: { regex: "/api/.*" } }, weights: { v2: 100 } },
            { weights: { v1: 100 } },
        ];
        assert.deepStrictEqual(
            gammaIssues(regexPath).map((i) => i.index),
            [1],
        );
    });

    it("refuses faults, retries, path prefixes, fractional-millisecond timeouts and too many rules, each at its field", () => {
        const routes: Route[] = [
            {
                match: { uri: { prefix: "/api" } },
                weights: { v1: 100 },
                fault: { abort: { httpStatus: 503, percent: 5 } },
                retries: { attempts: 3 },
                timeout: "0.5ms",
            },
            { weights: { v1: 100 } },
        ];
        assert.deepStrictEqual(
            gammaIssues(routes).map((i) => [i.index, i.field]),
            [
                [0, "fault"],
                [0, "retries"],
                [0, "timeout"],
                [0, "match.uri"],
            ],
        );
        for (const path of ["/a//b", "/a/../b", "/a b", "/x/.", "/%2Fetc"]) {
            assert.deepStrictEqual(
                gammaIssues([
                    { match: { uri: { exact: path } }, weights: { v1: 100 } },
                    { weights: { v1: 100 } },
                ]).map((i) => [i.index, i.field]),
                [[0, "match.uri"]],
                path,
            );
        }
        assert.deepStrictEqual(gatewayPathProblem("/api/v1/products"), undefined);
        const many: Route[] = Array.from({ length: MAX_RULES + 1 }, (_, i) => ({
            match: { uri: { exact: `/p${i}` } },
            weights: { v1: 100 },
        }));
        assert.deepStrictEqual(
            gammaIssues(many).map((i) => [i.index, i.field]),
            [[undefined, ""]],
        );
    });

    it("keeps resilience on the waypoint: a DestinationRule per host the route sends to, no subsets", () => {
        const resilience = { maxConnections: 10, outlierDetection: { consecutive5xxErrors: 5 } };
        const [cart, web, api] = ambientRouting([
            service("cart", ["v1", "v2"], canary, { resilience }),
            service("web", ["v1"], undefined, { resilience }),
            service("db", ["v1"], undefined, { protocol: "tcp", portName: "tcp" }),
            service("api", ["v1"]),
        ]);
        assert.deepStrictEqual(
            cart.destinationRules.map((d) => d.name),
            ["cart", "cart-v1", "cart-v2"],
        );
        for (const d of cart.destinationRules) {
            assert.strictEqual(d.spec.host, d.name);
            assert.strictEqual(d.spec.subsets, undefined);
            assert.deepStrictEqual(d.spec.trafficPolicy?.connectionPool, { tcp: { maxConnections: 10 } });
        }
        assert.deepStrictEqual(
            web.destinationRules.map((d) => d.name),
            ["web"],
        );
        assert.ok(cart.waypoint && web.waypoint, "routes and resilience need the waypoint");
        assert.strictEqual(api.service, "api", "tcp services have no per-version Services or routes");
        assert.strictEqual(api.waypoint, false);
        assert.strictEqual(api.httpRoute, undefined);
    });

    it("explains HTTPRoutes with the same rows as the VirtualServices built from the same routes", () => {
        const services = [
            service("cart", ["v1", "v2"], canary),
            service("web", ["v1"]),
            service(
                "pay",
                ["v1", "v2", "v3"],
                [
                    { match: { uri: { exact: "/refund" } }, weights: { v3: 100 } },
                    { weights: { v1: 34, v2: 33, v3: 33 } },
                ],
            ),
        ];
        const sidecar = routingObjects("shop", services);
        const ambient = ambientRouting(services);
        const objects = services.flatMap((s) => [
            { metadata: { name: s.name }, spec: { selector: serviceSelector(s) } },
            ...s.versions.map((v) => ({
                metadata: { name: `${s.name}-${v.name}` },
                spec: { selector: serviceSelector(s, v.name) },
            })),
        ]);
        const profiles = [{ name: "anonymous", headers: {} }];
        const fromVs = explainRoutes(
            sidecar.map((s) => ({ spec: s.virtualService })),
            sidecar.map((s) => ({ spec: s.destinationRule })),
            profiles,
            true,
        );
        const fromRoutes = explainHttpRoutes(
            ambient.flatMap((a) => (a.httpRoute ? [{ spec: a.httpRoute }] : [])),
            objects,
            profiles,
            true,
        );
        assert.deepStrictEqual(fromRoutes, fromVs);
        const row = (svc: string, req: string) =>
            fromRoutes.find((r) => r.service === svc && r.request === req);
        assert.deepStrictEqual(row("cart", "x-team: blue*")?.versions, { v2: 100 });
        assert.strictEqual(row("cart", "anonymous")?.timeout, "0.5s");
        assert.strictEqual(row("web", "anonymous")?.note, "no subset: spread over all pods");
    });
});
