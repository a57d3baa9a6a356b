import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { protectChartVolumes } from "../cluster/protection";
import type { GatewayTls } from "../shared/ingress";
import type { IngressPorts } from "../istio/access";
import { PLAIN_EXPOSURE, Ui, UiAccess, UiExposure, accessAll, httpsHosts } from "./access";
import type { Addon, AddonContext, MeshFacts } from "./addon";
import { ADDONS, buildOrder } from "./addons";
import { exposeUis } from "./addons/exposure";
import { ChartSource, ObservabilityConfig } from "./config";

export { parseObservabilityConfig } from "./config";
export type { ObservabilityConfig } from "./config";
export { UIS, exposedHosts, httpsHosts } from "./access";
export type { Ui, UiAccess } from "./access";
export type { Addon, AddonContext, AddonOutputs, MeshFacts } from "./addon";
export { meshFacts } from "./addon";
export { ADDONS } from "./addons";
export { UI_GATEWAY } from "./addons/exposure";

/** What this component needs from the control plane. */
export interface ControlPlaneRef {
    /** Istio is serving (CRDs, webhooks) once these exist. */
    ready: pulumi.Resource[];
    rootNamespace: pulumi.Output<string>;
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
    /** The addons to build; {@link ADDONS} unless given (tests add their own). */
    addons?: readonly Addon[];
}

/**
 * Prometheus, Grafana, Jaeger and Kiali in the Istio root namespace, wired to each other and to
 * the mesh: the tracing provider is switched on by a Telemetry resource, Kiali finds the other three
 * through URLs derived from the Services that exist, and every credential lives in a Secret. Each
 * addon is a module of ./addons, built from one {@link AddonContext}; this component only iterates
 * the registry and exposes the UIs.
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
        const ns = args.istio.rootNamespace;
        const namespace = args.controlPlane.rootNamespace;
        const k8sOpts = { parent: this, provider: args.provider };
        const protect = args.protect ?? false;
        const createSecrets = args.createSecrets ?? true;
        const exposure: UiExposure = {
            secureHosts: args.tls ? httpsHosts(cfg) : [],
            ports: args.ingressPorts ?? PLAIN_EXPOSURE.ports,
        };
        const ctx: AddonContext = {
            name,
            parent: this,
            k8sOpts,
            ns,
            namespace,
            ready: args.controlPlane.ready,
            protect,
            createSecrets,
            config: cfg,
            mesh: args.istio,
            exposure,
            tls: args.tls,
            kialiOidcClientSecret: createSecrets ? args.kialiOidcClientSecret : undefined,
            shared: {},
            chart: (role, release, chart, source: ChartSource, values, dependsOn = []) =>
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
                ),
        };

        this.kialiViewerTokens = {};
        for (const addon of buildOrder<Addon>(args.addons ?? ADDONS)) {
            if (!addon.enabled(cfg)) {
                continue;
            }
            const out = addon.build(ctx) ?? {};
            if (out.grafanaAdmin) {
                this.grafanaAdmin = out.grafanaAdmin;
            }
            Object.assign(this.kialiViewerTokens, out.kialiViewerTokens);
        }

        exposeUis(ctx);

        this.access = accessAll(cfg, ns, exposure);
        this.registerOutputs({
            access: this.access,
            kialiViewerTokens: this.kialiViewerTokens,
            grafanaAdmin: this.grafanaAdmin,
        });
    }
}
