/**
 * Helm values for Istio's base, istiod and gateway charts, built from the typed stack config.
 *
 * Pure functions, so every environment's values can be asserted on without the Pulumi engine. The
 * key paths are the ones the 1.30 charts read (see README "Istio charts" for the reasoning).
 */
import {
    GATEWAY_PORTS,
    ISTIO_INGRESS_CLASS,
    JAEGER_COLLECTOR,
    TRACING_PROVIDER,
    gatewaySelectorLabel,
    revisionName,
    serviceFqdn,
} from "../shared/names";
import { K8sResources, k8sResources } from "../shared/resources";
import type { AmbientSettings } from "./config";
import { ControlPlaneRevision, ControlPlaneSettings, EgressGatewaySettings, ScalingSettings } from "./config";

export interface TopologySpreadConstraint {
    maxSkew: number;
    topologyKey: string;
    whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule";
    labelSelector: { matchLabels: Record<string, string> };
}

export interface BaseValues {
    defaultRevision: string;
    global: { istioNamespace: string };
    base: { validationFailurePolicy: "Fail" };
}

export interface MeshConfigValues {
    accessLogFile: string;
    accessLogEncoding: "TEXT" | "JSON";
    enableTracing: boolean;
    outboundTrafficPolicy: { mode: "ALLOW_ANY" | "REGISTRY_ONLY" };
    extensionProviders: { name: string; opentelemetry: { service: string; port: number } }[];
    defaultConfig: { holdApplicationUntilProxyStarts: boolean };
    ingressClass: string;
    ingressControllerMode: "STRICT";
    ingressSelector: string;
    ingressService: string;
}

export interface IstiodValues {
    /** "ambient" in ambient mode: the chart merges files/profile-ambient.yaml under these values. */
    profile?: "ambient";
    revision: string;
    global: {
        istioNamespace: string;
        proxy: { resources: K8sResources };
        /** Multi-cluster identity (istiod chart values.yaml `global.meshID`, `multiCluster`, `network`). */
        meshID?: string;
        multiCluster?: { clusterName: string };
        network?: string;
    };
    base: { validationFailurePolicy: "Fail" };
    pilot: {
        autoscaleEnabled: boolean;
        autoscaleMin: number;
        autoscaleMax: number;
        replicaCount: number;
        resources: K8sResources;
        traceSampling: number;
        topologySpreadConstraints: TopologySpreadConstraint[];
    };
    meshConfig: MeshConfigValues;
}

export interface GatewayServicePort {
    name: string;
    port: number;
    targetPort: number;
    protocol: "TCP";
    nodePort?: number;
}

/** Only top-level keys that the gateway chart's values.schema.json allows (it rejects others). */
export interface GatewayValues {
    revision: string;
    service: { type: string; ports: GatewayServicePort[] };
    autoscaling: {
        enabled: boolean;
        minReplicas: number;
        maxReplicas: number;
        targetCPUUtilizationPercentage: number;
    };
    replicaCount: number;
    resources: K8sResources;
    podDisruptionBudget: { minAvailable?: number };
    topologySpreadConstraints: TopologySpreadConstraint[];
}

/** Spread across hosts and zones, preferring (not requiring) it, so a small cluster still schedules. */
export function spreadConstraints(
    s: ScalingSettings,
    matchLabels: Record<string, string>,
): TopologySpreadConstraint[] {
    if (!s.topologySpread) {
        return [];
    }
    return ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway" as const,
        labelSelector: { matchLabels },
    }));
}

/** Release name of istiod for a revision; the chart names its objects `istiod[-<revision>]`. */
export function istiodReleaseName(revision: string | undefined): string {
    return revision === undefined ? "istiod" : `istiod-${revision}`;
}

/** The charts' `revision` value: empty (their default) for the default revision. */
function chartRevision(revision: string | undefined): string {
    return revision ?? "";
}

/** Orders chart versions (semver: numeric core, then a release above its pre-releases). */
export function compareChartVersions(a: string, b: string): number {
    const split = (v: string): [number[], string] => {
        const [core, ...pre] = v.split("-");
        return [core.split(".").map(Number), pre.join("-")];
    };
    const [ca, pa] = split(a);
    const [cb, pb] = split(b);
    for (let i = 0; i < 3; i++) {
        if (ca[i] !== cb[i]) {
            return ca[i] - cb[i];
        }
    }
    if (pa === pb) {
        return 0;
    }
    if (pa === "" || pb === "") {
        return pa === "" ? 1 : -1;
    }
    return pa < pb ? -1 : 1;
}

/**
 * The base chart (CRDs, default validator) at the newest installed control-plane version: Istio's
 * canary upgrade upgrades base before installing the new istiod, whose CRD fields must exist.
 */
export function baseChartVersion(cfg: ControlPlaneSettings): string {
    const versions = [cfg.primary.version, ...(cfg.canary ? [cfg.canary.version] : [])];
    return versions.reduce((newest, v) => (compareChartVersions(v, newest) > 0 ? v : newest));
}

export function baseValues(cfg: ControlPlaneSettings): BaseValues {
    return {
        defaultRevision: revisionName(cfg.primary.revision),
        global: { istioNamespace: cfg.rootNamespace },
        // Chart v4 renders as a fresh install every time, which would flip the validators between
        // Ignore and the Fail that istiod sets at runtime; pinning Fail removes that drift.
        base: { validationFailurePolicy: "Fail" },
    };
}

export function meshConfig(cfg: ControlPlaneSettings): MeshConfigValues {
    return {
        accessLogFile: cfg.mesh.accessLogging ? "/dev/stdout" : "",
        accessLogEncoding: "TEXT",
        enableTracing: true,
        outboundTrafficPolicy: { mode: cfg.mesh.outboundTrafficPolicy },
        extensionProviders: [
            {
                name: TRACING_PROVIDER,
                opentelemetry: {
                    service: serviceFqdn(JAEGER_COLLECTOR.service, cfg.rootNamespace),
                    port: JAEGER_COLLECTOR.otlpGrpcPort,
                },
            },
        ],
        // Applications that call out at start-up (ratings -> MongoDB) would fail under
        // REGISTRY_ONLY/STRICT if they started before their proxy.
        defaultConfig: { holdApplicationUntilProxyStarts: true },
        // Kubernetes Ingresses (cert-manager's HTTP-01 challenges) marked with this class are
        // served by the pods `ingressSelector` matches; Istio's default assumes the release
        // istio-ingressgateway. `ingressService` only feeds the Ingress status, which istiod looks
        // up in its own namespace (K8S_INGRESS_NS), so with the gateway in another namespace the
        // status stays empty; cert-manager does not read it.
        ingressClass: ISTIO_INGRESS_CLASS,
        ingressControllerMode: "STRICT",
        ingressSelector: gatewaySelectorLabel(cfg.gateway.name),
        ingressService: cfg.gateway.name,
    };
}

/** A cluster's place in a multi-cluster mesh, as istiod is told it. */
export interface ClusterIdentity {
    meshId: string;
    clusterName: string;
    network: string;
}

export function istiodValues(
    cfg: ControlPlaneSettings,
    cp: ControlPlaneRevision,
    identity?: ClusterIdentity,
): IstiodValues {
    const s = cfg.istiod;
    return {
        ...(cfg.dataPlane === "ambient" ? { profile: "ambient" as const } : {}),
        revision: chartRevision(cp.revision),
        global: {
            istioNamespace: cfg.rootNamespace,
            proxy: { resources: k8sResources(cfg.mesh.proxyResources) },
            // Every revision of a cluster's istiod shares its identity (istio.io multi-primary task).
            ...(identity
                ? {
                      meshID: identity.meshId,
                      multiCluster: { clusterName: identity.clusterName },
                      network: identity.network,
                  }
                : {}),
        },
        base: { validationFailurePolicy: "Fail" },
        pilot: {
            autoscaleEnabled: s.maxReplicas > s.replicas,
            autoscaleMin: s.replicas,
            autoscaleMax: s.maxReplicas,
            // Read by the chart only while autoscaling is off.
            replicaCount: s.replicas,
            resources: k8sResources(s.resources),
            traceSampling: cfg.mesh.tracingSamplingPercent,
            topologySpreadConstraints: spreadConstraints(s, {
                app: "istiod",
                "istio.io/rev": revisionName(cp.revision),
            }),
        },
        meshConfig: meshConfig(cfg),
    };
}

/** What the gateway chart's values read: the gateway settings and the primary revision. */
export type GatewaySizing = Pick<ControlPlaneSettings, "gateway" | "primary">;

export function gatewayValues(cfg: GatewaySizing): GatewayValues {
    const g = cfg.gateway;
    const nodePorts = g.serviceType === "ClusterIP" ? undefined : g.nodePorts;
    const port = (name: string, n: number, nodePort?: number): GatewayServicePort =>
        nodePort !== undefined && g.serviceType === "NodePort"
            ? { name, port: n, targetPort: n, protocol: "TCP", nodePort }
            : { name, port: n, targetPort: n, protocol: "TCP" };
    const s = g.scaling;
    return {
        revision: chartRevision(cfg.primary.revision),
        service: {
            type: g.serviceType,
            ports: [
                port("status-port", GATEWAY_PORTS.status),
                port("http2", GATEWAY_PORTS.http, nodePorts?.http),
                port("https", GATEWAY_PORTS.https, nodePorts?.https),
            ],
        },
        autoscaling: {
            enabled: s.maxReplicas > s.replicas,
            minReplicas: s.replicas,
            maxReplicas: s.maxReplicas,
            targetCPUUtilizationPercentage: 80,
        },
        replicaCount: s.replicas,
        resources: k8sResources(s.resources),
        // The chart renders the PDB only when more than one replica is guaranteed.
        podDisruptionBudget: s.replicas > 1 ? { minAvailable: 1 } : {},
        topologySpreadConstraints: spreadConstraints(s, { istio: gatewaySelectorLabel(g.name) }),
    };
}

/**
 * The istio-cni chart (`cni` in Istio's repository) in ambient mode. Its `profile: ambient` sets
 * `cni.ambient.enabled`, which templates/zzy_descope_legacy.yaml lifts to `ambient.enabled`
 * (istio/istio release-1.30 manifests/charts/istio-cni). A DaemonSet: sized, never replicated.
 * `resources` replaces the chart default in the template's merge, so requests are always set
 * (config requires them) and an empty limit means none (the chart sets no limit).
 */
export interface CniValues {
    profile: "ambient";
    revision: string;
    resources: K8sResources;
}

export function cniValues(cfg: ControlPlaneSettings, ambient: AmbientSettings): CniValues {
    return {
        profile: "ambient",
        revision: chartRevision(cfg.primary.revision),
        resources: k8sResources(ambient.cni.resources),
    };
}

/**
 * The ztunnel chart. `revision` names the istiod it takes certificates and xDS from
 * (`istiod[-<revision>].<istioNamespace>.svc:15012`, templates/daemonset.yaml); istiod trusts a
 * ztunnel named `ztunnel` in its own namespace unless told otherwise (istiod values
 * `trustedZtunnelNamespace`/`trustedZtunnelName`), so the release keeps the chart's default
 * resource name and is installed in the root namespace. Istio's Helm guide installs it without a
 * profile.
 */
export interface ZtunnelValues {
    revision: string;
    istioNamespace: string;
    resources: K8sResources;
}

export function ztunnelValues(cfg: ControlPlaneSettings, ambient: AmbientSettings): ZtunnelValues {
    return {
        revision: chartRevision(cfg.primary.revision),
        istioNamespace: cfg.rootNamespace,
        resources: k8sResources(ambient.ztunnel.resources),
    };
}

/**
 * The egress gateway: the same gateway chart and sizing as the ingress gateway, reachable only
 * from inside the cluster (ClusterIP; the mesh's sidecars send to it over mTLS), with the ports
 * Istio's egress-gateway tasks use (80 for TLS origination, 443 for passthrough).
 */
export function egressGatewayValues(cfg: ControlPlaneSettings, egress: EgressGatewaySettings): GatewayValues {
    const ingress = gatewayValues(cfg);
    const port = (name: string, n: number): GatewayServicePort => ({
        name,
        port: n,
        targetPort: n,
        protocol: "TCP",
    });
    return {
        ...ingress,
        service: {
            type: "ClusterIP",
            ports: [
                port("status-port", GATEWAY_PORTS.status),
                port("http2", GATEWAY_PORTS.http),
                port("https", GATEWAY_PORTS.https),
            ],
        },
        topologySpreadConstraints: spreadConstraints(cfg.gateway.scaling, {
            istio: gatewaySelectorLabel(egress.name),
        }),
    };
}
