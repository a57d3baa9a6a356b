/**
 * An application as data: what the {@link Application} component builds from. Nothing here knows
 * Istio's API; the builders (workloads.ts, routing.ts, access.ts, egress.ts, ingress.ts) turn it
 * into objects, so that another encoding of the same routes (Gateway API HTTPRoutes) can read the
 * same description.
 */
import type { DataPlane } from "../istio/config";

export type { DataPlane };

/** One string condition; exactly one of the three forms. */
export interface StringMatch {
    exact?: string;
    prefix?: string;
    regex?: string;
}

/** What a request must look like for a route to apply; every condition given must hold. */
export interface RouteMatch {
    /** Header name (lowercase) to condition; a user-agent regex is a `user-agent` header match. */
    headers?: Record<string, StringMatch>;
    uri?: StringMatch;
}

export interface RetryPolicy {
    attempts: number;
    /** Duration of one attempt (an Istio duration such as "500ms"). */
    perTryTimeout?: string;
    /** Envoy retry conditions, comma-separated ("5xx,reset"). */
    retryOn?: string;
}

export interface FaultPolicy {
    /** Inject latency into this share of the matched requests. */
    delay?: { fixedDelay: string; percent: number };
    /** Fail this share of the matched requests with an HTTP status, without calling the service. */
    abort?: { httpStatus: number; percent: number };
}

/** One HTTP rule of a service's routes; rules are tried in order, the first that matches wins. */
export interface Route {
    /** Absent: every request (the catch-all). */
    match?: RouteMatch;
    /** Version to weight; whole numbers adding up to 100. */
    weights: Record<string, number>;
    /** Upper bound for the whole call, retries included. */
    timeout?: string;
    retries?: RetryPolicy;
    fault?: FaultPolicy;
}

/** Connection pool and outlier detection of a service's DestinationRule. */
export interface Resilience {
    maxConnections?: number;
    outlierDetection?: {
        consecutive5xxErrors?: number;
        interval?: string;
        baseEjectionTime?: string;
    };
}

export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits?: { cpu?: string; memory?: string };
}

/** One Deployment of a service. */
export interface VersionSpec {
    /** The `version` label and subset name ("v1"). */
    name: string;
    /** Full image reference, tag included. */
    image: string;
    /** Its identity; versions of a service may share one or have their own. */
    serviceAccount: string;
    env: Record<string, string>;
    /** Services of the same application it calls (the access policies are derived from this). */
    calls: string[];
}

export const PROTOCOLS = ["http", "http2", "grpc", "tcp"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ServiceSpec {
    /** The Service name and the `app` label. */
    name: string;
    /** The Service port. */
    port: number;
    /** The container port (the Service's targetPort). */
    targetPort: number;
    protocol: Protocol;
    /** The Service port name; Istio reads the protocol from its prefix. */
    portName: string;
    versions: VersionSpec[];
    replicas: number;
    resources: ContainerResources;
    /** HTTP path the probes GET; undefined probes the port (TCP). */
    healthPath?: string;
    /** Writable paths on an otherwise image-owned filesystem (emptyDir volumes). */
    scratch: string[];
    annotations?: Record<string, string>;
    /** A fixed non-root uid, for images whose default user is root. */
    runAsUser?: number;
    args?: string[];
    /** Routes in order; undefined sends every request to the Service as Kubernetes would. */
    routes?: Route[];
    resilience?: Resilience;
    /** How its callers are allowed in (zero-trust). */
    callers?: {
        /** metadata.name of the ALLOW policy (default `<service>-callers`). */
        policyName?: string;
        /** HTTP methods allowed (default: any). */
        methods?: string[];
    };
}

export const EGRESS_TLS = ["passthrough", "originate"] as const;
export type EgressTls = (typeof EGRESS_TLS)[number];

/** An external host the application calls. */
export interface EgressSpec {
    /** Base of the objects' names (`api-stripe-com`). */
    name: string;
    host: string;
    /** The TLS port of the host. */
    port: number;
    /**
     * passthrough: the app speaks TLS itself; originate: the app speaks plain HTTP to port 80 and
     * the sidecar (or the egress gateway) opens TLS to `port`.
     */
    tls: EgressTls;
}

export interface IngressSpec {
    service: string;
    /** Hosts the Gateway and its route answer for ("*" = any). */
    hosts: string[];
    /** Request paths sent to the service. */
    paths: { exact?: string; prefix?: string }[];
    /** metadata.name of the Gateway (default `<application>-gateway`). */
    gatewayName?: string;
    /** metadata.name of the route (default `<application>-ingress`). */
    routeName?: string;
}

/** A DENY rule applied in every access mode: `service` refuses these ServiceAccounts. */
export interface DenyRule {
    name: string;
    service: string;
    serviceAccounts: string[];
}

export const ACCESS_MODES = ["open", "zero-trust"] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** A kind of request, named for the route table: the conditions it satisfies. */
export interface RequestProfile {
    name: string;
    headers: Record<string, string>;
    /** The request's path, when the profile is about one. */
    uri?: string;
    /** Header conditions known to hold without a concrete value (a regex match). */
    matchedHeaders?: Record<string, StringMatch>;
}

export interface ApplicationSpec {
    name: string;
    namespace: string;
    /**
     * Its data plane (from `mesh.dataPlane`): sidecar routing is VirtualServices and subsets;
     * ambient routing is HTTPRoutes to per-version Services on a waypoint (gamma.ts).
     */
    dataPlane: DataPlane;
    services: ServiceSpec[];
    ingress?: IngressSpec;
    access: AccessMode;
    denies: DenyRule[];
    egress: EgressSpec[];
    /** Request profiles always shown in the route table, next to those derived from the matches. */
    profiles?: RequestProfile[];
}

/** `<service>-<version>`: the Deployment name. */
export function deploymentName(service: string, version: string): string {
    return `${service}-${version}`;
}

/** Services routed by Istio's HTTP rules (a DestinationRule with subsets and a VirtualService). */
export function isHttp(s: ServiceSpec): boolean {
    return s.protocol !== "tcp";
}
