import * as assert from "assert";
import { GatewayTls, ingressTls } from "../../../components/shared/ingress";

const TLS: GatewayTls = {
    credentialName: "ingress-tls",
    hosts: ["bookinfo.example.com", "kiali.example.com", "*.example.com"],
    httpsRedirect: true,
};

describe("components/shared/ingress: which certificate hosts an ingress serves", () => {
    it("leaves a host another ingress names to that ingress when answering any host", () => {
        const named = ["kiali.example.com", "shop.example.com"];
        assert.deepStrictEqual(ingressTls(TLS, ["*"], named).hosts, [
            "bookinfo.example.com",
            "*.example.com",
        ]);
        // Everything else is kept as it was.
        assert.strictEqual(ingressTls(TLS, ["*"], named).credentialName, TLS.credentialName);
        assert.strictEqual(ingressTls(TLS, ["*"], named).httpsRedirect, TLS.httpsRedirect);
    });

    it("keeps its own named hosts, and changes nothing for an ingress on named hosts only", () => {
        const named = ["bookinfo.example.com", "kiali.example.com"];
        assert.deepStrictEqual(ingressTls(TLS, ["*", "bookinfo.example.com"], named).hosts, [
            "bookinfo.example.com",
            "*.example.com",
        ]);
        assert.strictEqual(ingressTls(TLS, ["kiali.example.com"], named), TLS);
        assert.deepStrictEqual(ingressTls(TLS, ["*"], []).hosts, TLS.hosts);
    });
});
