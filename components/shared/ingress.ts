/**
 * Servers of an Istio Gateway bound to the ingress gateway: plain HTTP, and with TLS an HTTPS
 * server plus (optionally) a redirect. Shared by every component that exposes something, so that
 * Bookinfo and the addon UIs are served the same way.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { GatewaySpec } from "../crds";
import { GATEWAY_PORTS } from "./names";

/** What a Gateway needs to serve HTTPS with the ingress certificate (produced by the TLS component). */
export interface GatewayTls {
    /** Name of the kubernetes.io/tls Secret in the gateway namespace. */
    credentialName: pulumi.Input<string>;
    /** The hosts the certificate covers. */
    hosts: string[];
    /** Answer plain HTTP on those hosts with a redirect to HTTPS. */
    httpsRedirect: boolean;
    /** What must exist before a Gateway refers to the Secret (the Certificate). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export type GatewayServer = NonNullable<GatewaySpec["servers"]>[number];

export interface ServedTls {
    credentialName: string;
    /** The hosts to serve over HTTPS. */
    hosts: string[];
    httpsRedirect: boolean;
}

/**
 * Port names are `http`, `http-redirect` and `https`, plus `suffix` (one Gateway's names are
 * kept apart from another's in the gateway's listener stats). Ports are the gateway chart's Service ports (80/443): Istio translates a Gateway port to the
 * Service's targetPort, and a port the Service does not have (the upstream sample's 8080) is
 * unreachable. With a redirect, only the HTTPS hosts are redirected; any other host (e.g. "*" for
 * access by IP) stays on plain HTTP, where HTTPS would fail the certificate check anyway.
 */
export function ingressServers(hosts: string[], tls?: ServedTls, suffix = ""): GatewayServer[] {
    const name = `http${suffix}`;
    const http = (portName: string, serverHosts: string[], redirect: boolean): GatewayServer => ({
        port: { number: GATEWAY_PORTS.http, name: portName, protocol: "HTTP" },
        hosts: serverHosts,
        ...(redirect ? { tls: { httpsRedirect: true } } : {}),
    });
    if (!tls || tls.hosts.length === 0) {
        return [http(name, hosts, false)];
    }
    const servers: GatewayServer[] = [];
    if (tls.httpsRedirect) {
        servers.push(http(`http-redirect${suffix}`, tls.hosts, true));
        const plain = hosts.filter((h) => !tls.hosts.includes(h));
        if (plain.length > 0) {
            servers.push(http(name, plain, false));
        }
    } else {
        servers.push(http(name, hosts, false));
    }
    servers.push({
        port: { number: GATEWAY_PORTS.https, name: `https${suffix}`, protocol: "HTTPS" },
        hosts: tls.hosts,
        tls: { mode: "SIMPLE", credentialName: tls.credentialName },
    });
    return servers;
}

/**
 * The HTTPS an ingress with `hosts` gets from the certificate: an ingress that answers any host
 * ("*") serves every certificate host except those another ingress names (`named`: the named hosts
 * of every ingress of the stack). Two Gateways with an HTTPS server for the same host on one
 * gateway are a conflict Istio settles by serving one of them, whichever API writes them.
 */
export function ingressTls(tls: GatewayTls, hosts: readonly string[], named: readonly string[]): GatewayTls {
    if (!hosts.includes("*")) {
        return tls;
    }
    const others = new Set(named.filter((h) => !hosts.includes(h)));
    return { ...tls, hosts: tls.hosts.filter((h) => !others.has(h)) };
}
