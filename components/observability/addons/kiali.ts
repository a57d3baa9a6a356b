/**
 * Kiali: its signing key (and OIDC client secret) in Secrets, the kiali-server chart wired to the
 * other addons, and, with the token strategy, the read-only viewer role and one token per viewer.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Addon } from "../addon";
import { KIALI_OIDC_SECRET_KEY } from "../config";
import { KIALI } from "../endpoints";
import { kialiValues } from "../values";
import { KIALI_UI_VIEWER_ROLE, kialiViewerRules, viewerTokenSecretName } from "../viewers";

export const kiali: Addon = {
    name: "kiali",
    enabled: (cfg) => cfg.kiali.enabled,
    build(ctx) {
        const { name, ns, namespace, k8sOpts, ready, createSecrets } = ctx;
        const k = ctx.config.kiali;
        const kialiViewerTokens: Record<string, pulumi.Output<string>> = {};
        const secrets: pulumi.Resource[] = [];
        if (createSecrets) {
            const signingKey = new random.RandomPassword(
                // AES-256 needs exactly 32 bytes; alphanumerics are one byte each.
                `${name}-kiali-signing-key`,
                { length: 32, special: false },
                { parent: ctx.parent },
            );
            secrets.push(
                new k8s.core.v1.Secret(
                    `${name}-kiali-signing-key`,
                    {
                        metadata: { name: KIALI.signingKeySecret, namespace },
                        type: "Opaque",
                        stringData: { [KIALI.signingKeyKey]: signingKey.result },
                    },
                    k8sOpts,
                ),
            );
        }
        if (ctx.shared.grafanaAdminSecret) {
            secrets.push(ctx.shared.grafanaAdminSecret);
        }
        if (k.strategy === "openid" && createSecrets) {
            const clientSecret = ctx.kialiOidcClientSecret;
            if (clientSecret === undefined) {
                throw new pulumi.ResourceError(
                    `the openid strategy needs ${KIALI_OIDC_SECRET_KEY}`,
                    ctx.parent,
                );
            }
            secrets.push(
                new k8s.core.v1.Secret(
                    `${name}-kiali-oidc`,
                    {
                        metadata: { name: KIALI.oidcSecret, namespace },
                        type: "Opaque",
                        stringData: {
                            [KIALI.oidcSecretKey]: clientSecret.apply((v) => {
                                if (v === "") {
                                    throw new Error(
                                        `${KIALI_OIDC_SECRET_KEY} is empty; set it with pulumi config set --secret`,
                                    );
                                }
                                return v;
                            }),
                        },
                    },
                    k8sOpts,
                ),
            );
        }
        ctx.chart(
            "kiali",
            KIALI.release,
            "kiali-server",
            k.chart,
            kialiValues(ctx.config, ns, ctx.exposure),
            [...ready, ...secrets],
        );

        if (k.strategy !== "token") {
            return { kialiViewerTokens };
        }
        // The viewers' role: the stack's own, read-only (./viewers). Created with the token
        // strategy whether or not viewers are configured, for tokens made with `kubectl create token`.
        const viewerRole = new k8s.rbac.v1.ClusterRole(
            `${name}-kiali-ui-viewer`,
            { metadata: { name: KIALI_UI_VIEWER_ROLE }, rules: kialiViewerRules(k.viewerPortForward) },
            k8sOpts,
        );
        for (const viewer of k.viewers) {
            const saName = `${KIALI.viewerRole}-${viewer}`;
            const sa = new k8s.core.v1.ServiceAccount(
                `${name}-kiali-viewer-${viewer}`,
                { metadata: { name: saName, namespace } },
                k8sOpts,
            );
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-kiali-viewer-${viewer}`,
                {
                    metadata: { name: saName },
                    roleRef: {
                        apiGroup: "rbac.authorization.k8s.io",
                        kind: "ClusterRole",
                        name: k.viewerRole,
                    },
                    subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
                },
                { ...k8sOpts, dependsOn: k.viewerRole === KIALI_UI_VIEWER_ROLE ? [viewerRole] : [] },
            );
            // A legacy token Secret never expires (the API has no lifetime for it) and a
            // TokenRequest cannot be made through a provider resource; the honest lifetime is a
            // rotation: a new `tokenRotation` names a new Secret, the replacement deletes the old
            // one, and the API server rejects its token from then on.
            const token = new k8s.core.v1.Secret(
                `${name}-kiali-viewer-${viewer}-token`,
                {
                    metadata: {
                        name: viewerTokenSecretName(saName, k.tokenRotation),
                        namespace,
                        annotations: { "kubernetes.io/service-account.name": sa.metadata.name },
                    },
                    type: "kubernetes.io/service-account-token",
                },
                { ...k8sOpts, dependsOn: [sa] },
            );
            kialiViewerTokens[viewer] = pulumi.secret(
                token.data.apply((d) => (d?.token ? Buffer.from(d.token, "base64").toString("utf8") : "")),
            );
        }
        return { kialiViewerTokens };
    },
    login(cfg, _ns, ctx) {
        const stack = ctx.stack;
        const k = cfg.kiali;
        switch (k.strategy) {
            case "anonymous":
                return "no login: auth.strategy is anonymous";
            case "openid":
                return (
                    `log in with your OpenID account at ${k.openid?.issuerUri ?? "the issuer"} (client ${k.openid?.clientId ?? ""}); ` +
                    (k.openid?.disableRbac
                        ? "every user sees every namespace (openid.disableRbac)"
                        : "Kubernetes RBAC for your user decides what you see")
                );
            case "token":
                return k.viewers.length > 0
                    ? `paste a viewer token (${k.viewers.join(", ")}) from: pulumi stack output kialiViewerTokens --stack ${stack} --show-secrets`
                    : `no viewer tokens in this stack: add one with pulumi config set --path 'observability.kiali.auth.viewers[0]' VIEWER --stack ${stack}, ` +
                          `run npm run up -- ${stack}, then paste the token from: pulumi stack output kialiViewerTokens --stack ${stack} --show-secrets`;
        }
    },
};
