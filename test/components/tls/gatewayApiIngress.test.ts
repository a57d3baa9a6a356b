import * as assert from "assert";
import type { KubernetesGatewaySpec } from "../../../components/crds";
import type { ClusterIssuerSpec } from "../../../components/crds/certManager";
import { KubernetesGateway } from "../../../components/crds";
import { serviceFqdn } from "../../../components/shared/names";
import { Override } from "../../../tools/lib/stackFiles";
import { byType, configIssues, evaluateStack } from "../../support/stacks";
import { CHART, CLUSTER_ISSUER } from "../../support/types";

/** prod with Let's Encrypt switched on (it prepares it with tls.enabled false) and Gateway API ingress. */
const ACME = {
    "gateway.api": "gateway-api",
    "tls.enabled": "true",
    "tls.hosts[0]": "bookinfo.example.com",
    "tls.acme.email": "ops@example.com",
};
const overrides = (o: Record<string, string>): Override[] =>
    Object.entries(o).map(([key, value]) => ({ key, value }));

describe("cert-manager HTTP-01 with Gateway API ingress", () => {
    it("keeps the solver's Ingress on the pods the Gateways are bound to", async () => {
        const ev = await evaluateStack("prod", overrides(ACME));
        const issuer = byType(ev, CLUSTER_ISSUER)[0].inputs.spec as ClusterIssuerSpec;
        const solver = issuer.acme?.solvers?.[0]?.http01?.ingress;
        const istiod = byType(ev, CHART).find((c) => c.inputs.chart === "istiod");
        const mesh = (istiod?.inputs.values as { meshConfig: Record<string, string> }).meshConfig;
        // istiod serves Ingresses of this class on the pods of the Service named ingressService...
        assert.strictEqual(solver?.class, mesh.ingressClass);
        const svc = ev.outputs.gatewayService as { name: string; namespace: string };
        assert.strictEqual(mesh.ingressService, svc.name);
        // ...which is the Service every ingress Gateway is bound to.
        const gateways = byType(ev, KubernetesGateway.pulumiType);
        assert.ok(gateways.length > 0);
        for (const g of gateways) {
            assert.deepStrictEqual((g.inputs.spec as KubernetesGatewaySpec).addresses, [
                { type: "Hostname", value: serviceFqdn(svc.name, svc.namespace) },
            ]);
        }
    });

    it("still refuses the HTTPS redirect with acme: the redirect route would take the challenge's host", () => {
        const issues = configIssues("prod", { ...ACME, "tls.httpsRedirect": "true" });
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["tls.httpsRedirect"],
        );
        assert.match(issues[0].message, /acme-challenge/);
    });
});
