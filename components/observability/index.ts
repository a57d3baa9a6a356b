import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { protectChartVolumes, protectOpts } from "../cluster/protection";
import { Gateway, Telemetry, VirtualService } from "../crds";
import { GatewayTls, ingressServers } from "../shared/ingress";
import type { IngressPorts } from "../istio/access";
import { MESH_DEFAULT_TELEMETRY, TRACING_PROVIDER, gatewaySelectorLabel, serviceFqdn } from "../shared/names";
import {
    PLAIN_EXPOSURE,
    Ui,
    UiAccess,
    UiExposure,
    accessAll,
    exposedHosts,
    exposedUis,
    httpsHosts,
    uiTarget,
} from "./access";
import { ChartSource, KIALI_OIDC_SECRET_KEY, ObservabilityConfig } from "./config";
import { DASHBOARD_CONFIGMAP, DASHBOARD_LABEL, DASHBOARD_READER_ROLE, dashboardUrlFiles } from "./dashboards";
import { GRAFANA, JAEGER, JAEGER_SERVICES, KIALI, PROMETHEUS } from "./endpoints";
import { KIALI_UI_VIEWER_ROLE, kialiViewerRules, viewerTokenSecretName } from "./viewers";
import {
    JAEGER_LABELS,
    JAEGER_PVC,
    jaegerConfigYaml,
    jaegerDeploymentSpec,
    jaegerServiceSpec,
} from "./jaeger";
import { grafanaValues, kialiValues, prometheusValues } from "./values";

export { parseObservabilityConfig } from "./config";
export type { ObservabilityConfig } from "./config";
export { UIS, exposedHosts, httpsHosts } from "./access";
export type { Ui, UiAccess } from "./access";

/** What this component needs from the control plane. */
export interface ControlPlaneRef {
    /** Istio is serving (CRDs, webhooks) once these exist. */
    ready: pulumi.Resource[];
    rootNamespace: pulumi.Output<string>;
}

/** The facts about the mesh the addons are wired to. */
export interface MeshFacts {
    /** `istio.rootNamespace`: where the addons run. */
    rootNamespace: string;
    /** `istio.version`: Grafana's dashboards are taken from this Istio release. */
    version: string;
    /** `gateway.name`: the ingress gateway release the UIs are exposed through. */
    gatewayName: string;
    /** `mesh.tracing.samplingPercent`, set by the mesh-default Telemetry. */
    tracingSamplingPercent: number;
}

export interface ObservabilityArgs {
    config: ObservabilityConfig;
    istio: MeshFacts;
    provider: k8s.Provider;
    controlPlane: ControlPlaneRef;
    /** With TLS on, the UIs exposed on named hosts are served over HTTPS with this certificate. */
    tls?: GatewayTls;
    /** The gateway's ports as a browser sees them (kind host ports, node ports...); 80/443 if unset. */
    ingressPorts?: IngressPorts;
    /** The OIDC client secret (required with the openid strategy). */
    kialiOidcClientSecret?: pulumi.Output<string>;
    /**
     * Whether this component creates the credential Secrets (Grafana admin, Kiali signing key and
     * OIDC secret). Off when manifests are written to a directory: the provider would write their
     * values there in plaintext, so they are provided out of band under the same names instead.
     * Defaults to true.
     */
    createSecrets?: boolean;
    /** `cluster.protect`: protect the data volumes (Jaeger's, and those the charts render). */
    protect?: boolean;
}

/** What the addon helpers share: naming, placement, provider, and the chart factory. */
interface AddonContext {
    name: string;
    ns: string;
    namespace: pulumi.Output<string>;
    k8sOpts: pulumi.CustomResourceOptions;
    ready: pulumi.Resource[];
    chart: (
        role: string,
        release: string,
        chart: string,
        source: ChartSource,
        values: object,
        dependsOn?: pulumi.Resource[],
    ) => k8s.helm.v4.Chart;
}

/** Name of the Gateway that exposes the UIs through the ingress gateway. */
export const UI_GATEWAY = "observability";
/** Suffix of that Gateway's server port names (http-observability, https-observability). */
const UI_SERVER_SUFFIX = "-observability";

/**
 * Prometheus, Grafana, Jaeger and Kiali in the Istio root namespace, wired to each other and to
 * the mesh: the tracing provider is switched on by a Telemetry resource, Kiali finds the other three
 * through URLs derived from the Services that exist, and every credential lives in a Secret.
 */
export class Observability extends pulumi.ComponentResource {
    /** Port-forward commands and URLs of every enabled UI. */
    public readonly access: Partial<Record<Ui, UiAccess>>;
    /** Kiali login tokens by viewer name (token strategy); each is a Pulumi secret. */
    public readonly kialiViewerTokens: Record<string, pulumi.Output<string>>;
    /** Grafana admin credentials (the password is a Pulumi secret). */
    public readonly grafanaAdmin?: { user: string; password: pulumi.Output<string> };

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:observability:Observability", name, {}, opts);
        const cfg = args.config;
        const istio = args.istio;
        const ns = istio.rootNamespace;
        const namespace = args.controlPlane.rootNamespace;
        const k8sOpts = { parent: this, provider: args.provider };
        const ready = args.controlPlane.ready;
        const protect = args.protect ?? false;
        const exposure: UiExposure = {
            secureHosts: args.tls ? httpsHosts(cfg) : [],
            ports: args.ingressPorts ?? PLAIN_EXPOSURE.ports,
        };

        // Every addon chart: a fixed release name (the Services Kiali and Grafana are pointed at
        // derive from it), in the root namespace, from its pinned source.
        const addonChart = (
            role: string,
            release: string,
            chart: string,
            source: ChartSource,
            values: object,
            dependsOn: pulumi.Resource[] = [],
        ) =>
            new k8s.helm.v4.Chart(
                `${name}-${role}`,
                {
                    name: release,
                    chart,
                    version: source.version,
                    repositoryOpts: { repo: source.repository },
                    namespace,
                    values,
                },
                { ...k8sOpts, dependsOn, transforms: [protectChartVolumes(protect)] },
            );

        if (cfg.prometheus.enabled) {
            addonChart(
                "prometheus",
                PROMETHEUS.release,
                "prometheus",
                cfg.prometheus.chart,
                prometheusValues(cfg),
            );
        }

        const createSecrets = args.createSecrets ?? true;
        let grafanaSecret: k8s.core.v1.Secret | undefined;
        if (cfg.grafana.enabled && createSecrets) {
            const password = new random.RandomPassword(
                `${name}-grafana-admin-password`,
                { length: 32, special: false },
                { parent: this },
            );
            grafanaSecret = new k8s.core.v1.Secret(
                `${name}-grafana-admin`,
                {
                    metadata: { name: GRAFANA.adminSecret, namespace },
                    type: "Opaque",
                    stringData: {
                        [GRAFANA.userKey]: GRAFANA.adminUser,
                        [GRAFANA.passwordKey]: password.result,
                    },
                },
                k8sOpts,
            );
            this.grafanaAdmin = { user: GRAFANA.adminUser, password: pulumi.secret(password.result) };
        }
        if (cfg.grafana.enabled) {
            const dashboards = this.grafanaDashboards(name, cfg, istio, namespace, k8sOpts);
            addonChart(
                "grafana",
                GRAFANA.release,
                "grafana",
                cfg.grafana.chart,
                grafanaValues(cfg, ns, exposure),
                [...(grafanaSecret ? [grafanaSecret] : []), ...dashboards],
            );
        }

        let collector: k8s.core.v1.Service | undefined;
        if (cfg.jaeger.enabled) {
            collector = this.jaeger(name, cfg, namespace, k8sOpts, protect);
            new Telemetry(
                `${name}-telemetry`,
                {
                    metadata: { name: MESH_DEFAULT_TELEMETRY, namespace },
                    spec: {
                        tracing: [
                            {
                                providers: [{ name: TRACING_PROVIDER }],
                                randomSamplingPercentage: istio.tracingSamplingPercent,
                            },
                        ],
                    },
                },
                { ...k8sOpts, dependsOn: [...ready, collector] },
            );
        }

        this.kialiViewerTokens = {};
        if (cfg.kiali.enabled) {
            this.kiali(
                { name, ns, namespace, k8sOpts, ready, chart: addonChart },
                cfg,
                grafanaSecret,
                exposure,
                createSecrets ? args.kialiOidcClientSecret : undefined,
                createSecrets,
            );
        }

        this.expose(name, cfg, istio, namespace, k8sOpts, ready, args.tls);

        this.access = accessAll(cfg, ns, exposure);
        this.registerOutputs({
            access: this.access,
            kialiViewerTokens: this.kialiViewerTokens,
            grafanaAdmin: this.grafanaAdmin,
        });
    }

    /**
     * What Grafana's dashboard sidecar reads: the ConfigMap of dashboard URLs it downloads, and the
     * Role that lets it (and nothing more) read ConfigMaps in this namespace.
     */
    private grafanaDashboards(
        name: string,
        cfg: ObservabilityConfig,
        istio: MeshFacts,
        namespace: pulumi.Output<string>,
        k8sOpts: pulumi.CustomResourceOptions,
    ): pulumi.Resource[] {
        const role = new k8s.rbac.v1.Role(
            `${name}-grafana-dashboard-reader`,
            {
                metadata: { name: DASHBOARD_READER_ROLE, namespace },
                rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
            },
            k8sOpts,
        );
        const urls = new k8s.core.v1.ConfigMap(
            `${name}-grafana-dashboards`,
            {
                metadata: {
                    name: DASHBOARD_CONFIGMAP,
                    namespace,
                    labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value },
                },
                data: dashboardUrlFiles(istio.version, cfg.grafana.dashboardsSource),
            },
            k8sOpts,
        );
        return [role, urls];
    }

    private jaeger(
        name: string,
        cfg: ObservabilityConfig,
        namespace: pulumi.Output<string>,
        k8sOpts: pulumi.CustomResourceOptions,
        protect: boolean,
    ): k8s.core.v1.Service {
        const s = cfg.jaeger;
        const labels = { ...JAEGER_LABELS };
        const configYaml = jaegerConfigYaml(s);
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-jaeger-config`,
            {
                metadata: { name: JAEGER.configMap, namespace, labels },
                data: { [JAEGER.configFile]: configYaml },
            },
            k8sOpts,
        );
        const deps: pulumi.Resource[] = [configMap];
        if (s.persistence.enabled) {
            deps.push(
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-jaeger-data`,
                    {
                        metadata: { name: JAEGER_PVC, namespace, labels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: s.persistence.size } },
                            ...(s.persistence.storageClass !== undefined
                                ? { storageClassName: s.persistence.storageClass }
                                : {}),
                        },
                    },
                    { ...k8sOpts, ...protectOpts(protect) },
                ),
            );
        }
        new k8s.apps.v1.Deployment(
            `${name}-jaeger`,
            {
                metadata: { name: JAEGER.app, namespace, labels },
                spec: jaegerDeploymentSpec(s, configYaml),
            },
            { ...k8sOpts, dependsOn: deps },
        );
        const service = (role: keyof typeof JAEGER_SERVICES): k8s.core.v1.Service =>
            new k8s.core.v1.Service(
                `${name}-jaeger-${role}`,
                {
                    metadata: { name: JAEGER_SERVICES[role].name, namespace, labels },
                    spec: jaegerServiceSpec(JAEGER_SERVICES[role]),
                },
                k8sOpts,
            );
        service("query");
        service("zipkin");
        return service("collector");
    }

    private kiali(
        ctx: AddonContext,
        cfg: ObservabilityConfig,
        grafanaSecret: k8s.core.v1.Secret | undefined,
        exposure: UiExposure,
        oidcClientSecret: pulumi.Output<string> | undefined,
        createSecrets: boolean,
    ): void {
        const { name, ns, namespace, k8sOpts, ready } = ctx;
        const k = cfg.kiali;
        const secrets: pulumi.Resource[] = [];
        if (createSecrets) {
            const signingKey = new random.RandomPassword(
                // AES-256 needs exactly 32 bytes; alphanumerics are one byte each.
                `${name}-kiali-signing-key`,
                { length: 32, special: false },
                { parent: this },
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
        if (grafanaSecret) {
            secrets.push(grafanaSecret);
        }
        if (k.strategy === "openid" && createSecrets) {
            const clientSecret = oidcClientSecret;
            if (clientSecret === undefined) {
                throw new pulumi.ResourceError(`the openid strategy needs ${KIALI_OIDC_SECRET_KEY}`, this);
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
        ctx.chart("kiali", KIALI.release, "kiali-server", k.chart, kialiValues(cfg, ns, exposure), [
            ...ready,
            ...secrets,
        ]);

        if (k.strategy !== "token") {
            return;
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
            this.kialiViewerTokens[viewer] = pulumi.secret(
                token.data.apply((d) => (d?.token ? Buffer.from(d.token, "base64").toString("utf8") : "")),
            );
        }
    }

    /** Gateway and routes for the UIs exposed through the ingress gateway. */
    private expose(
        name: string,
        cfg: ObservabilityConfig,
        istio: MeshFacts,
        namespace: pulumi.Output<string>,
        k8sOpts: pulumi.CustomResourceOptions,
        ready: pulumi.Resource[],
        tls: GatewayTls | undefined,
    ): void {
        const meshOpts = { ...k8sOpts, dependsOn: [...ready, ...(tls?.dependsOn ?? [])] };
        const exposed = exposedUis(cfg);
        if (exposed.length === 0) {
            return;
        }
        const hosts = exposedHosts(cfg);
        const selector = { istio: gatewaySelectorLabel(istio.gatewayName) };
        const secure = tls ? httpsHosts(cfg) : [];
        const spec =
            tls && secure.length > 0
                ? pulumi.output(tls.credentialName).apply((credentialName) => ({
                      selector,
                      servers: ingressServers(
                          hosts,
                          { credentialName, hosts: secure, httpsRedirect: tls.httpsRedirect },
                          UI_SERVER_SUFFIX,
                      ),
                  }))
                : { selector, servers: ingressServers(hosts, undefined, UI_SERVER_SUFFIX) };
        const gateway = new Gateway(
            `${name}-gateway`,
            { metadata: { name: UI_GATEWAY, namespace }, spec },
            meshOpts,
        );
        for (const ui of exposed) {
            const t = uiTarget(ui);
            new VirtualService(
                `${name}-${ui}-route`,
                {
                    metadata: { name: `${ui}-ui`, namespace },
                    spec: {
                        hosts: [cfg[ui].ingress.host],
                        gateways: [UI_GATEWAY],
                        http: [
                            {
                                name: ui,
                                match: [{ uri: { prefix: t.path } }],
                                route: [
                                    {
                                        destination: {
                                            host: serviceFqdn(t.service, istio.rootNamespace),
                                            port: { number: t.servicePort },
                                        },
                                    },
                                ],
                            },
                        ],
                    },
                },
                { ...meshOpts, dependsOn: [...ready, gateway] },
            );
        }
    }
}
