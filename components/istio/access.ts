import { ClusterConfig } from "../cluster/config";
import { GATEWAY_PORTS } from "../shared/names";
import { IstioConfig } from "./config";

export interface GatewayAccess {
    /** A URL that reaches the gateway's HTTP listener, or a placeholder where it is only known live. */
    url: string;
    /** How to reach it in this environment. */
    howTo: string;
}

/** How an operator reaches the ingress gateway, given how this stack exposes it. */
export function gatewayAccess(istio: IstioConfig, cluster: ClusterConfig): GatewayAccess {
    const g = istio.gateway;
    const svc = `-n ${g.namespace} svc/${g.name}`;
    switch (g.serviceType) {
        case "NodePort":
            if (cluster.kind) {
                return {
                    url: `http://localhost:${cluster.kind.httpHostPort}`,
                    howTo: `kind maps node port ${g.nodePorts.http} to localhost:${cluster.kind.httpHostPort}`,
                };
            }
            return {
                url: `http://<node-ip>:${g.nodePorts.http}`,
                howTo: "use `minikube ip` or `kubectl get nodes -o wide` for <node-ip>",
            };
        case "LoadBalancer":
            return {
                url: `http://<load-balancer-address>:${GATEWAY_PORTS.http}`,
                howTo: `kubectl get ${svc} -o jsonpath='{.status.loadBalancer.ingress[0]}'`,
            };
        case "ClusterIP":
            return {
                url: `http://localhost:${PORT_FORWARD.http}`,
                howTo: `kubectl port-forward ${svc} ${PORT_FORWARD.http}:${GATEWAY_PORTS.http}`,
            };
    }
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
