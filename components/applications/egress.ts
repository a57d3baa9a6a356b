/**
 * Egress to hosts outside the mesh. With `REGISTRY_ONLY` outbound traffic a host unknown to the
 * mesh is unreachable, so each is registered with a ServiceEntry, kept to the application's
 * namespace (`exportTo: "."`).
 * - passthrough: the app speaks TLS; the sidecar forwards it by SNI (Istio task "Accessing
 *   External Services").
 * - originate: the app speaks plain HTTP to port 80, which a VirtualService redirects to the TLS
 *   port where a DestinationRule makes the sidecar originate TLS (Istio task "Egress TLS
 *   Origination"), so the call is visible to the mesh (metrics, traces, policy) instead of being
 *   an opaque TLS stream.
 */
import type { DestinationRuleSpec, ServiceEntrySpec, VirtualServiceSpec } from "../crds";
import { EgressSpec } from "./model";

export const EGRESS_HTTP_PORT = 80;
const LOCAL_ONLY = ["."];

export interface EgressObjects {
    serviceEntry: { name: string; spec: ServiceEntrySpec };
    virtualService?: { name: string; spec: VirtualServiceSpec };
    destinationRule?: { name: string; spec: DestinationRuleSpec };
}

/** `api.stripe.com` -> `api-stripe-com`: a name for the objects of an egress host. */
export function egressName(host: string): string {
    return host.replace(/^\*\./, "wildcard.").replace(/[^a-z0-9]+/g, "-");
}

export function egressObjects(e: EgressSpec): EgressObjects {
    if (e.tls === "passthrough") {
        return {
            serviceEntry: {
                name: e.name,
                spec: {
                    hosts: [e.host],
                    exportTo: LOCAL_ONLY,
                    location: "MESH_EXTERNAL",
                    resolution: "DNS",
                    ports: [{ number: e.port, name: "tls", protocol: "TLS" }],
                },
            },
        };
    }
    return {
        serviceEntry: {
            name: e.name,
            spec: {
                hosts: [e.host],
                exportTo: LOCAL_ONLY,
                location: "MESH_EXTERNAL",
                resolution: "DNS",
                ports: [
                    { number: EGRESS_HTTP_PORT, name: "http", protocol: "HTTP" },
                    { number: e.port, name: "https", protocol: "HTTPS" },
                ],
            },
        },
        virtualService: {
            name: `rewrite-port-for-${e.name}`,
            spec: {
                hosts: [e.host],
                exportTo: LOCAL_ONLY,
                http: [
                    {
                        match: [{ port: EGRESS_HTTP_PORT }],
                        route: [{ destination: { host: e.host, port: { number: e.port } } }],
                    },
                ],
            },
        },
        destinationRule: {
            name: `originate-tls-for-${e.name}`,
            spec: {
                host: e.host,
                exportTo: LOCAL_ONLY,
                trafficPolicy: {
                    loadBalancer: { simple: "ROUND_ROBIN" },
                    portLevelSettings: [
                        {
                            port: { number: e.port },
                            // The server certificate is verified against the proxy's system CAs.
                            tls: { mode: "SIMPLE", sni: e.host },
                        },
                    ],
                },
            },
        },
    };
}
