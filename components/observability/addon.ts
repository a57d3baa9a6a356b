/**
 * The shape every observability addon has: a name (its `observability.<name>` config section and
 * its UI), how it reads its settings, whether the stack enables it, what it builds from one small
 * context, and its UI. The config parser, the Observability component and the UI access outputs
 * only iterate the registry (./addons), so a new addon is one module there plus its config keys.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "../../config/reader";
import type { GatewayApi, IstioConfig } from "../istio/config";
import type { GatewayTls } from "../shared/ingress";
import type { ObservabilityConfig } from "./config";
import type { UiExposure, UiTarget } from "./links";
import type { AddonSettings, ChartSource } from "./settings";

/** The facts about the mesh the addons are wired to. */
export interface MeshFacts {
    /** `istio.rootNamespace`: where the addons run. */
    rootNamespace: string;
    /** `istio.version`: Grafana's dashboards are taken from this Istio release. */
    version: string;
    /** `gateway.name`: the ingress gateway release the UIs are exposed through. */
    gatewayName: string;
    /** `gateway.namespace`: that gateway's namespace (and the ingress certificate's). */
    gatewayNamespace: string;
    /** `gateway.api`: the API the UIs' ingress is written in. */
    ingressApi: GatewayApi;
    /** `mesh.tracing.samplingPercent`, set by the mesh-default Telemetry. */
    tracingSamplingPercent: number;
}

/** The {@link MeshFacts} of the validated `istio.*`, `gateway.*` and `mesh.*` settings. */
export function meshFacts(
    istio: Pick<IstioConfig, "rootNamespace" | "primary" | "gateway" | "mesh" | "gatewayApi">,
): MeshFacts {
    return {
        rootNamespace: istio.rootNamespace,
        version: istio.primary.version,
        gatewayName: istio.gateway.name,
        gatewayNamespace: istio.gateway.namespace,
        ingressApi: istio.gatewayApi,
        tracingSamplingPercent: istio.mesh.tracingSamplingPercent,
    };
}

/** What an addon hands the component (and so the stack outputs). */
export interface AddonOutputs {
    /** Grafana admin credentials (the password is a Pulumi secret). */
    grafanaAdmin?: { user: string; password: pulumi.Output<string> };
    /** Kiali login tokens by viewer name (token strategy); each is a Pulumi secret. */
    kialiViewerTokens?: Record<string, pulumi.Output<string>>;
}

/** What the addons share: naming, placement, provider, settings, and the chart factory. */
export interface AddonContext {
    /** The component's name; children are `${name}-<role>`. */
    name: string;
    /** The Observability component, parent of every child. */
    parent: pulumi.Resource;
    /** `{ parent, provider }` for Kubernetes children. */
    k8sOpts: pulumi.CustomResourceOptions;
    /** The root namespace's name, as configured (for URLs and commands). */
    ns: string;
    /** The root namespace, once the control plane created it. */
    namespace: pulumi.Output<string>;
    /** Istio is serving (CRDs, webhooks) once these exist. */
    ready: pulumi.Resource[];
    /** `cluster.protect`: protect the data volumes. */
    protect: boolean;
    /** Whether the credential Secrets are created here (not when manifests go to a directory). */
    createSecrets: boolean;
    /** Every addon's settings: an addon links to the others (Kiali to Grafana and Jaeger). */
    config: ObservabilityConfig;
    mesh: MeshFacts;
    /** How the exposed UIs are reached through the ingress gateway. */
    exposure: UiExposure;
    /** With TLS on, the certificate the exposed UIs are served with. */
    tls?: GatewayTls;
    /** The Kiali OIDC client secret, when the Secrets are created here. */
    kialiOidcClientSecret?: pulumi.Output<string>;
    /** Resources earlier addons made for later ones (Kiali mounts Grafana's admin Secret). */
    shared: { grafanaAdminSecret?: k8s.core.v1.Secret };
    /**
     * An addon chart: a fixed release name (the Services Kiali and Grafana are pointed at derive
     * from it), in the root namespace, from its pinned source, named `${name}-<role>`.
     */
    chart(
        role: string,
        release: string,
        chart: string,
        source: ChartSource,
        values: object,
        dependsOn?: pulumi.Resource[],
    ): k8s.helm.v4.Chart;
}

/** How to log in to a UI, for the stack outputs and `npm run ui`. */
export interface LoginContext {
    /** The Pulumi stack, for the exact `pulumi stack output` commands. */
    stack: string;
    /** Whether the program created the credential Secrets (not when manifests go to a directory). */
    secretsCreated: boolean;
    /** `kubectl` with the stack's kubeconfig and context. */
    kubectl: string;
}

/** Another addon an addon cannot work without while both observability and it are enabled. */
export interface AddonRequirement {
    addon: string;
    /** Why, for the error message ("its metrics come from that Prometheus"). */
    because: string;
}

/**
 * A setting of an addon that only takes effect under another of its settings: a stack that sets it
 * while the switch is off is warned (config/effects.ts). Keys are full config paths.
 */
export interface AddonSwitch<Settings> {
    on: string;
    active(s: Settings): boolean;
    /** The value of `on` that turns them on, for the message. */
    when: string;
    settings: string[];
}

export interface Addon<Name extends string = string, Settings extends AddonSettings = AddonSettings> {
    /** The `observability.<name>` config section, and the UI's name in the access outputs. */
    name: Name;
    /** Reads and validates its `observability.<name>.*` keys (`prefix`), reporting on `r`. */
    parse(r: ConfigReader, prefix: string): Settings;
    requires?: readonly AddonRequirement[];
    /**
     * Its settings that only apply under another of its settings (its section's `enabled` is
     * implied), outermost first, for `prefix` = `observability.<name>`.
     */
    switches?(prefix: string): AddonSwitch<Settings>[];
    /** Addons built before it: it uses what they made (`ctx.shared`). */
    after?: readonly string[];
    enabled(cfg: ObservabilityConfig): boolean;
    build(ctx: AddonContext): AddonOutputs | void;
    /**
     * Its UI: the Service a port-forward reaches, and through the ingress gateway too when its
     * settings have `ingress`.
     */
    ui?: UiTarget;
    /** How to log in to its UI, for the stack outputs and `npm run ui` (none: no login). */
    login?(cfg: ObservabilityConfig, ns: string, ctx: LoginContext): string | undefined;
}
