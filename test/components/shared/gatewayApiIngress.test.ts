import * as assert from "assert";
import { HTTPRoute, KubernetesGateway, ReferenceGrant } from "../../../components/crds";
import {
    IngressListener,
    ingressListeners,
    ingressRouteSpec,
    kubernetesGatewaySpec,
    listenerName,
    redirectRouteSpec,
    secretGrantSpec,
} from "../../../components/shared/gatewayApiIngress";
import { ingressServers } from "../../../components/shared/ingress";
import { GATEWAY_PORTS, serviceFqdn } from "../../../components/shared/names";
import { validateObject } from "../../support/schemas";

const SERVICE = { name: "istio-ingressgateway", namespace: "istio-ingress" };
const SECRET = { secretName: "ingress-tls", secretNamespace: SERVICE.namespace };
const ROUTE = {
    hosts: ["*"],
    paths: [{ exact: "/productpage" }, { prefix: "/static" }],
    service: "productpage",
    port: 9080,
};

function byName(ls: IngressListener[]): Record<string, IngressListener> {
    return Object.fromEntries(ls.map((l) => [l.name, l]));
}

/** Host → what port 80 does with it, from the Istio Gateway servers of ./ingress.ts. */
function istioPlainHttp(
    hosts: string[],
    tls?: { hosts: string[]; httpsRedirect: boolean },
): Record<string, string> {
    const servers = ingressServers(hosts, tls && { ...tls, credentialName: "x" });
    const out: Record<string, string> = {};
    for (const s of servers.filter((x) => x.port?.number === GATEWAY_PORTS.http)) {
        for (const h of s.hosts ?? []) {
            out[h] = s.tls?.httpsRedirect ? "redirect" : "content";
        }
    }
    return out;
}

describe("components/shared/gatewayApiIngress: listeners and routes", () => {
    it("names listeners as Gateway API section names: http for any host, per host otherwise", () => {
        assert.strictEqual(listenerName("http", "*"), "http");
        assert.strictEqual(listenerName("https", "shop.example.com"), "https-shop.example.com");
        assert.strictEqual(listenerName("https", "*.example.com"), "https-wildcard.example.com");
        const longest = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
        assert.strictEqual(longest.length, 253);
        const name = listenerName("https", longest);
        assert.ok(name.length <= 253 && /^https-[0-9a-f]+$/.test(name), name);
        assert.notStrictEqual(name, listenerName("https", longest.replace(/d/g, "e")));
    });

    it("answers plain HTTP on the same hosts, redirecting the same ones, as the Istio Gateway servers", () => {
        const cases: [string[], { hosts: string[]; httpsRedirect: boolean } | undefined][] = [
            [["*"], undefined],
            [["a.example.com", "b.example.com"], undefined],
            [["*"], { hosts: ["a.example.com"], httpsRedirect: false }],
            [["*"], { hosts: ["a.example.com"], httpsRedirect: true }],
            [["a.example.com", "b.example.com"], { hosts: ["a.example.com"], httpsRedirect: true }],
        ];
        for (const [hosts, tls] of cases) {
            const http = ingressListeners(hosts, tls).filter((l) => l.protocol === "HTTP");
            const got = Object.fromEntries(http.map((l) => [l.hostname ?? "*", l.role]));
            assert.deepStrictEqual(got, istioPlainHttp(hosts, tls), JSON.stringify([hosts, tls]));
            const https = ingressListeners(hosts, tls).filter((l) => l.protocol === "HTTPS");
            assert.deepStrictEqual(
                https.map((l) => l.hostname),
                tls?.hosts ?? [],
            );
        }
    });

    it("binds the Gateway to the chart-installed gateway's Service on its ports, class istio", () => {
        const ls = ingressListeners(["*"], { hosts: ["a.example.com"], httpsRedirect: false });
        const spec = kubernetesGatewaySpec(SERVICE, "bookinfo", ls, SECRET);
        assert.strictEqual(spec.gatewayClassName, "istio");
        assert.deepStrictEqual(spec.addresses, [
            { type: "Hostname", value: serviceFqdn(SERVICE.name, SERVICE.namespace) },
        ]);
        const l = Object.fromEntries(spec.listeners.map((x) => [x.name, x]));
        assert.strictEqual(l.http.port, GATEWAY_PORTS.http);
        assert.strictEqual(l.http.hostname, undefined);
        const https = l[listenerName("https", "a.example.com")];
        assert.strictEqual(https.port, GATEWAY_PORTS.https);
        assert.strictEqual(https.hostname, "a.example.com");
        // The Secret lives in the gateway namespace: named with it, since the Gateway is elsewhere.
        assert.deepStrictEqual(https.tls?.certificateRefs, [
            { group: "", kind: "Secret", name: SECRET.secretName, namespace: SECRET.secretNamespace },
        ]);
        const local = kubernetesGatewaySpec(SERVICE, SERVICE.namespace, ls, SECRET);
        const ref = local.listeners.find((x) => x.protocol === "HTTPS")?.tls?.certificateRefs?.[0];
        assert.strictEqual(ref?.namespace, undefined, "same namespace: no namespace, no grant needed");
        assert.throws(
            () => kubernetesGatewaySpec(SERVICE, "bookinfo", ls),
            /serves HTTPS but no certificate/,
        );
    });

    it("attaches a route only to content listeners whose host it can match; the redirect takes the TLS hosts", () => {
        const ls = ingressListeners(["a.example.com", "b.example.com"], {
            hosts: ["a.example.com"],
            httpsRedirect: true,
        });
        assert.deepStrictEqual(byName(ls)["http-a.example.com"].role, "redirect");
        const a = ingressRouteSpec("gw", ls, { ...ROUTE, hosts: ["a.example.com"] });
        assert.deepStrictEqual(
            a.parentRefs?.map((p) => p.sectionName),
            ["https-a.example.com"],
        );
        assert.deepStrictEqual(a.hostnames, ["a.example.com"]);
        const both = ingressRouteSpec("gw", ls, { ...ROUTE, hosts: ["a.example.com", "b.example.com"] });
        assert.deepStrictEqual(
            both.parentRefs?.map((p) => p.sectionName),
            ["http-b.example.com", "https-a.example.com"],
        );
        const redirect = redirectRouteSpec("gw", ls);
        assert.deepStrictEqual(
            redirect?.parentRefs?.map((p) => p.sectionName),
            ["http-a.example.com"],
        );
        assert.deepStrictEqual(redirect?.hostnames, ["a.example.com"]);
        assert.deepStrictEqual(redirect?.rules?.[0].filters, [
            { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
        ]);
        assert.strictEqual(redirectRouteSpec("gw", ingressListeners(["*"])), undefined);
        // With a listener for any host next to the redirecting one, a route of the redirected
        // host stays off both: on the "*" listener it would join the redirecting virtual host.
        const mixed = ingressListeners(["*", "a.example.com"], {
            hosts: ["a.example.com"],
            httpsRedirect: true,
        });
        assert.deepStrictEqual(
            ingressRouteSpec("gw", mixed, { ...ROUTE, hosts: ["a.example.com"] }).parentRefs?.map(
                (p) => p.sectionName,
            ),
            ["https-a.example.com"],
        );
        assert.deepStrictEqual(
            ingressRouteSpec("gw", mixed, ROUTE).parentRefs?.map((p) => p.sectionName),
            ["http", "https-a.example.com"],
        );
    });

    it("keeps the paths: exact stays Exact, prefix becomes PathPrefix, to the Service port", () => {
        const spec = ingressRouteSpec("gw", ingressListeners(["*"]), ROUTE);
        assert.strictEqual(spec.hostnames, undefined, '"*" is no hostname (any host)');
        assert.deepStrictEqual(spec.rules?.[0].matches, [
            { path: { type: "Exact", value: "/productpage" } },
            { path: { type: "PathPrefix", value: "/static" } },
        ]);
        assert.deepStrictEqual(spec.rules?.[0].backendRefs, [
            { group: "", kind: "Service", name: ROUTE.service, port: ROUTE.port },
        ]);
    });

    it("produces objects the Gateway API schemas accept (wildcard hosts included)", async () => {
        const ls = ingressListeners(["*", "*.example.com"], {
            hosts: ["*.example.com"],
            httpsRedirect: true,
        });
        const meta = { name: "gw", namespace: "bookinfo" };
        await validateObject({
            apiVersion: KubernetesGateway.apiVersion,
            kind: KubernetesGateway.kind,
            metadata: meta,
            spec: kubernetesGatewaySpec(SERVICE, "bookinfo", ls, SECRET),
        });
        for (const [name, spec] of [
            ["route", ingressRouteSpec("gw", ls, ROUTE)],
            ["redirect", redirectRouteSpec("gw", ls)],
        ] as const) {
            await validateObject({
                apiVersion: HTTPRoute.apiVersion,
                kind: HTTPRoute.kind,
                metadata: { ...meta, name },
                spec,
            });
        }
        await validateObject({
            apiVersion: ReferenceGrant.apiVersion,
            kind: ReferenceGrant.kind,
            metadata: { name: "grant", namespace: SERVICE.namespace },
            spec: secretGrantSpec("bookinfo", SECRET.secretName),
        });
    });
});
