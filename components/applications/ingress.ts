/**
 * The way in: an Istio Gateway bound to the installed (shared) ingress gateway, and the
 * VirtualService that sends the ingress paths to the ingress service.
 */
import type { GatewaySpec, VirtualServiceSpec } from "../crds";
import { GatewayAccess, IngressPorts, ingressOrigin, onGateway } from "../istio/access";
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

/** How to reach an application's ingress (stack outputs `productPage` and `applicationIngress`). */
export interface IngressAccess {
    /** Where a browser opens it. */
    url: string;
    /** What a client connects to: the path on the gateway's own address. */
    requestUrl: string;
    /** The Host header to send to requestUrl when the Gateway answers only named hosts. */
    hostHeader?: string;
    /** A command that fetches the path whether or not the host name resolves yet. */
    curl: string;
}

/**
 * Where an ingress answers a path. On "*" it is the gateway's URL; on named hosts it is the first
 * host that is not a wildcard (its DNS record must point at the gateway), and
 * {@link IngressAccess.hostHeader} says what to send when connecting to the gateway's address.
 */
export function ingressAccess(
    gateway: GatewayAccess,
    gatewayShellOrigin: string,
    hosts: readonly string[],
    ports: IngressPorts,
    path: string,
): IngressAccess {
    const requestUrl = onGateway(gateway, path);
    const shellUrl = `"${gatewayShellOrigin}${path}"`;
    const named = hosts.includes("*") ? undefined : hosts.find((h) => !h.includes("*"));
    if (named === undefined) {
        return { url: requestUrl, requestUrl, curl: `curl -s -o /dev/null -w '%{http_code}\\n' ${shellUrl}` };
    }
    return {
        url: `${ingressOrigin("http", named, ports)}${path}`,
        requestUrl,
        hostHeader: named,
        curl: `curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: ${named}' ${shellUrl}`,
    };
}

/** The path a request to the ingress is sent to: the first exact path, or the first prefix. */
export function ingressEntryPath(ingress: IngressSpec): string {
    const first = ingress.paths.find((p) => p.exact !== undefined) ?? ingress.paths[0];
    return first?.exact ?? first?.prefix ?? "/";
}
