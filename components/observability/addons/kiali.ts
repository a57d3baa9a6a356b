/**
 * Kiali: its settings, its signing key (and OIDC client secret) in Secrets, the kiali-server chart
 * wired to the other addons, and, with the token strategy, the read-only viewer role and one token
 * per viewer.
 *
 * No secret ever enters the chart values: Kiali receives `secret:<name>:<key>` references that the
 * chart mounts, so the values stay reviewable in previews and renders.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ConfigReader, DNS_LABEL, SEMVER } from "../../../config/reader";
import { ChartResourceDefaults, ChartResources, chartResources, readResources } from "../../shared/resources";
import type { Addon } from "../addon";
import type { ObservabilityConfig } from "../config";
import { ISTIO_DASHBOARDS } from "../dashboards";
import { GRAFANA, KIALI, grafanaInternalUrl, jaegerQueryGrpcUrl, prometheusUrl } from "../endpoints";
import { PLAIN_EXPOSURE, UiTarget, targetBrowserOrigin, targetBrowserUrl } from "../links";
import { AddonResources, ChartSource, Ingress, ingressSwitch, readChart, readIngress } from "../settings";
import { NO_SIDECAR } from "../values";
import { KIALI_CHART_ROLES, KIALI_UI_VIEWER_ROLE, kialiViewerRules, viewerTokenSecretName } from "../viewers";
import { GRAFANA_UI } from "./grafana";
import { JAEGER_UI } from "./jaeger";

export const KIALI_STRATEGIES = ["token", "openid", "anonymous"] as const;
export type KialiStrategy = (typeof KIALI_STRATEGIES)[number];

export interface KialiOpenId {
    clientId: string;
    issuerUri: string;
    usernameClaim: string;
    disableRbac: boolean;
}

export interface KialiSettings {
    enabled: boolean;
    chart: ChartSource;
    strategy: KialiStrategy;
    /** One ServiceAccount with a long-lived token per name (token strategy). */
    viewers: string[];
    /** ClusterRole the viewers are bound to (by default the stack's own read-only role). */
    viewerRole: string;
    /** Also grant viewers pod port-forwarding (Kiali's proxy log-level control); off by default. */
    viewerPortForward: boolean;
    /** Part of the token Secrets' names: changing it replaces every viewer token. */
    tokenRotation?: string;
    openid?: KialiOpenId;
    resources: AddonResources;
    ingress: Ingress;
}

/** Top-level secret config key holding the Kiali OIDC client secret (read with getSecret). */
export const KIALI_OIDC_SECRET_KEY = "kialiOidcClientSecret";

/** `secret:<name>:<key>` references in Kiali values are mounted by the chart from this version on. */
export const KIALI_MIN_CHART = [2, 21] as const;

function parse(r: ConfigReader, p: string): KialiSettings {
    const source = readChart(r, p);
    const [major, minor] = source.version.split(".").map(Number);
    if (
        SEMVER.test(source.version) &&
        (major < KIALI_MIN_CHART[0] || (major === KIALI_MIN_CHART[0] && minor < KIALI_MIN_CHART[1]))
    ) {
        r.error(
            `${p}.chartVersion`,
            `${source.version} is too old; the signing key and Grafana credentials are mounted from Secrets by kiali-server ${KIALI_MIN_CHART.join(".")}.0 or later`,
        );
    }
    const given = r.string(`${p}.auth.strategy`);
    const strategy = KIALI_STRATEGIES.find((x) => x === given) ?? "token";
    if (strategy !== given) {
        const hint =
            given === "login" ? " (Kiali removed the username/passphrase login strategy in 1.23)" : "";
        r.error(
            `${p}.auth.strategy`,
            `${JSON.stringify(given)} is not allowed; allowed values: ${KIALI_STRATEGIES.join(", ")}${hint}`,
        );
    }
    const viewers = r.stringList(`${p}.auth.viewers`, {
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label (letters, digits, '-')",
    });
    const viewerRole = r.string(`${p}.auth.viewerRole`, {
        pattern: /^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/,
        patternHint: "a ClusterRole name such as kiali-viewer",
    });
    if (KIALI_CHART_ROLES.includes(viewerRole)) {
        r.error(
            `${p}.auth.viewerRole`,
            `${JSON.stringify(viewerRole)} is the kiali-server chart's role for Kiali's own ServiceAccount (it allows port-forwarding to any pod${viewerRole === KIALI_CHART_ROLES[0] ? " and writes" : ""}); ` +
                `leave the default (the stack's read-only kiali-ui-viewer) or name a ClusterRole of your own; for port-forwarding set ${p}.auth.viewerPortForward`,
        );
    }
    const viewerPortForward = r.bool(`${p}.auth.viewerPortForward`);
    const tokenRotation = r.optionalString(`${p}.auth.tokenRotation`, {
        pattern: /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/,
        patternHint: "a short lowercase label (at most 20 letters, digits or '-') such as 2026-12, or empty",
    });
    const clientId = r.string(`${p}.auth.openid.clientId`);
    const issuerUri = r.string(`${p}.auth.openid.issuerUri`, {
        pattern: /^https:\/\/\S+$/,
        patternHint: "an https:// issuer URL",
    });
    const usernameClaim = r.string(`${p}.auth.openid.usernameClaim`);
    const disableRbac = r.bool(`${p}.auth.openid.disableRbac`);
    const kiali: KialiSettings = {
        enabled: r.bool(`${p}.enabled`),
        chart: source,
        strategy,
        viewers,
        viewerRole,
        viewerPortForward,
        tokenRotation,
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: readIngress(r, p),
    };
    if (strategy === "openid") {
        kiali.openid = { clientId, issuerUri, usernameClaim, disableRbac };
        if (clientId === "") {
            r.error(`${p}.auth.openid.clientId`, 'must be set when auth.strategy is "openid"');
        }
        if (issuerUri === "") {
            r.error(`${p}.auth.openid.issuerUri`, 'must be set when auth.strategy is "openid"');
        }
        if (!r.isSet(KIALI_OIDC_SECRET_KEY)) {
            r.error(
                KIALI_OIDC_SECRET_KEY,
                `must be set when ${p}.auth.strategy is "openid": pulumi config set --secret ${KIALI_OIDC_SECRET_KEY} <client secret>`,
            );
        }
    }
    if (strategy !== "token" && viewers.length > 0) {
        r.error(
            `${p}.auth.viewers`,
            `viewer tokens are only used by the "token" strategy, not ${JSON.stringify(strategy)}`,
        );
    }
    if (strategy === "anonymous" && kiali.ingress.enabled) {
        r.error(
            `${p}.auth.strategy`,
            `"anonymous" is not allowed while ${p}.ingress.enabled is true: it would publish Kiali without a login`,
        );
    }
    return kiali;
}

/** Kiali's UI, under /kiali. */
export const KIALI_UI: UiTarget = {
    service: KIALI.instance,
    servicePort: KIALI.port,
    localPort: KIALI.port,
    path: KIALI.webRoot,
};

/**
 * The chart's `resources` default (an empty setting removes exactly this, see chartResources):
 * kiali/helm-charts v2.26.0 kiali-server/values.yaml `deployment.resources`.
 */
export const KIALI_RESOURCE_DEFAULTS: ChartResourceDefaults = {
    requests: { cpu: "10m", memory: "64Mi" },
    limits: { memory: "1Gi" },
};

export interface KialiDashboardRef {
    name: string;
    variables?: Record<string, string>;
}

export interface KialiValues {
    auth: {
        strategy: string;
        openid?: {
            client_id: string;
            issuer_uri: string;
            username_claim: string;
            disable_rbac: boolean;
        };
    };
    deployment: {
        instance_name: string;
        image_version: string;
        image_pull_policy: "IfNotPresent";
        pod_labels: Record<string, string>;
        cluster_wide_access: true;
        secret_name: string;
        resources: ChartResources;
    };
    login_token: { signing_key: string };
    clustering: { autodetect_secrets: { enabled: false } };
    server: { port: number; web_root: string };
    external_services: {
        prometheus: { url: string };
        grafana: {
            enabled: boolean;
            internal_url?: string;
            external_url?: string;
            datasource_uid?: string;
            auth?: { type: "basic"; username: string; password: string };
            dashboards?: KialiDashboardRef[];
        };
        tracing: {
            enabled: boolean;
            provider?: "jaeger";
            internal_url?: string;
            use_grpc?: true;
            external_url?: string;
        };
    };
}

/** A value that the kiali-server chart (>= 2.21) resolves by mounting that Secret key. */
export function secretRef(name: string, key: string): string {
    return `secret:${name}:${key}`;
}

export function kialiDashboards(): KialiDashboardRef[] {
    return ISTIO_DASHBOARDS.map((d) =>
        d.kialiVariables ? { name: d.title, variables: { ...d.kialiVariables } } : { name: d.title },
    );
}

/** `secureHosts`: the exposed hosts served over HTTPS, so Kiali's links use https:// for them. */
export function kialiValues(cfg: ObservabilityConfig, ns: string, exposure = PLAIN_EXPOSURE): KialiValues {
    const k = cfg.kiali;
    const grafana: KialiValues["external_services"]["grafana"] = cfg.grafana.enabled
        ? {
              enabled: true,
              internal_url: `${grafanaInternalUrl(ns)}${GRAFANA.path}`,
              external_url: targetBrowserOrigin(GRAFANA_UI, cfg.grafana.ingress, ns, exposure),
              datasource_uid: GRAFANA.datasourceUid,
              auth: {
                  type: "basic",
                  username: GRAFANA.adminUser,
                  password: secretRef(GRAFANA.adminSecret, GRAFANA.passwordKey),
              },
              dashboards: kialiDashboards(),
          }
        : { enabled: false };
    const tracing: KialiValues["external_services"]["tracing"] = cfg.jaeger.enabled
        ? {
              enabled: true,
              provider: "jaeger",
              internal_url: jaegerQueryGrpcUrl(ns),
              use_grpc: true,
              external_url: targetBrowserUrl(JAEGER_UI, cfg.jaeger.ingress, ns, exposure),
          }
        : { enabled: false };
    return {
        auth: {
            strategy: k.strategy,
            ...(k.openid
                ? {
                      openid: {
                          client_id: k.openid.clientId,
                          issuer_uri: k.openid.issuerUri,
                          username_claim: k.openid.usernameClaim,
                          disable_rbac: k.openid.disableRbac,
                      },
                  }
                : {}),
        },
        deployment: {
            instance_name: KIALI.instance,
            // The chart's image follows the chart version; pinning both keeps them paired.
            image_version: `v${k.chart.version}`,
            image_pull_policy: "IfNotPresent",
            pod_labels: { ...NO_SIDECAR },
            cluster_wide_access: true,
            secret_name: KIALI.oidcSecret,
            resources: chartResources(k.resources, KIALI_RESOURCE_DEFAULTS),
        },
        // Left empty, the chart would write a fresh random key into the ConfigMap on every render,
        // logging everyone out each `pulumi up`.
        login_token: { signing_key: secretRef(KIALI.signingKeySecret, KIALI.signingKeyKey) },
        // On (the default), the chart LISTs the namespace's Secrets while rendering and mounts any
        // labelled kiali.io/multiCluster=true, so a render depends on what exists at that moment
        // (kiali/helm-charts v2.26.0 templates/_helpers.tpl `kiali-server.remote-cluster-secrets`).
        clustering: { autodetect_secrets: { enabled: false } },
        server: { port: KIALI.port, web_root: KIALI.webRoot },
        external_services: {
            prometheus: { url: prometheusUrl(ns) },
            grafana,
            tracing,
        },
    };
}

export const kiali: Addon<"kiali", KialiSettings> = {
    name: "kiali",
    parse,
    requires: [{ addon: "prometheus", because: "its metrics come from that Prometheus" }],
    // It mounts Grafana's admin Secret (ctx.shared.grafanaAdminSecret).
    after: ["grafana"],
    switches: (p) => [
        ingressSwitch(p),
        {
            on: `${p}.auth.strategy`,
            active: (s) => s.strategy === "openid",
            when: '"openid"',
            settings: [`${p}.auth.openid`, KIALI_OIDC_SECRET_KEY],
        },
        {
            on: `${p}.auth.viewers`,
            active: (s) => s.viewers.length > 0,
            when: "a non-empty list",
            settings: [`${p}.auth.viewerRole`, `${p}.auth.viewerPortForward`, `${p}.auth.tokenRotation`],
        },
    ],
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
    ui: KIALI_UI,
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
