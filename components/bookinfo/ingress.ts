/**
 * The way in: an Istio Gateway bound to the installed ingress gateway, and the VirtualService that
 * sends the product page's paths to productpage.
 */
import type { GatewaySpec, VirtualServiceSpec } from "../crds";
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

/** Where the product page answers, given how the ingress gateway is reached in this environment. */
export function productPageUrl(gateway: { url: string }): string {
    return `${gateway.url}/productpage`;
}
