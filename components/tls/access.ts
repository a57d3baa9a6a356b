import { ClusterConfig } from "../cluster/config";
import { IstioConfig } from "../istio/config";
import { GATEWAY_PORTS } from "../shared/names";

/** Port a local `kubectl port-forward` to the gateway's HTTPS listener uses. */
const PORT_FORWARD_HTTPS = 8443;

/**
 * The HTTPS base URL of each TLS host, given how the stack exposes the gateway. The host name is
 * what the certificate names, so it must resolve to that address (localtest.me resolves to
 * 127.0.0.1; real names need a DNS record for the load balancer).
 */
export function httpsUrls(hosts: readonly string[], istio: IstioConfig, cluster: ClusterConfig): string[] {
    const g = istio.gateway;
    const port =
        g.serviceType === "LoadBalancer"
            ? GATEWAY_PORTS.https
            : g.serviceType === "NodePort"
              ? (cluster.kind?.httpsHostPort ?? g.nodePorts.https)
              : PORT_FORWARD_HTTPS;
    const suffix = port === GATEWAY_PORTS.https ? "" : `:${port}`;
    return hosts.map((h) => `https://${h}${suffix}`);
}
