/**
 * The way in to Bookinfo: its Gateway on the installed ingress gateway, and the paths productpage
 * serves to browsers.
 */
import type { VirtualServiceSpec } from "../crds";
import { IngressAccess, ingressAccess, ingressRouteSpec as applicationRoute } from "../applications/ingress";
import { GatewayAccess, IngressPorts } from "../istio/access";
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
export type ProductPageAccess = IngressAccess;

export const PRODUCT_PAGE_PATH = "/productpage";

/** Where the product page answers (see {@link ingressAccess}). */
export function productPageAccess(
    gateway: GatewayAccess,
    gatewayShellOrigin: string,
    hosts: readonly string[],
    ports: IngressPorts,
): ProductPageAccess {
    return ingressAccess(gateway, gatewayShellOrigin, hosts, ports, PRODUCT_PAGE_PATH);
}

/** The product page's URL (see {@link productPageAccess}). */
export function productPageUrl(
    gateway: GatewayAccess,
    hosts: readonly string[] = ["*"],
    ports?: IngressPorts,
): string {
    return productPageAccess(gateway, gateway.url, hosts, ports ?? { http: 80, https: 443 }).url;
}
