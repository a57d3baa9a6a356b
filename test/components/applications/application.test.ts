import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { formerEgressNames, FORMER_TYPE } from "../../../components/bookinfo/application";
import { ApplicationRouteRow, explainRoutes } from "../../../components/applications/explain";
import type { DestinationRuleSpec, VirtualServiceSpec } from "../../../components/crds";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { isK8sObject, render } from "../../../tools/lib/render";
import { evaluateWithShop, shopApplications } from "../../support/applications";
import { validateObject } from "../../support/schemas";
import { byType, evaluateStack, nameOf } from "../../support/stacks";
import {
    AUTHORIZATION_POLICY as AUTHZ,
    DEPLOYMENT,
    DESTINATION_RULE as DR,
    ISTIO_GATEWAY,
    NAMESPACE,
    SERVICE,
    SERVICE_ENTRY,
    VIRTUAL_SERVICE as VS,
} from "../../support/types";

const APPLICATION = "istio-mesh:applications:Application";

interface Meta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
}

function meta(r: CapturedResource): Meta {
    return r.inputs.metadata as Meta;
}

/** The objects of one namespace, by kind and name. */
function inNamespace(ev: Evaluation, type: string, ns: string): Map<string, CapturedResource> {
    return new Map(
        byType(ev, type)
            .filter((r) => meta(r).namespace === ns)
            .map((r) => [meta(r).name, r]),
    );
}

function get(ev: Evaluation, type: string, ns: string, name: string): CapturedResource {
    const r = inNamespace(ev, type, ns).get(name);
    assert.ok(r, `no ${type} ${ns}/${name} (have ${[...inNamespace(ev, type, ns).keys()].join(", ")})`);
    return r;
}

describe("Application on the dev stack with the shop example", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateWithShop();
    });

    it("says how to reach each application's ingress: its first named host on the gateway's address", () => {
        const shop = shopApplications().shop as { ingress: { hosts: string[] } };
        const outputs = render(ev).outputs;
        const gateway = outputs.gateway as { url: string };
        const ingress = outputs.applicationIngress as Record<
            string,
            { url: string; requestUrl: string; hostHeader?: string; curl: string }
        >;
        // Bookinfo keeps its own output (productPage); only the user's applications are listed.
        assert.deepStrictEqual(Object.keys(ingress), ["shop"]);
        const host = shop.ingress.hosts[0];
        assert.strictEqual(ingress.shop.hostHeader, host);
        assert.strictEqual(ingress.shop.requestUrl, `${gateway.url}/`);
        assert.match(ingress.shop.url, new RegExp(`^http://${host.replace(/\./g, "\\.")}(:\\d+)?/$`));
        assert.ok(ingress.shop.curl.includes(`-H 'Host: ${host}'`), ingress.shop.curl);
    });

    it("builds both Bookinfo and shop with the same component", () => {
        const apps = byType(ev, APPLICATION)
            .map((r) => r.name)
            .sort();
        assert.deepStrictEqual(apps, ["bookinfo", "shop"]);
        for (const app of byType(ev, APPLICATION)) {
            const children = ev.resources.filter((r) => r.parent === app.urn);
            assert.ok(children.length > 10, `${app.name}: ${children.length} children`);
            assert.ok(
                children.every((c) => c.name.startsWith(`${app.name}-`)),
                "children named after the application",
            );
        }
    });

    it("creates the shop namespace through the control plane, enrolled in the mesh, before any of its objects", () => {
        const ns = byType(ev, NAMESPACE).find((r) => meta(r).name === "shop");
        assert.ok(ns, "namespace shop");
        assert.strictEqual(nameOf(ev, ns.parent as string), "istio");
        assert.deepStrictEqual(meta(ns).labels, { "istio-injection": "enabled" });
        const shop = byType(ev, APPLICATION).find((r) => r.name === "shop") as CapturedResource;
        for (const r of ev.resources.filter((x) => x.parent === shop.urn)) {
            assert.ok(r.dependencies.includes(ns.urn), `${r.name} waits for the namespace`);
        }
    });

    it("gives each service an identity, a Deployment per version with app/version labels, probes and the restricted context, and a Service", () => {
        assert.deepStrictEqual(
            [...inNamespace(ev, "kubernetes:core/v1:ServiceAccount", "shop").keys()].sort(),
            ["cart", "web"],
        );
        assert.deepStrictEqual([...inNamespace(ev, DEPLOYMENT, "shop").keys()].sort(), [
            "cart-v1",
            "cart-v2",
            "web-v1",
        ]);
        const d = get(ev, DEPLOYMENT, "shop", "cart-v2").inputs.spec as {
            selector: { matchLabels: Record<string, string> };
            template: { spec: { serviceAccountName: string; containers: Record<string, any>[] } }; // eslint-disable-line @typescript-eslint/no-explicit-any
        };
        assert.deepStrictEqual(d.selector.matchLabels, { app: "cart", version: "v2" });
        const c = d.template.spec.containers[0];
        assert.strictEqual(d.template.spec.serviceAccountName, "cart");
        assert.strictEqual(c.image, "ghcr.io/acme/shop-cart:2.1.0");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080 }]);
        assert.deepStrictEqual(c.securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.ok(c.readinessProbe && c.livenessProbe && c.startupProbe);
        const resources = c.resources as { requests: { cpu?: string }; limits: { memory?: string } };
        assert.ok(resources.requests.cpu && resources.limits.memory);
        const svc = get(ev, SERVICE, "shop", "cart").inputs.spec as { selector: unknown; ports: unknown };
        assert.deepStrictEqual(svc.selector, { app: "cart" });
        assert.deepStrictEqual(svc.ports, [{ name: "http", port: 8080, targetPort: 8080 }]);
    });

    it("routes cart as described: canary header to v2, then 90/10 with timeout, retries and fault; subsets and resilience in its DestinationRule", () => {
        const vs = get(ev, VS, "shop", "cart").inputs.spec as VirtualServiceSpec;
        assert.deepStrictEqual(vs.http?.[0], {
            route: [{ destination: { host: "cart", subset: "v2" } }],
            match: [{ headers: { "x-canary": { exact: "true" } } }],
        });
        assert.deepStrictEqual(vs.http?.[1], {
            route: [
                { destination: { host: "cart", subset: "v1" }, weight: 90 },
                { destination: { host: "cart", subset: "v2" }, weight: 10 },
            ],
            fault: { delay: { fixedDelay: "2s", percentage: { value: 10 } } },
            timeout: "2s",
            retries: { attempts: 3, perTryTimeout: "500ms", retryOn: "5xx,reset" },
        });
        const dr = get(ev, DR, "shop", "cart").inputs.spec as DestinationRuleSpec;
        assert.deepStrictEqual(
            dr.subsets?.map((s) => [s.name, s.labels]),
            [
                ["v1", { version: "v1" }],
                ["v2", { version: "v2" }],
            ],
        );
        assert.deepStrictEqual(dr.trafficPolicy, {
            connectionPool: { tcp: { maxConnections: 100 } },
            outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s" },
        });
        // web has no routes: its VirtualService sends to every pod, as Kubernetes would.
        assert.deepStrictEqual((get(ev, VS, "shop", "web").inputs.spec as VirtualServiceSpec).http, [
            { route: [{ destination: { host: "web" } }] },
        ]);
        const cartVs = get(ev, VS, "shop", "cart");
        const deps = cartVs.dependsOn.map((u) => nameOf(ev, u));
        for (const d of ["shop-dr-cart", "shop-deploy-cart-v1", "shop-deploy-cart-v2", "istio-istiod"]) {
            assert.ok(deps.includes(d), `cart VirtualService waits for ${d}`);
        }
    });

    it("allows nothing but web -> cart and the ingress gateway -> web, by identity", () => {
        const policies = inNamespace(ev, AUTHZ, "shop");
        assert.deepStrictEqual([...policies.keys()].sort(), ["allow-nothing", "cart-callers", "web-ingress"]);
        assert.deepStrictEqual(policies.get("allow-nothing")?.inputs.spec, {});
        const from = (name: string) =>
            (
                policies.get(name)?.inputs.spec as {
                    rules: { from: { source: { serviceAccounts: string[] } }[] }[];
                }
            ).rules[0].from[0].source.serviceAccounts;
        assert.deepStrictEqual(from("cart-callers"), ["shop/web"]);
        assert.deepStrictEqual(from("web-ingress"), ["istio-ingress/istio-ingressgateway"]);
    });

    it("registers the egress host, and exposes web on the shared ingress gateway for its host", () => {
        const se = get(ev, SERVICE_ENTRY, "shop", "api-stripe-com").inputs.spec;
        assert.deepStrictEqual(se, {
            hosts: ["api.stripe.com"],
            exportTo: ["."],
            location: "MESH_EXTERNAL",
            resolution: "DNS",
            ports: [{ number: 443, name: "tls", protocol: "TLS" }],
        });
        const gw = get(ev, ISTIO_GATEWAY, "shop", "shop-gateway").inputs.spec as {
            selector: Record<string, string>;
            servers: { hosts: string[]; port: { number: number } }[];
        };
        const bookinfoGw = byType(ev, ISTIO_GATEWAY).find((r) => meta(r).name === "bookinfo-gateway");
        assert.deepStrictEqual(
            gw.selector,
            (bookinfoGw?.inputs.spec as { selector: unknown }).selector,
            "the shared gateway",
        );
        // dev's certificate covers bookinfo.localtest.me only: shop is served on plain HTTP.
        assert.deepStrictEqual(
            gw.servers.map((s) => [s.port.number, s.hosts]),
            [[80, ["shop.example.com"]]],
        );
        const route = get(ev, VS, "shop", "shop-ingress").inputs.spec as VirtualServiceSpec;
        assert.deepStrictEqual(route.gateways, ["shop-gateway"]);
        assert.deepStrictEqual(route.hosts, ["shop.example.com"]);
        assert.deepStrictEqual(route.http, [
            {
                match: [{ uri: { prefix: "/" } }],
                route: [{ destination: { host: "web", port: { number: 8080 } } }],
            },
        ]);
    });

    it("serves HTTPS for the application's hosts the certificate covers", async () => {
        const tls = await evaluateWithShop("dev", [
            { key: "tls.hosts[1]", value: "*.example.com" },
            { key: "tls.httpsRedirect", value: "true" },
        ]);
        const gw = get(tls, ISTIO_GATEWAY, "shop", "shop-gateway").inputs.spec as {
            servers: {
                hosts: string[];
                port: { number: number };
                tls?: { credentialName?: string; httpsRedirect?: boolean };
            }[];
        };
        assert.deepStrictEqual(
            gw.servers.map((s) => [
                s.port.number,
                s.hosts,
                s.tls?.httpsRedirect ?? false,
                s.tls?.credentialName !== undefined,
            ]),
            [
                [80, ["shop.example.com"], true, false],
                [443, ["shop.example.com"], false, true],
            ],
        );
    });

    it("validates every shop object against its schema, with unique names", async () => {
        const shop = byType(ev, APPLICATION).find((r) => r.name === "shop") as CapturedResource;
        const ours = ev.resources.filter((r) => r.parent === shop.urn).filter(isK8sObject);
        const manifests = render({ resources: ours, outputs: {} }).manifests;
        assert.strictEqual(manifests.length, 17);
        for (const m of manifests) {
            await validateObject(m);
        }
        const ids = manifests.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`);
        assert.deepStrictEqual(
            ids.filter((x, i) => ids.indexOf(x) !== i),
            [],
        );
    });

    it("exports the applications table, read back from the generated objects; shop/cart shows the canary and the split", () => {
        const rows = ev.outputs.applications as ApplicationRouteRow[];
        const shopRows = rows.filter((r) => r.application === "shop");
        const specs = <S>(type: string) =>
            byType(ev, type)
                .filter((r) => meta(r).namespace === "shop" && !meta(r).name.endsWith("-ingress"))
                .map((r) => ({ spec: r.inputs.spec as S }));
        const fromObjects = explainRoutes(
            specs<VirtualServiceSpec>(VS),
            specs<DestinationRuleSpec>(DR),
            undefined,
            true,
        );
        assert.deepStrictEqual(
            shopRows,
            JSON.parse(JSON.stringify(fromObjects.map((r) => ({ application: "shop", ...r })))),
        );
        const cart = Object.fromEntries(
            shopRows.filter((r) => r.service === "cart").map((r) => [r.request, r]),
        );
        assert.deepStrictEqual(Object.keys(cart), ["anonymous", "x-canary: true"]);
        assert.deepStrictEqual(cart.anonymous.versions, { v1: 90, v2: 10 });
        assert.strictEqual(cart.anonymous.fault, "delay 2s (10%)");
        assert.strictEqual(cart.anonymous.timeout, "2s");
        assert.strictEqual(cart.anonymous.retries, "3x 500ms on 5xx,reset");
        assert.deepStrictEqual(cart["x-canary: true"].versions, { v2: 100 });
        const web = shopRows.filter((r) => r.service === "web");
        assert.deepStrictEqual(
            web.map((r) => [r.versions, r.note]),
            [[{ v1: 100 }, "no subset: spread over all pods"]],
        );
        // Bookinfo's rows are the same as its own output, named.
        const bookinfoRows = rows
            .filter((r) => r.application === "bookinfo")
            .map(({ application, ...r }) => (void application, r));
        assert.deepStrictEqual(bookinfoRows, ev.outputs.bookinfoRoutes);
    });
});

describe("Bookinfo as an Application", () => {
    it("keeps its children's URNs: the component aliases its former type and the renamed egress objects their former names", async () => {
        const ev = await evaluateStack("dev", [
            { key: "bookinfo.routing[0]", value: "all-v1" },
            { key: "bookinfo.routing[1]", value: "details-v2" },
        ]);
        const aliases = formerEgressNames("bookinfo", (n, t) => pulumi.output(`${t}::${n}`));
        const children = ev.resources.filter((r) => r.name.startsWith("bookinfo-egress"));
        assert.deepStrictEqual(Object.keys(aliases).sort(), children.map((r) => r.name).sort());
        const old = await Promise.all(
            Object.values(aliases).map(
                (a) =>
                    new Promise<string>((resolve) =>
                        pulumi.output((a[0] as { parent: pulumi.Output<string> }).parent).apply((p) => {
                            resolve(`${p}/${String((a[0] as { name: string }).name)}`);
                        }),
                    ),
            ),
        );
        assert.deepStrictEqual(old.sort(), [
            `${FORMER_TYPE}::bookinfo/bookinfo-egress-entry`,
            `${FORMER_TYPE}::bookinfo/bookinfo-egress-route`,
            `${FORMER_TYPE}::bookinfo/bookinfo-egress-tls`,
        ]);
        const app = byType(ev, APPLICATION).find((r) => r.name === "bookinfo");
        assert.ok(app, "bookinfo is an Application");
    });
});
