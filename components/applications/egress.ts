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
import type { DestinationRuleSpec, GatewaySpec, ServiceEntrySpec, VirtualServiceSpec } from "../crds";
import { GATEWAY_PORTS, gatewaySelectorLabel, serviceFqdn } from "../shared/names";
import { EgressSpec } from "./model";

export const EGRESS_HTTP_PORT = 80;
const LOCAL_ONLY = ["."];

export interface EgressObjects {
    serviceEntry: { name: string; spec: ServiceEntrySpec };
    virtualService?: { name: string; spec: VirtualServiceSpec };
    destinationRule?: { name: string; spec: DestinationRuleSpec };
    /** With an egress gateway: the Gateway on it for this host. */
    gateway?: { name: string; spec: GatewaySpec };
    /** With an egress gateway: the subset of the gateway's Service this host's traffic uses. */
    gatewayRule?: { name: string; spec: DestinationRuleSpec };
}

/** The installed egress gateway: its Helm release name (Service name, `istio=` label) and namespace. */
export interface EgressGatewayRef {
    releaseName: string;
    namespace: string;
}

/** `api.stripe.com` -> `api-stripe-com`: a name for the objects of an egress host. */
export function egressName(host: string): string {
    return host.replace(/^\*\./, "wildcard.").replace(/[^a-z0-9]+/g, "-");
}

/**
 * The host registered with the mesh: its TLS port for passthrough, or plain HTTP on port 80 plus
 * its TLS port when the mesh originates TLS.
 */
function serviceEntry(e: EgressSpec, exportTo: string[]): EgressObjects["serviceEntry"] {
    return {
        name: e.name,
        spec: {
            hosts: [e.host],
            exportTo,
            location: "MESH_EXTERNAL",
            resolution: "DNS",
            ports:
                e.tls === "passthrough"
                    ? [{ number: e.port, name: "tls", protocol: "TLS" }]
                    : [
                          { number: EGRESS_HTTP_PORT, name: "http", protocol: "HTTP" },
                          { number: e.port, name: "https", protocol: "HTTPS" },
                      ],
        },
    };
}

/** TLS opened to the host's TLS port; the server certificate is verified against the system CAs. */
function originateTls(e: EgressSpec, exportTo: string[]): NonNullable<EgressObjects["destinationRule"]> {
    return {
        name: `originate-tls-for-${e.name}`,
        spec: {
            host: e.host,
            exportTo,
            trafficPolicy: {
                loadBalancer: { simple: "ROUND_ROBIN" },
                portLevelSettings: [{ port: { number: e.port }, tls: { mode: "SIMPLE", sni: e.host } }],
            },
        },
    };
}

export function egressObjects(e: EgressSpec): EgressObjects {
    if (e.tls === "passthrough") {
        return { serviceEntry: serviceEntry(e, LOCAL_ONLY) };
    }
    return {
        serviceEntry: serviceEntry(e, LOCAL_ONLY),
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
        destinationRule: originateTls(e, LOCAL_ONLY),
    };
}

/**
 * Egress through the egress gateway, as Istio's tasks "Egress Gateways" (passthrough: the sidecar
 * routes the TLS stream by SNI to the gateway, which forwards it) and "Egress Gateways with TLS
 * Origination" (originate: the sidecar sends the app's plain HTTP to the gateway over mTLS, and the
 * gateway opens TLS to the host) describe them. The ServiceEntry, the VirtualService and the
 * host's DestinationRule are exported to the gateway's namespace as well, because the gateway's
 * proxy must see them.
 */
export function egressGatewayObjects(e: EgressSpec, gw: EgressGatewayRef): EgressObjects {
    const gatewayHost = serviceFqdn(gw.releaseName, gw.namespace);
    const gatewayName = `egress-${e.name}`;
    const visible = [".", gw.namespace];
    const selector = { istio: gatewaySelectorLabel(gw.releaseName) };
    const toGateway = (port: number) => ({
        destination: { host: gatewayHost, subset: e.name, port: { number: port } },
    });
    if (e.tls === "passthrough") {
        const gwPort = GATEWAY_PORTS.https;
        return {
            serviceEntry: serviceEntry(e, visible),
            gateway: {
                name: gatewayName,
                spec: {
                    selector,
                    servers: [
                        {
                            port: { number: gwPort, name: "tls", protocol: "TLS" },
                            hosts: [e.host],
                            tls: { mode: "PASSTHROUGH" },
                        },
                    ],
                },
            },
            gatewayRule: {
                name: `egressgateway-for-${e.name}`,
                spec: { host: gatewayHost, exportTo: LOCAL_ONLY, subsets: [{ name: e.name }] },
            },
            virtualService: {
                name: `${e.name}-through-egress-gateway`,
                spec: {
                    hosts: [e.host],
                    exportTo: visible,
                    gateways: ["mesh", gatewayName],
                    tls: [
                        {
                            match: [{ gateways: ["mesh"], port: e.port, sniHosts: [e.host] }],
                            route: [toGateway(gwPort)],
                        },
                        {
                            match: [{ gateways: [gatewayName], port: gwPort, sniHosts: [e.host] }],
                            route: [{ destination: { host: e.host, port: { number: e.port } } }],
                        },
                    ],
                },
            },
        };
    }
    const gwPort = GATEWAY_PORTS.http;
    return {
        serviceEntry: serviceEntry(e, visible),
        gateway: {
            name: gatewayName,
            spec: {
                selector,
                servers: [
                    {
                        // The sidecar reaches the gateway over mTLS; the gateway originates TLS.
                        port: { number: gwPort, name: "https-port-for-tls-origination", protocol: "HTTPS" },
                        hosts: [e.host],
                        tls: { mode: "ISTIO_MUTUAL" },
                    },
                ],
            },
        },
        gatewayRule: {
            name: `egressgateway-for-${e.name}`,
            spec: {
                host: gatewayHost,
                exportTo: LOCAL_ONLY,
                subsets: [
                    {
                        name: e.name,
                        trafficPolicy: {
                            portLevelSettings: [
                                { port: { number: gwPort }, tls: { mode: "ISTIO_MUTUAL", sni: e.host } },
                            ],
                        },
                    },
                ],
            },
        },
        virtualService: {
            name: `${e.name}-through-egress-gateway`,
            spec: {
                hosts: [e.host],
                exportTo: visible,
                gateways: ["mesh", gatewayName],
                http: [
                    {
                        match: [{ gateways: ["mesh"], port: EGRESS_HTTP_PORT }],
                        route: [toGateway(gwPort)],
                    },
                    {
                        match: [{ gateways: [gatewayName], port: gwPort }],
                        route: [{ destination: { host: e.host, port: { number: e.port } } }],
                    },
                ],
            },
        },
        destinationRule: originateTls(e, visible),
    };
}
