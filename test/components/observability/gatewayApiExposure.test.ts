import * as assert from "assert";
import type { HTTPRouteSpec, KubernetesGatewaySpec, ReferenceGrantSpec } from "../../../components/crds";
import { HTTPRoute, KubernetesGateway, ReferenceGrant } from "../../../components/crds";
import { UI_GATEWAY } from "../../../components/observability";
import { uiTarget } from "../../../components/observability/access";
import { serviceFqdn } from "../../../components/shared/names";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { Override } from "../../../tools/lib/stackFiles";
import { byType, evaluateStack, oneObject } from "../../support/stacks";
import { ISTIO_GATEWAY, VIRTUAL_SERVICE as VS } from "../../support/types";

const KIALI_HOST = "kiali.localtest.me";
/** Kiali on a named host served over HTTPS with a redirect; Grafana on any host. */
const EXPOSED: Override[] = [
    { key: "observability.kiali.ingress.enabled", value: "true" },
    { key: "observability.kiali.ingress.host", value: KIALI_HOST },
    { key: "observability.grafana.ingress.enabled", value: "true" },
    { key: "tls.hosts[1]", value: KIALI_HOST },
    { key: "tls.httpsRedirect", value: "true" },
];

function meta(r: CapturedResource): { name: string; namespace?: string } {
    return r.inputs.metadata as { name: string; namespace?: string };
}

const named = (ev: Evaluation, type: string, name: string) => oneObject(ev, type, name);

describe("observability UIs through a Gateway API Gateway (gateway.api: gateway-api)", () => {
    let istio: Evaluation;
    let ev: Evaluation;
    before(async () => {
        istio = await evaluateStack("dev", EXPOSED);
        ev = await evaluateStack("dev", [...EXPOSED, { key: "gateway.api", value: "gateway-api" }]);
    });

    it("serves the UIs from a Gateway of class istio on the chart-installed gateway, and no Istio Gateway", () => {
        assert.deepStrictEqual(byType(ev, ISTIO_GATEWAY), []);
        const gw = named(ev, KubernetesGateway.pulumiType, UI_GATEWAY);
        const root = meta(named(istio, ISTIO_GATEWAY, UI_GATEWAY)).namespace;
        assert.strictEqual(meta(gw).namespace, root, "where the Istio Gateway was: the addons' namespace");
        const s = gw.inputs.spec as KubernetesGatewaySpec;
        const svc = ev.outputs.gatewayService as { name: string; namespace: string };
        assert.strictEqual(s.gatewayClassName, "istio");
        assert.deepStrictEqual(s.addresses, [
            { type: "Hostname", value: serviceFqdn(svc.name, svc.namespace) },
        ]);
        assert.deepStrictEqual(
            s.listeners.map((l) => [l.protocol, l.hostname ?? "*"]),
            [
                ["HTTP", KIALI_HOST],
                ["HTTP", "*"],
                ["HTTPS", KIALI_HOST],
            ],
        );
    });

    it("routes each UI's path to its Service, Kiali over HTTPS only (its HTTP redirects)", () => {
        const listeners = (
            named(ev, KubernetesGateway.pulumiType, UI_GATEWAY).inputs.spec as KubernetesGatewaySpec
        ).listeners;
        const on = (route: string) =>
            ((named(ev, HTTPRoute.pulumiType, route).inputs.spec as HTTPRouteSpec).parentRefs ?? []).map(
                (p) => {
                    const l = listeners.find((x) => x.name === p.sectionName);
                    assert.ok(l, `${route}: no listener ${p.sectionName}`);
                    return [l.protocol, l.hostname ?? "*"];
                },
            );
        assert.deepStrictEqual(on("kiali-ui"), [["HTTPS", KIALI_HOST]]);
        assert.deepStrictEqual(on("grafana-ui"), [
            ["HTTP", "*"],
            ["HTTPS", KIALI_HOST],
        ]);
        assert.deepStrictEqual(on(`${UI_GATEWAY}-https-redirect`), [["HTTP", KIALI_HOST]]);
        for (const ui of ["kiali", "grafana"] as const) {
            const t = uiTarget(ui);
            const rule = (named(ev, HTTPRoute.pulumiType, `${ui}-ui`).inputs.spec as HTTPRouteSpec)
                .rules?.[0];
            assert.deepStrictEqual(rule?.matches, [{ path: { type: "PathPrefix", value: t.path } }]);
            assert.deepStrictEqual(rule?.backendRefs, [
                { group: "", kind: "Service", name: t.service, port: t.servicePort },
            ]);
            // The same Service and port the Istio VirtualService sent to.
            const vs = named(istio, VS, `${ui}-ui`).inputs.spec as {
                http: { route: { destination: { host: string; port: { number: number } } }[] }[];
            };
            const dest = vs.http[0].route[0].destination;
            assert.strictEqual(
                dest.host,
                serviceFqdn(t.service, meta(named(istio, VS, `${ui}-ui`)).namespace ?? ""),
            );
            assert.strictEqual(dest.port.number, t.servicePort);
        }
    });

    it("Bookinfo on any host leaves Kiali's named host to the UI Gateway, in both modes", () => {
        const bookinfo = byType(ev, KubernetesGateway.pulumiType).find(
            (g) => meta(g).name === "bookinfo-gateway",
        );
        const hostnames = (bookinfo?.inputs.spec as KubernetesGatewaySpec).listeners.map((l) => l.hostname);
        assert.ok(!hostnames.includes(KIALI_HOST), JSON.stringify(hostnames));
        assert.ok(hostnames.length > 1, "Bookinfo still serves its own certificate host");
        const istioBookinfo = byType(istio, ISTIO_GATEWAY).find((g) => meta(g).name === "bookinfo-gateway");
        const servers = (
            istioBookinfo?.inputs.spec as { servers: { hosts: string[]; tls?: { mode?: string } }[] }
        ).servers;
        const httpsHosts = servers.filter((x) => x.tls?.mode === "SIMPLE").flatMap((x) => x.hosts);
        assert.ok(httpsHosts.length > 0 && !httpsHosts.includes(KIALI_HOST), JSON.stringify(httpsHosts));
    });

    it("grants the certificate Secret to the addons' namespace, and keeps the observability output", () => {
        const grant = byType(ev, ReferenceGrant.pulumiType).find(
            (g) =>
                (g.inputs.spec as ReferenceGrantSpec).from[0].namespace ===
                meta(named(ev, KubernetesGateway.pulumiType, UI_GATEWAY)).namespace,
        );
        assert.ok(grant, "no grant for the UI Gateway's namespace");
        assert.strictEqual(
            meta(grant).namespace,
            (ev.outputs.gatewayService as { namespace: string }).namespace,
        );
        assert.deepStrictEqual(ev.outputs.observability, istio.outputs.observability);
    });
});
