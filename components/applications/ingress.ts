/**
 * The way in: an Istio Gateway bound to the installed (shared) ingress gateway, and the
 * VirtualService that sends the ingress paths to the ingress service.
 */
import type { GatewaySpec, VirtualServiceSpec } from "../crds";
import { ServedTls, ingressServers } from "../shared/ingress";
import { IngressSpec } from "./model";

/** The Gateway: the configured hosts on HTTP, and the HTTPS hosts with the certificate. */
export function gatewaySpec(selectorLabel: string, hosts: string[], tls?: ServedTls): GatewaySpec {
    return { selector: { istio: selectorLabel }, servers: ingressServers(hosts, tls) };
}

export function gatewayName(application: string, ingress: IngressSpec): string {
    return ingress.gatewayName ?? `${application}-gateway`;
}

export function ingressRouteName(application: string, ingress: IngressSpec): string {
    return ingress.routeName ?? `${application}-ingress`;
}

/** The route from the Gateway to the ingress service, for the given paths. */
export function ingressRouteSpec(
    gateway: string,
    hosts: string[],
    ingress: Pick<IngressSpec, "service" | "paths">,
    port: number,
): VirtualServiceSpec {
    return {
        hosts,
        gateways: [gateway],
        http: [
            {
                match: ingress.paths.map((p) => ({
                    uri: p.exact !== undefined ? { exact: p.exact } : { prefix: p.prefix },
                })),
                route: [{ destination: { host: ingress.service, port: { number: port } } }],
            },
        ],
    };
}

/** The ingress route answers for the configured hosts and for the HTTPS hosts. */
export function ingressHosts(hosts: string[], tls?: { hosts: string[] }): string[] {
    if (hosts.includes("*") || tls === undefined) {
        return hosts;
    }
    return [...new Set([...hosts, ...tls.hosts])];
}
