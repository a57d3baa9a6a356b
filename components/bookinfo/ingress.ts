/**
 * The way in to Bookinfo: its Gateway on the installed ingress gateway, and the paths productpage
 * serves to browsers.
 */
import type { VirtualServiceSpec } from "../crds";
import { ingressRouteSpec as applicationRoute } from "../applications/ingress";
import { GatewayAccess, IngressPorts, ingressOrigin, onGateway } from "../istio/access";
import { HTTP_PORT } from "./catalogue";

export { gatewaySpec } from "../applications/ingress";

export const BOOKINFO_GATEWAY = "bookinfo-gateway";
export const BOOKINFO_INGRESS_ROUTE = "bookinfo";

/** The page, its assets, sign-in and the REST API. */
export const BOOKINFO_PATHS = [
    { exact: "/productpage" },
    { prefix: "/static" },
    { exact: "/login" },
    { exact: "/logout" },
    { prefix: "/api/v1/products" },
];

export function ingressRouteSpec(hosts: string[]): VirtualServiceSpec {
    return applicationRoute(
        BOOKINFO_GATEWAY,
        hosts,
        { service: "productpage", paths: BOOKINFO_PATHS },
        HTTP_PORT,
    );
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
