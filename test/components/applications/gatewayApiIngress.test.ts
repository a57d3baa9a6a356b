import * as assert from "assert";
import type {
    HTTPRouteSpec,
    KubernetesGatewaySpec,
    ReferenceGrantSpec,
    VirtualServiceSpec,
} from "../../../components/crds";
import { HTTPRoute, KubernetesGateway, ReferenceGrant } from "../../../components/crds";
import { serviceFqdn } from "../../../components/shared/names";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { Override } from "../../../tools/lib/stackFiles";
import { evaluateWithShop, shopApplications } from "../../support/applications";
import { byType, evaluateStack, oneObject } from "../../support/stacks";
import { ISTIO_GATEWAY, SERVICE, VIRTUAL_SERVICE as VS } from "../../support/types";

const GATEWAY_API: Override[] = [{ key: "gateway.api", value: "gateway-api" }];
const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
/** The outputs an operator and `npm run traffic` / `npm run ui` read, which must not depend on the API. */
const ACCESS_OUTPUTS = [
    "gateway",
    "gatewayService",
    "productPage",
    "productPageUrl",
    "applicationIngress",
    "observability",
];

interface Meta {
    name: string;
    namespace?: string;
}

function meta(r: CapturedResource): Meta {
    return r.inputs.metadata as Meta;
}

const get = (ev: Evaluation, type: string, ns: string, name: string) => oneObject(ev, type, name, ns);

function spec<T>(r: CapturedResource): T {
    return r.inputs.spec as T;
}

/** The chart-installed gateway's Service, as the stack output names it. */
function gatewayService(ev: Evaluation): { name: string; namespace: string } {
    return ev.outputs.gatewayService as { name: string; namespace: string };
}

/** Every HTTPRoute parentRef names a listener of its Gateway; returns the listeners by route. */
function attached(ev: Evaluation, route: CapturedResource): KubernetesGatewaySpec["listeners"] {
    const ns = meta(route).namespace ?? "";
    return (spec<HTTPRouteSpec>(route).parentRefs ?? []).map((p) => {
        const gw = spec<KubernetesGatewaySpec>(
            get(ev, KubernetesGateway.pulumiType, p.namespace ?? ns, p.name),
        );
        const l = gw.listeners.find((x) => x.name === p.sectionName);
        assert.ok(l, `${meta(route).name}: no listener ${p.sectionName} on ${p.name}`);
        return l;
    });
}

/** The VirtualService's matches in Gateway API terms. */
function vsPaths(vs: VirtualServiceSpec): { type: string; value: string }[] {
    return (vs.http?.[0].match ?? []).map((m) => {
        const uri = m.uri as { exact?: string; prefix?: string };
        return uri.exact !== undefined
            ? { type: "Exact", value: uri.exact }
            : { type: "PathPrefix", value: uri.prefix ?? "" };
    });
}

describe("Gateway API ingress (gateway.api: gateway-api): Bookinfo and the shop example on dev", () => {
    let istio: Evaluation;
    let gwapi: Evaluation;
    before(async () => {
        istio = await evaluateWithShop("dev");
        gwapi = await evaluateWithShop("dev", GATEWAY_API);
    });

    it("renders no Istio Gateway for an ingress, and a Gateway of class istio per ingress instead", () => {
        assert.deepStrictEqual(byType(gwapi, ISTIO_GATEWAY), []);
        const istioGateways = byType(istio, ISTIO_GATEWAY).map((r) => `${meta(r).namespace}/${meta(r).name}`);
        const gateways = byType(gwapi, KubernetesGateway.pulumiType);
        assert.deepStrictEqual(
            gateways.map((r) => `${meta(r).namespace}/${meta(r).name}`).sort(),
            istioGateways.sort(),
            "the same Gateways, by namespace and name",
        );
        for (const g of gateways) {
            assert.strictEqual(spec<KubernetesGatewaySpec>(g).gatewayClassName, "istio");
        }
        // No VirtualService is left for an ingress: the in-mesh ones stay.
        const ingressVs = byType(gwapi, VS).filter(
            (r) => (spec<VirtualServiceSpec>(r).gateways ?? []).length > 0,
        );
        assert.deepStrictEqual(ingressVs, []);
    });

    it("binds every Gateway to the chart-installed gateway's Service (manual deployment)", () => {
        const svc = gatewayService(gwapi);
        for (const g of byType(gwapi, KubernetesGateway.pulumiType)) {
            assert.deepStrictEqual(spec<KubernetesGatewaySpec>(g).addresses, [
                { type: "Hostname", value: serviceFqdn(svc.name, svc.namespace) },
            ]);
        }
    });

    it("creates each Gateway after the Gateway API CRDs, and each route after its Gateway", () => {
        const crds = byType(gwapi, CONFIG_FILE);
        assert.strictEqual(crds.length, 1);
        for (const g of byType(gwapi, KubernetesGateway.pulumiType)) {
            assert.ok(g.dependsOn.includes(crds[0].urn), `${meta(g).name} does not wait for the CRDs`);
        }
        for (const r of byType(gwapi, HTTPRoute.pulumiType)) {
            const parent = spec<HTTPRouteSpec>(r).parentRefs?.[0].name ?? "";
            const gw = get(gwapi, KubernetesGateway.pulumiType, meta(r).namespace ?? "", parent);
            assert.ok(r.dependsOn.includes(gw.urn), `${meta(r).name} does not wait for ${parent}`);
        }
    });

    it("Bookinfo: the same paths to productpage as the VirtualService, on HTTP and on HTTPS with the certificate", () => {
        const route = get(gwapi, HTTPRoute.pulumiType, "bookinfo", "bookinfo");
        const vs = get(istio, VS, "bookinfo", "bookinfo");
        const rule = spec<HTTPRouteSpec>(route).rules?.[0];
        assert.deepStrictEqual(
            rule?.matches?.map((m) => m.path),
            vsPaths(spec<VirtualServiceSpec>(vs)),
        );
        const productpage = get(gwapi, SERVICE, "bookinfo", "productpage");
        const port = (productpage.inputs.spec as { ports: { port: number }[] }).ports[0].port;
        assert.deepStrictEqual(rule?.backendRefs, [
            { group: "", kind: "Service", name: "productpage", port },
        ]);

        const listeners = attached(gwapi, route);
        assert.deepStrictEqual(listeners.map((l) => l.protocol).sort(), ["HTTP", "HTTPS"]);
        const https = listeners.find((l) => l.protocol === "HTTPS");
        const out = gwapi.outputs.https as { credentialName: string };
        const svc = gatewayService(gwapi);
        assert.deepStrictEqual(https?.tls?.certificateRefs, [
            { group: "", kind: "Secret", name: out.credentialName, namespace: svc.namespace },
        ]);
    });

    it("Bookinfo: the Secret in the gateway namespace is granted to Bookinfo's Gateways, and only to them", () => {
        const svc = gatewayService(gwapi);
        const grants = byType(gwapi, ReferenceGrant.pulumiType);
        assert.deepStrictEqual(
            grants.map((g) => meta(g).namespace),
            grants.map(() => svc.namespace),
        );
        const bookinfo = grants.find((g) => spec<ReferenceGrantSpec>(g).from[0].namespace === "bookinfo");
        assert.ok(bookinfo, "no grant for bookinfo");
        const out = gwapi.outputs.https as { credentialName: string };
        assert.deepStrictEqual(spec<ReferenceGrantSpec>(bookinfo).to, [
            { group: "", kind: "Secret", name: out.credentialName },
        ]);
        const gw = get(gwapi, KubernetesGateway.pulumiType, "bookinfo", "bookinfo-gateway");
        assert.ok(gw.dependsOn.includes(bookinfo.urn), "the Gateway waits for its grant");
    });

    it("shop: its Gateway answers its own hosts, its route the configured paths to its ingress service", () => {
        const shop = shopApplications().shop as {
            namespace: string;
            ingress: { service: string; hosts: string[] };
        };
        const gw = spec<KubernetesGatewaySpec>(
            get(gwapi, KubernetesGateway.pulumiType, shop.namespace, "shop-gateway"),
        );
        assert.deepStrictEqual(
            gw.listeners.map((l) => l.hostname),
            shop.ingress.hosts,
        );
        const route = get(gwapi, HTTPRoute.pulumiType, shop.namespace, "shop-ingress");
        assert.deepStrictEqual(spec<HTTPRouteSpec>(route).hostnames, shop.ingress.hosts);
        assert.deepStrictEqual(
            spec<HTTPRouteSpec>(route).rules?.[0].backendRefs?.map((b) => b.name),
            [shop.ingress.service],
        );
        const vs = get(istio, VS, shop.namespace, "shop-ingress");
        assert.deepStrictEqual(
            spec<HTTPRouteSpec>(route).rules?.[0].matches?.map((m) => m.path),
            vsPaths(spec<VirtualServiceSpec>(vs)),
        );
        assert.strictEqual(attached(gwapi, route).length, shop.ingress.hosts.length);
    });

    it("keeps the access outputs the same in both modes", () => {
        for (const key of ACCESS_OUTPUTS) {
            assert.deepStrictEqual(gwapi.outputs[key], istio.outputs[key], key);
        }
    });
});

describe("Gateway API ingress: redirect and a LoadBalancer gateway", () => {
    it("dev with a named Bookinfo host and a redirect: HTTP on it only redirects, HTTPS serves it", async () => {
        const host = "bookinfo.localtest.me";
        const more: Override[] = [
            { key: "bookinfo.hosts[0]", value: host },
            { key: "tls.httpsRedirect", value: "true" },
        ];
        const ev = await evaluateStack("dev", [...more, ...GATEWAY_API]);
        const redirect = get(ev, HTTPRoute.pulumiType, "bookinfo", "bookinfo-gateway-https-redirect");
        assert.deepStrictEqual(
            attached(ev, redirect).map((l) => [l.protocol, l.hostname]),
            [["HTTP", host]],
        );
        assert.deepStrictEqual(spec<HTTPRouteSpec>(redirect).rules?.[0].filters?.[0].requestRedirect, {
            scheme: "https",
            statusCode: 301,
        });
        const route = get(ev, HTTPRoute.pulumiType, "bookinfo", "bookinfo");
        assert.deepStrictEqual(
            attached(ev, route).map((l) => [l.protocol, l.hostname]),
            [["HTTPS", host]],
        );
        const istio = await evaluateStack("dev", more);
        for (const key of ACCESS_OUTPUTS) {
            assert.deepStrictEqual(ev.outputs[key], istio.outputs[key], key);
        }
    });

    it("prod (LoadBalancer, no TLS): the same outputs, plain HTTP on any host", async () => {
        const istio = await evaluateStack("prod");
        const ev = await evaluateStack("prod", GATEWAY_API);
        for (const key of ACCESS_OUTPUTS) {
            assert.deepStrictEqual(ev.outputs[key], istio.outputs[key], key);
        }
        const gw = spec<KubernetesGatewaySpec>(
            get(ev, KubernetesGateway.pulumiType, "bookinfo", "bookinfo-gateway"),
        );
        assert.deepStrictEqual(
            gw.listeners.map((l) => [l.protocol, l.hostname]),
            [["HTTP", undefined]],
        );
        assert.deepStrictEqual(byType(ev, ReferenceGrant.pulumiType), []);
    });
});
