/**
 * The way in: an Istio Gateway bound to the installed ingress gateway, and the VirtualService that
 * sends the product page's paths to productpage.
 */
import type { GatewaySpec, VirtualServiceSpec } from "../crds";
import { GatewayAccess, IngressPorts, ingressOrigin, onGateway } from "../istio/access";
import { ServedTls, ingressServers } from "../shared/ingress";
import { HTTP_PORT } from "./catalogue";

export const BOOKINFO_GATEWAY = "bookinfo-gateway";
export const BOOKINFO_INGRESS_ROUTE = "bookinfo";

/** The Bookinfo Gateway: the configured hosts on HTTP, and the certificate's hosts on HTTPS. */
export function gatewaySpec(selectorLabel: string, hosts: string[], tls?: ServedTls): GatewaySpec {
    return { selector: { istio: selectorLabel }, servers: ingressServers(hosts, tls) };
}

/** The paths productpage serves to browsers (the page, its assets, sign-in and the REST API). */
export function ingressRouteSpec(hosts: string[]): VirtualServiceSpec {
    return {
        hosts,
        gateways: [BOOKINFO_GATEWAY],
        http: [
            {
                match: [
                    { uri: { exact: "/productpage" } },
                    { uri: { prefix: "/static" } },
                    { uri: { exact: "/login" } },
                    { uri: { exact: "/logout" } },
                    { uri: { prefix: "/api/v1/products" } },
                ],
                route: [{ destination: { host: "productpage", port: { number: HTTP_PORT } } }],
            },
        ],
    };
}

/** How to reach the product page (stack output `productPage`). */
export interface ProductPageAccess {
    /** Where a browser opens it (the same as `productPageUrl`). */
    url: string;
    /** What a client connects to: the page on the gateway's own address. */
    requestUrl: string;
    /** The Host header to send to requestUrl when the Gateway answers only named hosts. */
    hostHeader?: string;
    /** A command that fetches the page whether or not the host name resolves yet. */
    curl: string;
}

export const PRODUCT_PAGE_PATH = "/productpage";

/**
 * Where the product page answers. On "*" it is the gateway's URL; on named hosts it is the first
 * host (its DNS record must point at the gateway), and {@link ProductPageAccess.hostHeader} says
 * what to send when connecting to the gateway's address directly.
 */
export function productPageAccess(
    gateway: GatewayAccess,
    gatewayShellOrigin: string,
    hosts: readonly string[],
    ports: IngressPorts,
): ProductPageAccess {
    const requestUrl = onGateway(gateway, PRODUCT_PAGE_PATH);
    const shellUrl = `"${gatewayShellOrigin}${PRODUCT_PAGE_PATH}"`;
    const named = hosts.includes("*") ? undefined : hosts.find((h) => !h.includes("*"));
    if (named === undefined) {
        return { url: requestUrl, requestUrl, curl: `curl -s -o /dev/null -w '%{http_code}\\n' ${shellUrl}` };
    }
    return {
        url: `${ingressOrigin("http", named, ports)}${PRODUCT_PAGE_PATH}`,
        requestUrl,
        hostHeader: named,
        curl: `curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: ${named}' ${shellUrl}`,
    };
}

/** The product page's URL (see {@link productPageAccess}). */
export function productPageUrl(
    gateway: GatewayAccess,
    hosts: readonly string[] = ["*"],
    ports?: IngressPorts,
): string {
    return productPageAccess(gateway, gateway.url, hosts, ports ?? { http: 80, https: 443 }).url;
}
