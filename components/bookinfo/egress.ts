/**
 * Egress for details v2, which calls the Google Books API. With `REGISTRY_ONLY` outbound traffic a
 * host unknown to the mesh is unreachable, so it is registered with a ServiceEntry; details v2 runs
 * with DO_NOT_ENCRYPT and speaks plain HTTP to port 80, which is redirected to 443 where the
 * sidecar originates TLS. The three objects are kept to the Bookinfo namespace (`exportTo: "."`).
 */
import type { DestinationRuleSpec, ServiceEntrySpec, VirtualServiceSpec } from "../crds";

export const GOOGLE_APIS_HOST = "www.googleapis.com";
const HTTP = 80;
const HTTPS = 443;
const LOCAL_ONLY = ["."];

export interface EgressObjects {
    serviceEntry: { name: string; spec: ServiceEntrySpec };
    virtualService: { name: string; spec: VirtualServiceSpec };
    destinationRule: { name: string; spec: DestinationRuleSpec };
}

export function googleApisEgress(): EgressObjects {
    return {
        serviceEntry: {
            name: "googleapis",
            spec: {
                hosts: [GOOGLE_APIS_HOST],
                exportTo: LOCAL_ONLY,
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                ports: [
                    { number: HTTP, name: "http", protocol: "HTTP" },
                    { number: HTTPS, name: "https", protocol: "HTTPS" },
                ],
            },
        },
        virtualService: {
            name: "rewrite-port-for-googleapis",
            spec: {
                hosts: [GOOGLE_APIS_HOST],
                exportTo: LOCAL_ONLY,
                http: [
                    {
                        match: [{ port: HTTP }],
                        route: [{ destination: { host: GOOGLE_APIS_HOST, port: { number: HTTPS } } }],
                    },
                ],
            },
        },
        destinationRule: {
            name: "originate-tls-for-googleapis",
            spec: {
                host: GOOGLE_APIS_HOST,
                exportTo: LOCAL_ONLY,
                trafficPolicy: {
                    loadBalancer: { simple: "ROUND_ROBIN" },
                    portLevelSettings: [
                        {
                            port: { number: HTTPS },
                            // The server certificate is verified against the proxy's system CAs.
                            tls: { mode: "SIMPLE", sni: GOOGLE_APIS_HOST },
                        },
                    ],
                },
            },
        },
    };
}
