import { ConfigReader, DNS_LABEL, SEMVER } from "../../config/reader";
import { DEFAULT_REVISION, revisionFromName, revisionName } from "../shared/names";
import { ResourceSettings, readResources } from "../shared/resources";

export type { ResourceSettings } from "../shared/resources";

export interface ScalingSettings {
    /** Minimum replicas. */
    replicas: number;
    /** Autoscaling is on when this is above `replicas`. */
    maxReplicas: number;
    topologySpread: boolean;
    resources: ResourceSettings;
}

export interface ControlPlaneRevision {
    /** Helm chart version, which is the Istio version. */
    version: string;
    /** `undefined` is Istio's default revision (the config leaves it empty). */
    revision: string | undefined;
}

export const GATEWAY_SERVICE_TYPES = ["LoadBalancer", "NodePort", "ClusterIP"] as const;
export type GatewayServiceType = (typeof GATEWAY_SERVICE_TYPES)[number];

export interface GatewaySettings {
    /** Helm release name; the gateway's resource names and its `istio=` label derive from it. */
    name: string;
    namespace: string;
    serviceType: GatewayServiceType;
    nodePorts: { http: number; https: number };
    scaling: ScalingSettings;
}

export const MTLS_MODES = ["STRICT", "PERMISSIVE"] as const;

/** `mesh.dataPlane`: sidecar proxies injected into pods, or ambient (ztunnel per node, waypoints). */
export const DATA_PLANES = ["sidecar", "ambient"] as const;
export type DataPlane = (typeof DATA_PLANES)[number];

/**
 * The data plane of one application's namespace (`bookinfo.dataPlane`, `applications.<app>.dataPlane`):
 * unset follows `mesh.dataPlane`. This is how a mesh migrates namespace by namespace (istio.io
 * "Migrate from sidecar to ambient"): the mesh goes ambient (ztunnel and istio-cni installed,
 * istiod still injects sidecars where asked), and each application follows when it is ready. The
 * reverse cannot work: an ambient namespace in a sidecar mesh would have nothing to capture its
 * traffic. Returns the data plane, or an error message for `key`.
 */
export function applicationDataPlane(
    value: unknown,
    mesh: DataPlane,
): { dataPlane: DataPlane } | { error: string } {
    if (value === undefined || value === "") {
        return { dataPlane: mesh };
    }
    if (!(DATA_PLANES as readonly unknown[]).includes(value)) {
        return {
            error: `${JSON.stringify(value)} is not allowed; allowed values: ${DATA_PLANES.join(", ")} (or empty: mesh.dataPlane)`,
        };
    }
    if (value === "ambient" && mesh !== "ambient") {
        return {
            error:
                `"ambient" needs mesh.dataPlane "ambient": ztunnel and istio-cni are installed only then. ` +
                `Set mesh.dataPlane to "ambient" first (applications left on "sidecar" keep their sidecars; ` +
                `docs/ambient.md, "Migrating from sidecars"), or leave this empty`,
        };
    }
    return { dataPlane: value as DataPlane };
}

/** `gateway.api`: the API that expresses ingress (Istio's Gateway/VirtualService or Kubernetes Gateway API). */
export const GATEWAY_APIS = ["istio", "gateway-api"] as const;
export type GatewayApi = (typeof GATEWAY_APIS)[number];

/** The node-level components of the ambient data plane (DaemonSets: sized, never replicated). */
export interface AmbientSettings {
    cni: { resources: ResourceSettings };
    ztunnel: { resources: ResourceSettings };
}
export const OUTBOUND_POLICIES = ["ALLOW_ANY", "REGISTRY_ONLY"] as const;

export interface MeshSettings {
    mtls: (typeof MTLS_MODES)[number];
    outboundTrafficPolicy: (typeof OUTBOUND_POLICIES)[number];
    accessLogging: boolean;
    tracingSamplingPercent: number;
    proxyResources: ResourceSettings;
}

/** The egress gateway (`mesh.egressGateway`): a second gateway chart release, only when enabled. */
export interface EgressGatewaySettings {
    /** Helm release name; its `istio=` label and Service name derive from it. */
    name: string;
    namespace: string;
}

/** Release name of the egress gateway, as in Istio's egress-gateway task (label `istio=egressgateway`). */
export const EGRESS_GATEWAY_NAME = "istio-egressgateway";

export interface AppNamespace {
    name: string;
    /** The control-plane revision that injects this namespace (`undefined`: the default revision). */
    revision: string | undefined;
    /**
     * The data plane its workloads run on, when an application decides it (`mesh.dataPlane`
     * resolved per application); undefined: the stack's `mesh.dataPlane`.
     */
    dataPlane?: DataPlane;
}

export interface IstioConfig {
    chartRepository: string;
    rootNamespace: string;
    primary: ControlPlaneRevision;
    canary?: ControlPlaneRevision;
    istiod: ScalingSettings;
    gateway: GatewaySettings;
    mesh: MeshSettings;
    dataPlane: DataPlane;
    /** The API used for ingress. */
    gatewayApi: GatewayApi;
    /**
     * Version of the Kubernetes Gateway API CRD bundle (standard channel), installed only when
     * {@link gatewayApiCrdsNeeded}: Istio does not ship these CRDs.
     */
    gatewayApiCrdsVersion: string;
    /** Set in ambient mode only. */
    ambient?: AmbientSettings;
    /** Undefined unless `mesh.egressGateway.enabled`. */
    egressGateway?: EgressGatewaySettings;
    /** Application namespaces from `mesh.namespaces`; other components may add their own. */
    namespaces: AppNamespace[];
}

/**
 * The `istio.*`, `gateway.*` and `mesh.*` settings the control plane is built from: all but the
 * application namespaces, which the ControlPlane is handed separately (with those other components add).
 */
export type ControlPlaneSettings = Omit<IstioConfig, "namespaces">;

/** Namespace names: DNS-1123 labels, at most 63 characters (Kubernetes ValidateNamespaceName). */
const DNS = {
    pattern: DNS_LABEL,
    patternHint: "a lowercase DNS label (letters, digits, '-')",
    maxLength: 63,
};
/**
 * Revisions name Services and Deployments `istiod-<revision>` (istiod chart templates) and are the
 * value of the `istio.io/rev` label: a DNS-1123 label of at most 63 characters in total.
 */
const REVISION = { ...DNS, maxLength: 63 - "istiod-".length };
/**
 * The gateway's release name names its Service, which must be a DNS-1035 label (a letter first,
 * at most 63 characters; Kubernetes ValidateServiceName).
 */
const SERVICE_NAME = {
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    patternHint: "a DNS-1035 label: lowercase letters, digits and '-', starting with a letter",
    maxLength: 63,
};
const VERSION = { pattern: SEMVER, patternHint: "a chart version such as 1.30.5" };
/** The API server's default --service-node-port-range; a node port outside it is refused. */
const NODE_PORT = { min: 30000, max: 32767 };

/**
 * Limits that the 1.30 charts set by default for the gateway (`resources`) and every sidecar
 * (`global.proxy.resources`). Their values are merged over these defaults inside the templates,
 * which cannot delete a key, so leaving a limit empty keeps the default rather than removing it.
 */
const CHART_DEFAULT_LIMITS: Record<string, { cpu: string; memory: string }> = {
    "gateway.resources": { cpu: "2000m", memory: "1024Mi" },
    "mesh.proxy.resources": { cpu: "2000m", memory: "1024Mi" },
};

function requireChartLimits(r: ConfigReader, prefix: string, settings: ResourceSettings): void {
    const defaults = CHART_DEFAULT_LIMITS[prefix];
    for (const kind of ["cpu", "memory"] as const) {
        if (settings.limits[kind] === undefined) {
            r.error(
                `${prefix}.limits.${kind}`,
                `"" is not allowed: the chart would keep its default limit of ${defaults[kind]}; ` +
                    `set a Kubernetes quantity (e.g. ${defaults[kind]})`,
            );
        }
    }
}

function scaling(r: ConfigReader, prefix: string): ScalingSettings {
    const replicas = r.int(`${prefix}.replicas`, { min: 1, max: 50 });
    const maxReplicas = r.int(`${prefix}.maxReplicas`, { min: 1, max: 100 });
    if (maxReplicas < replicas && !r.hasIssue(`${prefix}.replicas`, `${prefix}.maxReplicas`)) {
        r.error(`${prefix}.maxReplicas`, `${maxReplicas} is below ${prefix}.replicas (${replicas})`);
    }
    return {
        replicas,
        maxReplicas,
        topologySpread: r.bool(`${prefix}.topologySpread`),
        resources: readResources(r, `${prefix}.resources`),
    };
}

export function parseIstioConfig(r: ConfigReader): IstioConfig {
    const primary: ControlPlaneRevision = {
        version: r.string("istio.version", VERSION),
        revision: r.optionalString("istio.revision", REVISION),
    };
    const canaryVersion = r.string("istio.canary.version", VERSION);
    const canaryRevision = r.string("istio.canary.revision", REVISION);
    const dataPlane = r.choice("mesh.dataPlane", DATA_PLANES);
    let canary: ControlPlaneRevision | undefined;
    if (dataPlane === "ambient" && (canaryVersion !== "" || canaryRevision !== "")) {
        // ztunnel and the CNI node agent are one DaemonSet per cluster, bound to one control
        // plane and upgraded in place (istio.io "Upgrade with Helm" for ambient); a side-by-side
        // istiod cannot take over ambient namespaces one at a time as it does sidecar ones. One
        // error for the pair: how to complete a canary does not matter when none is possible.
        r.error(
            canaryVersion !== "" ? "istio.canary.version" : "istio.canary.revision",
            `a canary control plane is not supported with mesh.dataPlane "ambient": ztunnel and ` +
                `istio-cni run once per node and are upgraded in place; leave istio.canary.version ` +
                `and istio.canary.revision empty and change istio.version instead (docs/ambient.md)`,
        );
    } else if (canaryVersion !== "") {
        canary = { version: canaryVersion, revision: canaryRevision };
        if (canaryRevision === "") {
            r.error("istio.canary.revision", "must be set when istio.canary.version is set (e.g. 1-31-0)");
        } else if (
            canaryRevision === primary.revision &&
            !r.hasIssue("istio.revision", "istio.canary.revision")
        ) {
            r.error(
                "istio.canary.revision",
                `${JSON.stringify(canaryRevision)} is already the primary revision`,
            );
        } else if (canaryRevision === DEFAULT_REVISION) {
            r.error("istio.canary.revision", `"${DEFAULT_REVISION}" is reserved for the default revision`);
        }
    } else if (canaryRevision !== "") {
        r.error("istio.canary.version", "must be set when istio.canary.revision is set");
    }
    if (primary.revision === DEFAULT_REVISION) {
        r.error(
            "istio.revision",
            `"${DEFAULT_REVISION}" is reserved; leave it empty for the default revision`,
        );
    }

    const rootNamespace = r.string("istio.rootNamespace", DNS);
    const serviceType = r.choice("gateway.serviceType", GATEWAY_SERVICE_TYPES);
    const gateway: GatewaySettings = {
        name: r.string("gateway.name", SERVICE_NAME),
        namespace: r.string("gateway.namespace", DNS),
        serviceType,
        nodePorts: {
            http: r.int("gateway.httpNodePort", NODE_PORT),
            https: r.int("gateway.httpsNodePort", NODE_PORT),
        },
        scaling: scaling(r, "gateway"),
    };
    requireChartLimits(r, "gateway.resources", gateway.scaling.resources);
    if (
        gateway.nodePorts.http === gateway.nodePorts.https &&
        !r.hasIssue("gateway.httpNodePort", "gateway.httpsNodePort")
    ) {
        r.error(
            "gateway.httpsNodePort",
            `${gateway.nodePorts.https} is already used by gateway.httpNodePort`,
        );
    }

    const sampling = r.number("mesh.tracing.samplingPercent", { min: 0, max: 100 });
    const mesh: MeshSettings = {
        mtls: r.choice("mesh.mtls", MTLS_MODES),
        outboundTrafficPolicy: r.choice("mesh.outboundTrafficPolicy", OUTBOUND_POLICIES),
        accessLogging: r.bool("mesh.accessLogging"),
        tracingSamplingPercent: sampling,
        proxyResources: readResources(r, "mesh.proxy.resources"),
    };
    requireChartLimits(r, "mesh.proxy.resources", mesh.proxyResources);

    const revisions = new Set([primary.revision, ...(canary ? [canary.revision] : [])]);
    const names = r.stringList("mesh.namespaces", DNS);
    const chosen = r.stringMap("mesh.namespaceRevisions");
    for (const [ns, rev] of Object.entries(chosen)) {
        if (!names.includes(ns) && !r.hasIssue("mesh.namespaces")) {
            r.error(
                `mesh.namespaceRevisions.${ns}`,
                `names a namespace that is not in mesh.namespaces (${names.join(", ") || "empty"})`,
            );
        }
        if (!revisions.has(revisionFromName(rev)) && !r.hasIssue("istio.revision", "istio.canary")) {
            const known = [...revisions].map(revisionName).join(", ");
            r.error(
                `mesh.namespaceRevisions.${ns}`,
                `revision ${JSON.stringify(rev)} is not installed; installed revisions: ${known}`,
            );
        }
    }
    const egressEnabled = r.bool("mesh.egressGateway.enabled");
    const egressNamespace = r.string("mesh.egressGateway.namespace", DNS);
    const egressGateway = egressEnabled
        ? { name: EGRESS_GATEWAY_NAME, namespace: egressNamespace }
        : undefined;
    // Collisions with the namespaces the stack creates for other purposes: config/namespaces.ts.
    const namespaces = names.map((name) => {
        const rev = chosen[name];
        return { name, revision: rev === undefined ? primary.revision : revisionFromName(rev) };
    });

    const gatewayApi = r.choice("gateway.api", GATEWAY_APIS);
    const gatewayApiCrdsVersion = r.string("gateway.crds.version", {
        pattern: SEMVER,
        patternHint: "a Gateway API release such as 1.5.1, without a leading v",
    });
    if (gatewayApiCrdsVersion === "") {
        r.error("gateway.crds.version", "must not be empty (a Gateway API release such as 1.5.1)");
    }
    // Read in every mode, so that a misspelt sizing key is reported before ambient is switched on.
    const ambient: AmbientSettings = {
        cni: { resources: readResources(r, "cni.resources") },
        ztunnel: { resources: readResources(r, "ztunnel.resources") },
    };

    return {
        chartRepository: r.string("istio.chartRepository", {
            pattern: /^(https?|oci):\/\/\S+$/,
            patternHint: "an http(s):// or oci:// repository URL",
        }),
        rootNamespace,
        primary,
        canary,
        istiod: scaling(r, "istiod"),
        gateway,
        mesh,
        dataPlane,
        gatewayApi,
        gatewayApiCrdsVersion,
        ambient: dataPlane === "ambient" ? ambient : undefined,
        egressGateway,
        namespaces,
    };
}

/**
 * Whether the Gateway API CRDs are installed: ambient needs them (waypoints are Gateway API
 * Gateways, in-mesh routes HTTPRoutes), and so does Gateway API ingress.
 */
export function gatewayApiCrdsNeeded(cfg: Pick<IstioConfig, "dataPlane" | "gatewayApi">): boolean {
    return cfg.dataPlane === "ambient" || cfg.gatewayApi === "gateway-api";
}
