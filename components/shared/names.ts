/**
 * Names that more than one component relies on. Each is written once here, because a mismatch
 * between, say, the mesh config's tracing provider and the Telemetry resource that enables it fails
 * silently on a cluster (no traces, no error).
 */

/** Name of the mesh-config extension provider that exports traces to Jaeger. */
export const TRACING_PROVIDER = "jaeger";

/** The Jaeger collector Service (OTLP/gRPC) that the tracing provider sends spans to. */
export const JAEGER_COLLECTOR = { service: "jaeger-collector", otlpGrpcPort: 4317 } as const;

/** The conventional name of mesh-wide policies in the root namespace. */
export const MESH_DEFAULT_TELEMETRY = "mesh-default";
export const MESH_DEFAULT_PEER_AUTHENTICATION = "default";

/** Ports of the gateway chart's Service (80/443, not the 8080 of the upstream Bookinfo sample). */
export const GATEWAY_PORTS = { http: 80, https: 443, status: 15021 } as const;

/**
 * The name Istio gives the default revision wherever a revision must be named (`istio.io/rev`
 * values, istiod's `defaultRevision`, the `istioRevision` output); in the config it is left unset,
 * and in the program it is `undefined`.
 */
export const DEFAULT_REVISION = "default";

/** A revision as Istio names it: `undefined` (the default revision) is {@link DEFAULT_REVISION}. */
export function revisionName(revision: string | undefined): string {
    return revision ?? DEFAULT_REVISION;
}

/** The inverse of {@link revisionName}: {@link DEFAULT_REVISION} names the default revision. */
export function revisionFromName(name: string): string | undefined {
    return name === DEFAULT_REVISION ? undefined : name;
}

/** Namespace labels that select a control-plane revision (`undefined`: the default) for sidecar injection. */
export function injectionLabels(revision: string | undefined): Record<string, string> {
    return revision === undefined ? { "istio-injection": "enabled" } : { "istio.io/rev": revision };
}

/**
 * Namespace labels that enrol a namespace in the ambient data plane: the CNI node agent's default
 * `ambient.enablementSelectors` (istio/istio release-1.30 manifests/charts/istio-cni/values.yaml)
 * match pods in a namespace labelled this way. No `istio.io/rev` here: on a namespace it selects
 * a revision's sidecar injector, and a pod with a sidecar is left out of ambient capture.
 */
export const AMBIENT_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
    "istio.io/dataplane-mode": "ambient",
};

/** The labels that put an application namespace in the mesh, per data plane. */
export function meshNamespaceLabels(
    dataPlane: "sidecar" | "ambient",
    revision: string | undefined,
): Record<string, string> {
    return dataPlane === "ambient" ? { ...AMBIENT_NAMESPACE_LABELS } : injectionLabels(revision);
}

/** The `istio=` label value the gateway chart gives its pods: the release name without "istio-". */
export function gatewaySelectorLabel(releaseName: string): string {
    return releaseName.replace(/^istio-/, "");
}

/** Fully qualified in-cluster DNS name of a Service. */
export function serviceFqdn(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}

/**
 * Ingress class istiod serves (mesh config `ingressClass`); cert-manager's HTTP-01 solver marks
 * its challenge Ingress with it so the ingress gateway answers Let's Encrypt.
 */
export const ISTIO_INGRESS_CLASS = "istio";

/**
 * The waypoint of an ambient namespace: a Gateway API `Gateway` of class `istio-waypoint`, named
 * as `istioctl waypoint apply` names it, and enrolled with the `istio.io/use-waypoint` label
 * (Istio docs, "Configure waypoint proxies"). Routing (HTTPRoutes) and L7 access policies
 * (`targetRefs`) in that namespace refer to it by this name.
 */
export const WAYPOINT = {
    name: "waypoint",
    gatewayClassName: "istio-waypoint",
    useLabel: "istio.io/use-waypoint",
} as const;

/** The label istiod reads the network of a workload, gateway or namespace from (multi-cluster). */
export const NETWORK_LABEL = "topology.istio.io/network";
