import * as assert from "assert";
import { evaluateStack } from "../../support/stacks";

type UiOut = Record<string, { login?: string; portForward: string; namespace: string }>;

/** The login notes in the `observability` stack output, as each Kiali strategy and Grafana setup needs. */
describe("observability access outputs", () => {
    it("openid: Kiali's login names the issuer and the client instead of tokens", async () => {
        const issuer = "https://idp.example.com/realms/mesh";
        const ev = await evaluateStack("dev", [
            { key: "observability.kiali.auth.strategy", value: "openid" },
            { key: "observability.kiali.auth.viewers", value: "[]" },
            { key: "observability.kiali.auth.openid.clientId", value: "kiali" },
            { key: "observability.kiali.auth.openid.issuerUri", value: issuer },
            { key: "kialiOidcClientSecret", value: "oidc-client-secret-value", secret: true },
        ]);
        const login = (ev.outputs.observability as UiOut).kiali.login ?? "";
        assert.ok(login.includes(`OpenID account at ${issuer} (client kiali)`), login);
        assert.doesNotMatch(login, /kialiViewerTokens|oidc-client-secret-value/);
    });

    it("anonymous Kiali needs no login; without created Secrets, Grafana's password comes from the cluster", async () => {
        const ev = await evaluateStack("staging", [
            { key: "observability.kiali.auth.strategy", value: "anonymous" },
            { key: "observability.kiali.auth.viewers", value: "[]" },
            { key: "cluster.renderYamlTo", value: "/tmp/istio-mesh-render" },
        ]);
        const ui = ev.outputs.observability as UiOut;
        assert.strictEqual(ui.kiali.login, "no login: auth.strategy is anonymous");
        assert.strictEqual(ev.outputs.grafanaAdmin, undefined);
        assert.strictEqual(
            ui.grafana.login,
            `user admin, password from: kubectl -n ${ui.grafana.namespace} get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d`,
        );
        // Written manifests mean no cluster to read: the LoadBalancer address stays described.
        assert.match((ev.outputs.gateway as { url: string }).url, /^from Service /);
    });

    it("every UI's port-forward names the namespace it targets", async () => {
        const ev = await evaluateStack("prod");
        for (const [ui, a] of Object.entries(ev.outputs.observability as UiOut)) {
            assert.ok(a.portForward.includes(` -n ${a.namespace} port-forward `), `${ui}: ${a.portForward}`);
        }
    });
});
