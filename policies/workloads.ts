/**
 * Workload policies: pods that schedule predictably, cannot take over their node, stay reachable
 * only through the mesh's front door, and survive voluntary disruptions in prod.
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    ChartView,
    Props,
    TYPE,
    asRecord,
    valuePaths,
    asString,
    at,
    chartOf,
    containersOf,
    describe,
    isGatewayPod,
    isKind,
    ISTIO_NETWORKING,
    NamedContainer,
    metadataOf,
    namespaceOf,
    podTemplateOf,
} from "./lib/objects";
import { environmentOf, environmentSchema } from "./lib/settings";

export const containerResources: ResourceValidationPolicy = {
    name: "container-resources-set",
    description: "Every container requests CPU and memory and has a memory limit.",
    severity: "medium",
    validateResource: (args, reportViolation) =>
        eachContainer(args, reportViolation, ({ role, container }) => {
            const missing = role === "ephemeralContainer" ? [] : missingResources(container.resources);
            return missing.length === 0
                ? undefined
                : `has no resources.${missing.join(", resources.")}. Fix: set CPU/memory requests and a memory limit.`;
        }),
};

/**
 * Runs `check` on every container of the pod a workload declares and reports what it finds,
 * naming the workload and the container; not applicable to resources that run no pods.
 */
function eachContainer(
    args: ResourceValidationArgs,
    reportViolation: ReportViolation,
    check: (c: NamedContainer) => string | undefined,
): void {
    const props = args.props as Props;
    const pod = podTemplateOf(args.type, props);
    if (!pod) {
        return args.notApplicable("runs no containers");
    }
    for (const c of containersOf(pod)) {
        const problem = check(c);
        if (problem !== undefined) {
            reportViolation(
                `${describe(args.type, props, args.name)} ${c.role} ${c.container.name ?? "?"} ${problem}`,
            );
        }
    }
}

function missingResources(resources: unknown): string[] {
    return (
        [
            ["requests.cpu", at(resources, "requests", "cpu")],
            ["requests.memory", at(resources, "requests", "memory")],
            ["limits.memory", at(resources, "limits", "memory")],
        ]
            // null in chart values deletes the chart's default: nothing is set.
            .filter(([, v]) => v === undefined || v === null || v === "")
            .map(([k]) => String(k))
    );
}

interface ChartContainer {
    container: string;
    path: string[];
    /** Whether the chart runs this container with these values (default: always). */
    runs?: (values: Props) => boolean;
    /** The chart's own default already requests CPU/memory and limits memory. */
    defaultIsComplete?: boolean;
}

/** Grafana's chart adds its download-dashboards init container whenever `dashboards` is set. */
const downloadsDashboards = (v: Props): boolean => Object.keys(asRecord(v.dashboards) ?? {}).length > 0;

/**
 * Containers the charts this program installs render, and the values that size them. Offline a
 * chart has no children, so this is where their resources are checked; in a real preview the
 * rendered workloads are checked by container-resources-set as well.
 */
const CHART_CONTAINERS: Record<string, ChartContainer[]> = {
    istiod: [
        { container: "discovery", path: ["pilot", "resources"] },
        {
            container: "istio-proxy (injected)",
            path: ["global", "proxy", "resources"],
            defaultIsComplete: true,
        },
    ],
    gateway: [{ container: "istio-proxy", path: ["resources"], defaultIsComplete: true }],
    // Ambient node agents (the 1.30 charts request CPU and memory but set no memory limit).
    cni: [{ container: "install-cni", path: ["resources"] }],
    ztunnel: [{ container: "istio-proxy", path: ["resources"] }],
    "kiali-server": [{ container: "kiali", path: ["deployment", "resources"], defaultIsComplete: true }],
    grafana: [
        { container: "grafana", path: ["resources"] },
        {
            container: "download-dashboards (init)",
            path: ["downloadDashboards", "resources"],
            runs: downloadsDashboards,
        },
        {
            container: "grafana-sc-dashboard (sidecar)",
            path: ["sidecar", "resources"],
            runs: (v) => at(v, "sidecar", "dashboards", "enabled") === true,
        },
        {
            container: "init-chown-data (init)",
            path: ["initChownData", "resources"],
            runs: (v) =>
                at(v, "persistence", "enabled") === true && at(v, "initChownData", "enabled") !== false,
        },
    ],
    prometheus: [
        {
            container: "prometheus-server",
            path: ["server", "resources"],
            runs: (v) => at(v, "server", "enabled") !== false,
        },
        {
            container: "prometheus-server-configmap-reload",
            path: ["configmapReload", "prometheus", "resources"],
            runs: (v) =>
                at(v, "server", "enabled") !== false &&
                at(v, "configmapReload", "prometheus", "enabled") !== false,
        },
    ],
};

export const chartContainerResources: ResourceValidationPolicy = {
    name: "chart-container-resources-set",
    description:
        "Every container a chart renders (istiod, gateway, Kiali, Grafana, Prometheus) gets CPU/memory requests " +
        "and a memory limit through its values.",
    severity: "medium",
    validateResource: (args, reportViolation) => {
        const chart = chartOf(args.type, args.props as Props, args.name);
        const containers = chart ? CHART_CONTAINERS[chart.chart] : undefined;
        if (!chart || !containers) {
            return args.notApplicable("not a chart with known containers");
        }
        for (const c of containers) {
            if (c.runs && !c.runs(chart.values)) {
                continue;
            }
            const value = at(chart.values, ...c.path);
            if (value === undefined && c.defaultIsComplete) {
                continue;
            }
            const missing = missingResources(value);
            if (missing.length > 0) {
                const path = c.path.join(".");
                reportViolation(
                    `Helm chart ${chart.release} (${chart.chart}) container ${c.container} is not sized: ` +
                        `${path} lacks ${missing.join(", ")}. Fix: set CPU/memory requests and a memory limit there.`,
                );
            }
        }
    },
};

const ESCALATING_CAPABILITIES = ["ALL", "SYS_ADMIN", "CAP_SYS_ADMIN"];

const DAEMONSET = "kubernetes:apps/v1:DaemonSet";

/**
 * The node agents of Istio's ambient data plane, as the 1.30 charts name them in the root
 * namespace: ztunnel (templates/daemonset.yaml: NET_ADMIN, SYS_ADMIN and NET_RAW for TPROXY and
 * `setns`, hence allowPrivilegeEscalation) and istio-cni-node (SYS_ADMIN to enter pods' network
 * namespaces). They cannot run otherwise, so they are exempt by namespace/name, DaemonSets only.
 */
const AMBIENT_NODE_AGENTS = ["istio-system/ztunnel", "istio-system/istio-cni-node"];

export const noPrivilegedContainers: ResourceValidationPolicy = {
    name: "no-privileged-containers",
    description:
        "No container runs privileged, allows privilege escalation or adds SYS_ADMIN/ALL capabilities " +
        "(except the ambient node agents ztunnel and istio-cni-node).",
    severity: "critical",
    configSchema: {
        properties: {
            exemptDaemonSets: {
                type: "array",
                items: { type: "string" },
                default: AMBIENT_NODE_AGENTS,
                description:
                    "DaemonSets (namespace/name) that need these privileges to work: Istio's ambient node " +
                    "agents, in the root namespace.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const exempt =
            args.getConfig<{ exemptDaemonSets?: string[] }>().exemptDaemonSets ?? AMBIENT_NODE_AGENTS;
        const props = args.props as Props;
        if (
            args.type === DAEMONSET &&
            exempt.includes(`${namespaceOf(props)}/${metadataOf(props).name ?? ""}`)
        ) {
            return args.notApplicable("an ambient node agent, which needs these privileges");
        }
        eachContainer(args, reportViolation, ({ container }) => {
            const sc = container.securityContext ?? {};
            const problems = [
                sc.privileged === true ? "privileged: true" : undefined,
                sc.allowPrivilegeEscalation === true ? "allowPrivilegeEscalation: true" : undefined,
                ...(sc.capabilities?.add ?? [])
                    .filter((c) => ESCALATING_CAPABILITIES.includes(c))
                    .map((c) => `capabilities.add ${c}`),
            ].filter((p): p is string => p !== undefined);
            return problems.length === 0
                ? undefined
                : `sets ${problems.join(", ")}. Fix: remove it and set securityContext.allowPrivilegeEscalation: false.`;
        });
    },
};

interface GatewayPods {
    labels: Record<string, string>;
    /** All labels of the pods (a rendered Deployment) rather than some that identify them. */
    complete: boolean;
}

/**
 * The ingress/egress gateway pods: gateway Deployments (as a chart renders them in a real preview)
 * and, offline, the `istio=<name>` label of gateway charts and the selectors of Gateway resources.
 */
function gatewayPods(resources: PolicyResource[]): GatewayPods[] {
    const found: GatewayPods[] = [];
    for (const r of resources) {
        const chart = chartOf(r.type, r.props as Props, r.name);
        const pod = podTemplateOf(r.type, r.props as Props);
        if (pod && isGatewayPod(pod)) {
            found.push({ labels: pod.labels, complete: true });
        } else if (chart?.chart === "gateway") {
            const label =
                asString(at(chart.values, "labels", "istio")) ?? chart.release.replace(/^istio-/, "");
            found.push({ labels: { istio: label }, complete: false });
        } else if (isKind(r.type, ISTIO_NETWORKING, "Gateway")) {
            const selector = asRecord(at(r.props, "spec", "selector"));
            if (selector && Object.keys(selector).length > 0) {
                found.push({ labels: selector as Record<string, string>, complete: false });
            }
        }
    }
    return found;
}

function within(small: Record<string, string>, big: Record<string, string>): boolean {
    return Object.entries(small).every(([k, v]) => big[k] === v);
}

/** Whether a Service selector picks gateway pods. */
function selectsGateway(selector: Record<string, string>, g: GatewayPods): boolean {
    return g.complete ? within(selector, g.labels) : within(g.labels, selector);
}

/** Paths in chart values that ask for a LoadBalancer Service (`service.type`, Kiali's `service_type`...). */
function loadBalancerPaths(v: unknown): string[] {
    return valuePaths(v, (k, x) => x === "LoadBalancer" && /^(type|service_?[tT]ype)$/.test(k));
}

export const loadBalancerOnlyForGateways: StackValidationPolicy = {
    name: "loadbalancer-only-for-gateways",
    description: "Only Istio gateways get LoadBalancer Services; everything else is reached through them.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const gateways = gatewayPods(args.resources);
        for (const r of args.resources) {
            const props = r.props as Props;
            const chart = chartOf(r.type, props, r.name);
            if (chart && chart.chart !== "gateway") {
                for (const path of loadBalancerPaths(chart.values)) {
                    reportViolation(
                        `Helm chart ${chart.release} (${chart.chart}) sets ${path}: LoadBalancer, exposing it ` +
                            "outside the mesh. Fix: use ClusterIP and route to it through the ingress gateway.",
                        r.urn,
                    );
                }
            }
            if (r.type !== TYPE.service || at(props, "spec", "type") !== "LoadBalancer") {
                continue;
            }
            const selector = (asRecord(at(props, "spec", "selector")) ?? {}) as Record<string, string>;
            if (Object.keys(selector).length === 0 || !gateways.some((g) => selectsGateway(selector, g))) {
                reportViolation(
                    `${describe(r.type, props, r.name)} is a LoadBalancer but does not select gateway pods ` +
                        `(${gateways.map((g) => JSON.stringify(g.labels)).join(", ") || "no gateway declared"}). ` +
                        "Fix: make it ClusterIP and expose it through the ingress gateway.",
                    r.urn,
                );
            }
        }
    },
};

interface Replicas {
    guaranteed: number;
    pdb: boolean;
    fix: string;
}

/** Replicas the chart guarantees and whether it renders a PodDisruptionBudget (chart defaults applied). */
function controlPlaneReplicas(chart: ChartView): Replicas | undefined {
    const v = chart.values;
    const num = (x: unknown, d: number): number => (typeof x === "number" ? x : d);
    if (chart.chart === "istiod") {
        const pilot = (k: string): unknown => at(v, "pilot", k) ?? v[k];
        const autoscale = pilot("autoscaleEnabled") !== false;
        const guaranteed = autoscale ? num(pilot("autoscaleMin"), 1) : num(pilot("replicaCount"), 1);
        return {
            guaranteed,
            pdb: at(v, "global", "defaultPodDisruptionBudget", "enabled") !== false,
            fix: "set istiod.replicas >= 2 (pilot.autoscaleMin / replicaCount) and keep global.defaultPodDisruptionBudget enabled",
        };
    }
    if (chart.chart === "gateway") {
        const autoscale = at(v, "autoscaling", "enabled") !== false;
        const guaranteed = autoscale ? num(at(v, "autoscaling", "minReplicas"), 1) : num(v.replicaCount, 1);
        const pdb = asRecord(v.podDisruptionBudget) ?? {};
        return {
            guaranteed,
            pdb: pdb.minAvailable !== undefined || pdb.maxUnavailable !== undefined,
            fix: "set gateway.replicas >= 2 (autoscaling.minReplicas / replicaCount) and podDisruptionBudget.minAvailable",
        };
    }
    return undefined;
}

export const controlPlanePdb: ResourceValidationPolicy = {
    name: "control-plane-pdb",
    description:
        "In prod, istiod and the gateways run at least two replicas guarded by a PodDisruptionBudget " +
        "(the charts render one only when two replicas are guaranteed).",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: (args, reportViolation) => {
        const chart = chartOf(args.type, args.props as Props, args.name);
        const r = chart ? controlPlaneReplicas(chart) : undefined;
        if (!chart || !r) {
            return args.notApplicable("not an istiod or gateway chart");
        }
        if (environmentOf(args) !== "prod") {
            return args.notApplicable("PodDisruptionBudgets are required in prod only");
        }
        if (r.guaranteed < 2 || !r.pdb) {
            const why =
                r.guaranteed < 2
                    ? `guarantees only ${r.guaranteed} replica(s)`
                    : "has no PodDisruptionBudget";
            reportViolation(
                `Helm chart ${chart.release} (${chart.chart}) ${why}, so a node drain can take it down. Fix: ${r.fix}.`,
            );
        }
    },
};

export const noBarePods: ResourceValidationPolicy = {
    name: "no-bare-pods",
    description: "Pods are created by a controller (Deployment, StatefulSet, Job...), never on their own.",
    severity: "medium",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPE.pod) {
            return args.notApplicable("not a Pod");
        }
        reportViolation(
            `${describe(args.type, args.props as Props, args.name)} is a bare Pod: nothing recreates it when its ` +
                "node goes away. Fix: wrap it in a Deployment (or a Job for one-off work).",
        );
    },
};

export const workloadPolicies = [
    containerResources,
    chartContainerResources,
    noPrivilegedContainers,
    loadBalancerOnlyForGateways,
    controlPlanePdb,
    noBarePods,
];
