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
                url: "http://localhost:8080",
                howTo: `kubectl port-forward ${svc} 8080:${GATEWAY_PORTS.http}`,
            };
    }
}
