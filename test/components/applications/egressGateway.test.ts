import * as assert from "assert";
import type {
    DestinationRuleSpec,
    GatewaySpec,
    ServiceEntrySpec,
    VirtualServiceSpec,
} from "../../../components/crds";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { applicationsOverride, evaluateWithShop } from "../../support/applications";
import { parseStackConfig } from "../../../config";
import { byType, configIssues, evaluateStack, nameOf, rawConfig } from "../../support/stacks";
import {
    CHART,
    DESTINATION_RULE as DR,
    ISTIO_GATEWAY,
    NAMESPACE,
    SERVICE_ENTRY,
    VIRTUAL_SERVICE as VS,
} from "../../support/types";

function find(ev: Evaluation, type: string, ns: string, name: string): CapturedResource {
    const found = byType(ev, type).filter((r) => {
        const m = r.inputs.metadata as { name: string; namespace?: string };
        return m.name === name && m.namespace === ns;
    });
    assert.strictEqual(found.length, 1, `${type} ${ns}/${name}`);
    return found[0];
}

describe("egress gateway (mesh.egressGateway.enabled)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateWithShop("dev", [
            { key: "mesh.egressGateway.enabled", value: "true" },
            { key: "bookinfo.routing[0]", value: "all-v1" },
            { key: "bookinfo.routing[1]", value: "details-v2" },
        ]);
    });

    it("installs a second gateway chart release at istio.version in its own namespace, cluster-internal, sized like the ingress gateway", () => {
        const charts = byType(ev, CHART);
        const egress = charts.find((c) => c.inputs.name === "istio-egressgateway");
        const ingress = charts.find((c) => c.inputs.name === "istio-ingressgateway");
        assert.ok(egress && ingress);
        assert.strictEqual(egress.inputs.chart, "gateway");
        assert.strictEqual(egress.inputs.version, ingress.inputs.version);
        assert.strictEqual(egress.inputs.namespace, "istio-egress");
        const values = egress.inputs.values as {
            service: { type: string; ports: { port: number }[] };
            resources: unknown;
        };
        assert.strictEqual(values.service.type, "ClusterIP");
        assert.deepStrictEqual(
            values.service.ports.map((p) => p.port),
            [15021, 80, 443],
        );
        assert.deepStrictEqual(values.resources, (ingress.inputs.values as { resources: unknown }).resources);
        assert.ok(
            egress.dependsOn.map((u) => nameOf(ev, u)).includes("istio-istiod"),
            "after istiod (injection)",
        );
        assert.ok(
            byType(ev, NAMESPACE).some(
                (n) => (n.inputs.metadata as { name: string }).name === "istio-egress",
            ),
        );
    });

    it("sends passthrough egress through it by SNI, as Istio's egress-gateway task does", () => {
        const se = find(ev, SERVICE_ENTRY, "shop", "api-stripe-com").inputs.spec as ServiceEntrySpec;
        assert.deepStrictEqual(se.exportTo, [".", "istio-egress"], "the gateway's proxy must see the host");
        const gw = find(ev, ISTIO_GATEWAY, "shop", "egress-api-stripe-com").inputs.spec as GatewaySpec;
        assert.deepStrictEqual(gw.selector, { istio: "egressgateway" });
        assert.deepStrictEqual(gw.servers?.[0].tls, { mode: "PASSTHROUGH" });
        const vs = find(ev, VS, "shop", "api-stripe-com-through-egress-gateway").inputs
            .spec as VirtualServiceSpec;
        assert.deepStrictEqual(vs.gateways, ["mesh", "egress-api-stripe-com"]);
        assert.deepStrictEqual(
            vs.tls?.map((t) => [t.match?.[0].gateways, t.route?.[0].destination.host]),
            [
                [["mesh"], "istio-egressgateway.istio-egress.svc.cluster.local"],
                [["egress-api-stripe-com"], "api.stripe.com"],
            ],
        );
        const dr = find(ev, DR, "shop", "egressgateway-for-api-stripe-com").inputs
            .spec as DestinationRuleSpec;
        assert.strictEqual(dr.host, vs.tls?.[0].route?.[0].destination.host);
        assert.deepStrictEqual(
            dr.subsets?.map((s) => s.name),
            [vs.tls?.[0].route?.[0].destination.subset],
        );
        for (const r of [find(ev, VS, "shop", "api-stripe-com-through-egress-gateway")]) {
            assert.ok(
                r.dependsOn.map((u) => nameOf(ev, u)).includes("istio-egress-gateway"),
                "waits for the gateway",
            );
        }
    });

    it("originates TLS at the gateway for Bookinfo's Google Books egress: mTLS to the gateway, TLS from it", () => {
        const gw = find(ev, ISTIO_GATEWAY, "bookinfo", "egress-googleapis").inputs.spec as GatewaySpec;
        assert.deepStrictEqual(gw.servers?.[0].tls, { mode: "ISTIO_MUTUAL" });
        const via = find(ev, DR, "bookinfo", "egressgateway-for-googleapis").inputs
            .spec as DestinationRuleSpec;
        assert.deepStrictEqual(via.subsets?.[0].trafficPolicy?.portLevelSettings?.[0].tls, {
            mode: "ISTIO_MUTUAL",
            sni: "www.googleapis.com",
        });
        const vs = find(ev, VS, "bookinfo", "googleapis-through-egress-gateway").inputs
            .spec as VirtualServiceSpec;
        assert.deepStrictEqual(vs.http?.[1].route, [
            { destination: { host: "www.googleapis.com", port: { number: 443 } } },
        ]);
        const tls = find(ev, DR, "bookinfo", "originate-tls-for-googleapis").inputs
            .spec as DestinationRuleSpec;
        assert.deepStrictEqual(tls.exportTo, [".", "istio-egress"]);
        assert.deepStrictEqual(tls.trafficPolicy?.portLevelSettings?.[0].tls, {
            mode: "SIMPLE",
            sni: "www.googleapis.com",
        });
        // The sidecar no longer rewrites the port itself.
        assert.ok(
            !byType(ev, VS).some(
                (r) => (r.inputs.metadata as { name: string }).name === "rewrite-port-for-googleapis",
            ),
        );
    });

    it("protects its namespace where the stack protects the platform's (cluster.protect)", async () => {
        const prod = await evaluateStack("prod", [{ key: "mesh.egressGateway.enabled", value: "true" }]);
        const ns = byType(prod, NAMESPACE).find(
            (n) => (n.inputs.metadata as { name: string }).name === "istio-egress",
        );
        assert.strictEqual(ns?.protect, true);
    });

    it("is off by default, and keeps its namespace apart from the platform's and the applications'", () => {
        const plain = parseStackConfig(rawConfig("prod"), "prod");
        assert.ok(plain.ok);
        assert.strictEqual(plain.config.istio.egressGateway, undefined);
        const keys = (overrides: Record<string, string | boolean>) =>
            configIssues("dev", { "mesh.egressGateway.enabled": true, ...overrides }).map((x) => x.key);
        assert.deepStrictEqual(keys({ "mesh.egressGateway.namespace": "istio-ingress" }), [
            "mesh.egressGateway.namespace",
        ]);
        assert.deepStrictEqual(keys({ "bookinfo.namespace": "istio-egress" }), ["bookinfo.namespace"]);
        assert.deepStrictEqual(keys({ "mesh.namespaces[0]": "istio-egress" }), ["mesh.namespaces[0]"]);
        const app = {
            namespace: "istio-egress",
            services: { a: { image: "example.com/a", port: 80, versions: { v1: "1" } } },
        };
        const byPath = Object.fromEntries(applicationsOverride({ team: app }).map((o) => [o.key, o.value]));
        assert.deepStrictEqual(keys(byPath), ["applications.team.namespace"]);
    });
});
