/**
 * Read-only views of the resources the program declares, as a policy sees their inputs.
 *
 * Istio and other custom resources carry no Pulumi class, so they are recognised by their type
 * token `kubernetes:<group>/<version>:<Kind>`. Helpers never throw on missing fields: a policy
 * decides what absence means.
 */

export type Props = Record<string, unknown>;

export const CHART_TYPES = [
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:helm.sh/v3:Release",
] as const;

export const TYPE = {
    namespace: "kubernetes:core/v1:Namespace",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    service: "kubernetes:core/v1:Service",
    pod: "kubernetes:core/v1:Pod",
} as const;

export const ISTIO_NETWORKING = "networking.istio.io";
export const ISTIO_SECURITY = "security.istio.io";

export interface Metadata {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export function asRecord(v: unknown): Props | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Props) : undefined;
}

export function asList(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** Follows a path of keys through nested objects; undefined as soon as one is missing. */
export function at(v: unknown, ...path: string[]): unknown {
    let cur = v;
    for (const key of path) {
        const rec = asRecord(cur);
        if (!rec) {
            return undefined;
        }
        cur = rec[key];
    }
    return cur;
}

export function metadataOf(props: Props): Metadata {
    return asRecord(props.metadata) ?? {};
}

/** `apiGroup`/`kind` of a `kubernetes:<group>/<version>:<Kind>` token (core group is ""). */
export function kubernetesKind(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:(?:([^/:]+)\/)?([^/:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) {
        return undefined;
    }
    const group = m[1] === "core" || m[1] === undefined ? "" : m[1];
    return { group, version: m[2], kind: m[3] };
}

/** True for `kubernetes:<group>/<any version>:<kind>`, e.g. every served VirtualService version. */
export function isKind(type: string, group: string, kind: string): boolean {
    const k = kubernetesKind(type);
    return k !== undefined && k.group === group && k.kind === kind;
}

/** "Kind namespace/name" as the user would look it up with kubectl. */
export function describe(type: string, props: Props, fallbackName: string): string {
    const kind = kubernetesKind(type)?.kind ?? type;
    const m = metadataOf(props);
    const name = m.name ?? fallbackName;
    return m.namespace ? `${kind} ${m.namespace}/${name}` : `${kind} ${name}`;
}

export function namespaceOf(props: Props): string {
    return metadataOf(props).namespace ?? "default";
}

// --- workloads ---------------------------------------------------------------------------------

export interface Container {
    name?: string;
    image?: string;
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    securityContext?: {
        privileged?: boolean;
        allowPrivilegeEscalation?: boolean;
        capabilities?: { add?: string[] };
    };
}

export interface PodTemplate {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    spec: Props;
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
    "apps/Deployment": ["spec", "template"],
    "apps/StatefulSet": ["spec", "template"],
    "apps/DaemonSet": ["spec", "template"],
    "apps/ReplicaSet": ["spec", "template"],
    "batch/Job": ["spec", "template"],
    "batch/CronJob": ["spec", "jobTemplate", "spec", "template"],
    "/ReplicationController": ["spec", "template"],
};

/** The pod template of a workload (or the Pod itself); undefined for anything that runs no pods. */
export function podTemplateOf(type: string, props: Props): PodTemplate | undefined {
    const k = kubernetesKind(type);
    if (!k) {
        return undefined;
    }
    if (k.group === "" && k.kind === "Pod") {
        const m = metadataOf(props);
        return { labels: m.labels ?? {}, annotations: m.annotations ?? {}, spec: asRecord(props.spec) ?? {} };
    }
    const path = POD_TEMPLATE_PATHS[`${k.group}/${k.kind}`];
    if (!path) {
        return undefined;
    }
    const template = asRecord(at(props, ...path)) ?? {};
    const m = metadataOf(template);
    return { labels: m.labels ?? {}, annotations: m.annotations ?? {}, spec: asRecord(template.spec) ?? {} };
}

export function isWorkload(type: string): boolean {
    return podTemplateOf(type, {}) !== undefined;
}

export interface NamedContainer {
    /** "container", "initContainer" or "ephemeralContainer". */
    role: string;
    container: Container;
}

export function containersOf(pod: PodTemplate): NamedContainer[] {
    const pick = (field: string, role: string): NamedContainer[] =>
        asList(pod.spec[field]).map((c) => ({ role, container: asRecord(c) ?? {} }));
    return [
        ...pick("initContainers", "initContainer"),
        ...pick("containers", "container"),
        ...pick("ephemeralContainers", "ephemeralContainer"),
    ];
}

/** Pods that opted out of sidecar injection (label, or the legacy annotation). */
const INJECT = "sidecar.istio.io/inject";

export function optsOutOfInjection(pod: PodTemplate): boolean {
    return pod.labels[INJECT] === "false" || pod.annotations[INJECT] === "false";
}

/**
 * Pods injected because of their own label, whatever their namespace says: Istio's gateway chart
 * labels its pods `sidecar.istio.io/inject: "true"` and deploys them to an unlabelled namespace.
 */
export function injectedByPodLabel(pod: PodTemplate): boolean {
    return pod.labels[INJECT] === "true";
}

/** Gateway pods: Istio injects them with its `gateway` template (set by the gateway chart). */
export function isGatewayPod(pod: PodTemplate): boolean {
    return (pod.annotations["inject.istio.io/templates"] ?? "").split(",").includes("gateway");
}

// --- Helm charts -------------------------------------------------------------------------------

export interface ChartView {
    /** The chart's own name, without repository or OCI prefix: "istiod", "kiali-server". */
    chart: string;
    version: string;
    release: string;
    namespace: string;
    values: Props;
}

export function isChartType(type: string): boolean {
    return (CHART_TYPES as readonly string[]).includes(type);
}

export function chartOf(type: string, props: Props, resourceName: string): ChartView | undefined {
    if (!isChartType(type)) {
        return undefined;
    }
    const ref = asString(props.chart) ?? "";
    const chart = ref.split("@")[0].split("/").pop() ?? "";
    return {
        chart,
        version: asString(props.version) ?? "",
        release: asString(props.name) ?? resourceName,
        namespace: asString(props.namespace) ?? "default",
        values: asRecord(props.values) ?? {},
    };
}

// --- Istio hosts -------------------------------------------------------------------------------

/**
 * A host as Istio resolves it in a resource of the given namespace: a name without a dot is that
 * namespace's Service; anything with a dot is taken as written (Istio does not complete `name.ns`).
 */
export function resolveHost(host: string, namespace: string): string {
    return host === "*" || host.includes(".") ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** Whether a (possibly wildcard) host pattern covers a concrete host. */
export function hostMatches(pattern: string, host: string): boolean {
    if (pattern === "*") {
        return true;
    }
    if (pattern.startsWith("*.")) {
        return host.endsWith(pattern.slice(1));
    }
    return pattern === host;
}

/**
 * Dotted paths of every leaf in chart values (arrays indexed) whose key and value match, e.g. the
 * places that ask for `latest` images or LoadBalancer Services.
 */
export function valuePaths(
    v: unknown,
    matches: (key: string, value: unknown) => boolean,
    path: string[] = [],
): string[] {
    if (Array.isArray(v)) {
        return v.flatMap((x, i) => valuePaths(x, matches, [...path, String(i)]));
    }
    const rec = asRecord(v);
    if (!rec) {
        return [];
    }
    return Object.entries(rec).flatMap(([k, x]) =>
        matches(k, x) ? [[...path, k].join(".")] : valuePaths(x, matches, [...path, k]),
    );
}
