import { ClusterConfig } from "../cluster/config";
import { IstioConfig } from "../istio/config";
import { ingressOrigin, ingressPorts } from "../istio/access";

/**
 * The HTTPS base URL of each TLS host, given how the stack exposes the gateway. The host name is
 * what the certificate names, so it must resolve to that address (localtest.me resolves to
 * 127.0.0.1; real names need a DNS record for the load balancer).
 */
export function httpsUrls(hosts: readonly string[], istio: IstioConfig, cluster: ClusterConfig): string[] {
    const ports = ingressPorts(istio, cluster);
    return hosts.map((h) => ingressOrigin("https", h, ports));
}
