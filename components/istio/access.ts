/**
 * Where an operator reaches the ingress gateway, written so that every output naming a place is
 * usable as it stands: a URL, or a command that prints the bare address. A LoadBalancer's address
 * exists only on the cluster: the program takes it from the status of the Service the gateway chart
 * created, as the provider recorded it after waiting for `.status.loadBalancer.ingress`
 * (chartService.ts); where there is none (offline render, a first preview, manifests written to a
 * directory) the URL says where it will come from instead.
 */
import { ClusterConfig } from "../cluster/config";
import { GATEWAY_PORTS } from "../shared/names";
import { IstioConfig } from "./config";

/** `.status.loadBalancer` of a Service, as the API server reports it. */
export interface LoadBalancerStatus {
    ingress?: { ip?: string; hostname?: string }[];
}

export interface GatewayAccess {
    /**
     * A URL that reaches the gateway's HTTP listener, or, where the address is not known (see
     * {@link isDescribed}), "from <where the address comes from>".
     */
    url: string;
    /** How to reach it: a command printing the URL (`echo "http://$(kubectl ...)"`), or a note next to the URL. */
    howTo: string;
    /** Where a cluster-assigned address comes from, and the command that prints it bare. */
    address?: { from: string; command: string };
}

/** Prefix of a value that describes where an address will come from instead of holding it. */
export const DESCRIBED_PREFIX = "from ";

/** Whether an access value is a description ("from Service ...") rather than a URL. */
export function isDescribed(value: string): boolean {
    return value.startsWith(DESCRIBED_PREFIX);
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(w: string): string {
    return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The kubeconfig context this stack deploys with (`undefined`: the current one). */
export function kubeContext(cluster: ClusterConfig): string | undefined {
    // `kind create cluster` adds its context, named kind-<cluster name>, to the default kubeconfig.
    return cluster.kind ? `kind-${cluster.kind.name}` : cluster.context;
}

/** kubectl's global options for the kubeconfig and context the stack's provider uses. */
export function kubectlArgs(cluster: ClusterConfig): string[] {
    const ctx = kubeContext(cluster);
    return [
        ...(cluster.kubeconfig !== undefined && !cluster.kind ? ["--kubeconfig", cluster.kubeconfig] : []),
        ...(ctx !== undefined ? ["--context", ctx] : []),
    ];
}

/** `kubectl` with the kubeconfig and context the stack's provider uses, for a shell. */
export function kubectlCommand(cluster: ClusterConfig): string {
    return ["kubectl", ...kubectlArgs(cluster).map(shellWord)].join(" ");
}

/**
 * A jsonpath printing the load balancer's bare address: clouds set either `ip` (GCP, Azure, MetalLB)
 * or `hostname` (AWS), and kubectl prints a missing field as nothing, so exactly one is printed.
 */
export const LB_ADDRESS_JSONPATH =
    "{.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}";

/** The first address a load balancer status holds. */
export function loadBalancerAddress(lb: LoadBalancerStatus | undefined): string | undefined {
    const first = lb?.ingress?.[0];
    const addr = first?.ip || first?.hostname;
    return addr ? addr : undefined;
}

function urlHost(addr: string): string {
    return addr.includes(":") && !addr.startsWith("[") ? `[${addr}]` : addr;
}

/**
 * How an operator reaches the ingress gateway, given how this stack exposes it and, for a
 * LoadBalancer, the gateway Service's recorded status (undefined when there is none).
 */
export function gatewayAccess(
    istio: IstioConfig,
    cluster: ClusterConfig,
    loadBalancer?: LoadBalancerStatus,
): GatewayAccess {
    const g = istio.gateway;
    const kubectl = kubectlCommand(cluster);
    switch (g.serviceType) {
        case "NodePort": {
            if (cluster.kind) {
                return {
                    url: `http://localhost:${cluster.kind.httpHostPort}`,
                    howTo: `kind maps node port ${g.nodePorts.http} to http://localhost:${cluster.kind.httpHostPort}`,
                };
            }
            const from = `node port ${g.nodePorts.http} on a node's InternalIP`;
            const command = `${kubectl} get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}'`;
            return {
                url: `${DESCRIBED_PREFIX}${from}`,
                howTo: `echo "${ingressOrigin("http", `$(${command})`, ingressPorts(istio, cluster))}"`,
                address: { from, command },
            };
        }
        case "LoadBalancer": {
            const from = `Service ${g.namespace}/${g.name} .status.loadBalancer.ingress[0].ip|hostname`;
            const command = `${kubectl} -n ${g.namespace} get svc/${g.name} -o jsonpath='${LB_ADDRESS_JSONPATH}'`;
            const addr = loadBalancerAddress(loadBalancer);
            return {
                url:
                    addr !== undefined
                        ? ingressOrigin("http", urlHost(addr), ingressPorts(istio, cluster))
                        : `${DESCRIBED_PREFIX}${from}`,
                howTo: `echo "${ingressOrigin("http", `$(${command})`, ingressPorts(istio, cluster))}"`,
                address: { from, command },
            };
        }
        case "ClusterIP":
            return {
                url: `http://localhost:${PORT_FORWARD.http}`,
                howTo: `${kubectl} -n ${g.namespace} port-forward svc/${g.name} ${PORT_FORWARD.http}:${GATEWAY_PORTS.http}`,
            };
    }
}

/**
 * The gateway's origin for a shell: the URL, or `http://$(<command printing the address>)[:port]`
 * where the address is only on the cluster.
 */
export function gatewayShellOrigin(
    istio: IstioConfig,
    cluster: ClusterConfig,
    gateway: GatewayAccess,
): string {
    if (!gateway.address || !isDescribed(gateway.url)) {
        return gateway.url;
    }
    return ingressOrigin("http", `$(${gateway.address.command})`, ingressPorts(istio, cluster));
}

/**
 * A place on the gateway: the URL, or, while the gateway's address is described, where the URL will
 * come from.
 */
export function onGateway(gateway: GatewayAccess, path: string): string {
    return isDescribed(gateway.url) ? `${gateway.url}, path ${path}` : `${gateway.url}${path}`;
}

/** The ports a browser uses for the gateway's HTTP and HTTPS listeners in this environment. */
export interface IngressPorts {
    http: number;
    https: number;
}

/** Local ports of a `kubectl port-forward` to a ClusterIP gateway. */
const PORT_FORWARD = { http: 8080, https: 8443 } as const;

export function ingressPorts(istio: IstioConfig, cluster: ClusterConfig): IngressPorts {
    const g = istio.gateway;
    switch (g.serviceType) {
        case "LoadBalancer":
            return { http: GATEWAY_PORTS.http, https: GATEWAY_PORTS.https };
        case "NodePort":
            return cluster.kind
                ? { http: cluster.kind.httpHostPort, https: cluster.kind.httpsHostPort }
                : { ...g.nodePorts };
        case "ClusterIP":
            return { ...PORT_FORWARD };
    }
}

/** `scheme://host[:port]` through the ingress gateway, the port left out where it is the default. */
export function ingressOrigin(scheme: "http" | "https", host: string, ports: IngressPorts): string {
    const port = ports[scheme];
    const standard = scheme === "http" ? 80 : 443;
    return port === standard ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}
