/**
 * Ingress with the Kubernetes Gateway API (`gateway.api: gateway-api`): a Gateway of class `istio`
 * bound to the chart-installed ingress gateway, and HTTPRoutes. The counterpart of ./ingress.ts
 * (Istio Gateway servers), with the same hosts, paths, HTTPS and redirect semantics, shared by
 * every component that exposes something (applications, Bookinfo, the addon UIs).
 *
 * Why the chart-installed gateway is kept (docs/ambient.md, "Gateway API ingress"): a Gateway whose
 * `spec.addresses` is one entry of type Hostname naming an existing Service is not deployed by
 * istiod ("manual deployment"; istio/istio 1.30 pilot/pkg/config/kube/gatewaycommon
 * `IsManaged`): istiod binds its listeners to that Service's pods. Listener ports must then be the
 * Service's ports (the gateway chart's 80/443, {@link GATEWAY_PORTS}).
 *
 * The pure functions build the specs; {@link gatewayApiIngress} declares the resources.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_API_VERSION, HTTPRoute, KubernetesGateway, ReferenceGrant } from "../crds";
import type { HTTPRouteSpec, KubernetesGatewaySpec, ReferenceGrantSpec } from "../crds";
import { dnsNameCovers } from "../tls/hosts";
import type { GatewayTls } from "./ingress";
import { GATEWAY_PORTS, serviceFqdn } from "./names";

/** Gateway API SectionName (a listener's name): at most 253 characters. */
const MAX_SECTION_NAME = 253;

/** The GatewayClass istiod creates for ingress Gateways (istio/istio 1.30 gatewaycommon/classinfo.go). */
export const ISTIO_GATEWAY_CLASS = "istio";

const GATEWAY_API_GROUP = GATEWAY_API_VERSION.split("/")[0];

/** The chart-installed ingress gateway's Service, which every ingress Gateway is bound to. */
export interface IngressGatewayService {
    /** `gateway.name`: the release, its Service and its ServiceAccount. */
    name: string;
    /** `gateway.namespace`: also where the ingress certificate's Secret lives. */
    namespace: string;
}

/** HTTPS on a Gateway: the certificate's Secret and the hosts served with it. */
export interface GatewayApiTls {
    secretName: string;
    /** The Secret's namespace (the gateway namespace, where the TLS component puts it). */
    secretNamespace: string;
    /** Hosts served over HTTPS; never "*". */
    hosts: string[];
    /** Answer plain HTTP on those hosts with a redirect to HTTPS. */
    httpsRedirect: boolean;
}

export type Listener = KubernetesGatewaySpec["listeners"][number];

/**
 * One listener of an ingress Gateway: `content` listeners carry the routes, `redirect` ones only
 * the HTTP-to-HTTPS redirect.
 */
export interface IngressListener {
    name: string;
    protocol: "HTTP" | "HTTPS";
    /** Undefined: any host ("*"). */
    hostname?: string;
    role: "content" | "redirect";
}

/**
 * A listener name (a Gateway API SectionName: lowercase DNS labels joined by dots) for a host on
 * a protocol: `http` for "*", `http-<host>` / `https-<host>` for a named one, `*.` spelt
 * `wildcard.` (a name too long for a SectionName uses a hash of the host instead). Routes attach
 * to listeners by these names.
 */
export function listenerName(protocol: "http" | "https", host: string): string {
    if (host === "*") {
        return protocol;
    }
    const name = `${protocol}-${host.replace(/^\*\./, "wildcard.")}`;
    // A host near the DNS maximum (253) would overflow the SectionName maximum (also 253).
    return name.length <= MAX_SECTION_NAME
        ? name
        : `${protocol}-${createHash("sha256").update(host).digest("hex").slice(0, 16)}`;
}

/**
 * The listeners serving `hosts` (and, with TLS, the HTTPS hosts), as ./ingress.ts's servers do:
 * one HTTP listener per host (a Gateway API listener names at most one host), one HTTPS listener
 * per TLS host (its SNI), and with a redirect the HTTP listeners of the TLS hosts only redirect.
 * A host outside the TLS hosts (such as "*") stays on plain HTTP.
 */
export function ingressListeners(
    hosts: readonly string[],
    tls?: Pick<GatewayApiTls, "hosts" | "httpsRedirect">,
): IngressListener[] {
    const secure = tls?.hosts ?? [];
    const redirect = (tls?.httpsRedirect ?? false) && secure.length > 0;
    const httpHosts = [...new Set([...hosts, ...(redirect ? secure : [])])];
    const http = httpHosts.map((h): IngressListener => ({
        name: listenerName("http", h),
        protocol: "HTTP",
        ...(h === "*" ? {} : { hostname: h }),
        role: redirect && secure.includes(h) ? "redirect" : "content",
    }));
    const https = [...new Set(secure)].map((h): IngressListener => ({
        name: listenerName("https", h),
        protocol: "HTTPS",
        hostname: h,
        role: "content",
    }));
    return [...http, ...https];
}

/**
 * The listeners a request for each route host reaches, per protocol the most specific one: the
 * listener of that very host, else one whose wildcard covers it, else the one for any host (Gateway
 * API listener precedence, which Istio follows by virtual host). A route host "*" reaches every
 * listener. A redirect listener's host is not served over plain HTTP by the route: attaching it to
 * the listener for any host too would merge the route into the redirecting virtual host.
 */
export function servingListeners(
    listeners: readonly IngressListener[],
    routeHosts: readonly string[],
): IngressListener[] {
    const chosen = new Set<IngressListener>();
    for (const h of routeHosts) {
        if (h === "*") {
            listeners.forEach((l) => chosen.add(l));
            continue;
        }
        for (const protocol of ["HTTP", "HTTPS"] as const) {
            const on = listeners.filter((l) => l.protocol === protocol);
            const best =
                on.find((l) => l.hostname === h) ??
                on.find((l) => l.hostname !== undefined && dnsNameCovers(l.hostname, h)) ??
                on.find((l) => l.hostname === undefined);
            if (best !== undefined) {
                chosen.add(best);
            }
        }
    }
    return listeners.filter((l) => chosen.has(l) && l.role === "content");
}

/**
 * The Gateway: class `istio`, bound to the chart-installed gateway's Service (manual deployment),
 * its listeners on the Service's ports. HTTPS listeners terminate TLS with the certificate's
 * Secret; a Secret in another namespace than the Gateway's is named with its namespace and needs
 * the {@link secretGrantSpec} ReferenceGrant there.
 */
export function kubernetesGatewaySpec(
    gateway: IngressGatewayService,
    gatewayNamespace: string,
    listeners: readonly IngressListener[],
    tls?: Pick<GatewayApiTls, "secretName" | "secretNamespace">,
): KubernetesGatewaySpec {
    return {
        gatewayClassName: ISTIO_GATEWAY_CLASS,
        addresses: [{ type: "Hostname", value: serviceFqdn(gateway.name, gateway.namespace) }],
        listeners: listeners.map((l): Listener => {
            const https = l.protocol === "HTTPS";
            if (https && tls === undefined) {
                throw new Error(`listener ${l.name} serves HTTPS but no certificate was given`);
            }
            return {
                name: l.name,
                port: https ? GATEWAY_PORTS.https : GATEWAY_PORTS.http,
                protocol: l.protocol,
                ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
                ...(https && tls
                    ? {
                          tls: {
                              mode: "Terminate",
                              certificateRefs: [
                                  {
                                      group: "",
                                      kind: "Secret",
                                      name: tls.secretName,
                                      ...(tls.secretNamespace !== gatewayNamespace
                                          ? { namespace: tls.secretNamespace }
                                          : {}),
                                  },
                              ],
                          },
                      }
                    : {}),
                allowedRoutes: { namespaces: { from: "Same" } },
            };
        }),
    };
}

/** A path the route sends on: exactly one of the two. */
export interface PathRule {
    exact?: string;
    prefix?: string;
}

/** What one route serves: its hosts ("*": any) and the paths it sends to a Service port. */
export interface IngressRoute {
    hosts: readonly string[];
    paths: readonly PathRule[];
    service: string;
    port: number;
}

type ParentRef = NonNullable<HTTPRouteSpec["parentRefs"]>[number];

function parentRef(gatewayName: string, sectionName: string): ParentRef {
    return { group: GATEWAY_API_GROUP, kind: "Gateway", name: gatewayName, sectionName };
}

/** Route hostnames: none for "*" (the listener's host applies), else the named hosts. */
function routeHostnames(hosts: readonly string[]): string[] | undefined {
    return hosts.includes("*") ? undefined : [...new Set(hosts)];
}

/**
 * A route to a Service, attached by name to the content listeners its hosts reach
 * ({@link servingListeners}; a parentRef to a listener of another host would only be refused in
 * the route's status).
 */
export function ingressRouteSpec(
    gatewayName: string,
    listeners: readonly IngressListener[],
    route: IngressRoute,
): HTTPRouteSpec {
    const hostnames = routeHostnames(route.hosts);
    const parents = servingListeners(listeners, route.hosts);
    return {
        parentRefs: parents.map((l) => parentRef(gatewayName, l.name)),
        ...(hostnames !== undefined ? { hostnames } : {}),
        rules: [
            {
                matches: route.paths.map((p) => ({
                    path:
                        p.exact !== undefined
                            ? { type: "Exact" as const, value: p.exact }
                            : { type: "PathPrefix" as const, value: p.prefix ?? "/" },
                })),
                backendRefs: [{ group: "", kind: "Service", name: route.service, port: route.port }],
            },
        ],
    };
}

/**
 * The HTTP-to-HTTPS redirect on the redirect listeners (undefined when there are none): 301 to
 * the same host and path over https. Without a port, the Location names none, that is 443
 * (Gateway API HTTPRequestRedirectFilter: the scheme's well-known port).
 */
export function redirectRouteSpec(
    gatewayName: string,
    listeners: readonly IngressListener[],
): HTTPRouteSpec | undefined {
    const redirects = listeners.filter((l) => l.role === "redirect");
    if (redirects.length === 0) {
        return undefined;
    }
    return {
        parentRefs: redirects.map((l) => parentRef(gatewayName, l.name)),
        hostnames: redirects.map((l) => l.hostname).filter((h): h is string => h !== undefined),
        rules: [
            {
                filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
            },
        ],
    };
}

/** Lets the Gateways of `fromNamespace` use the certificate's Secret (created in the Secret's namespace). */
export function secretGrantSpec(fromNamespace: string, secretName: string): ReferenceGrantSpec {
    return {
        from: [{ group: GATEWAY_API_GROUP, kind: "Gateway", namespace: fromNamespace }],
        to: [{ group: "", kind: "Secret", name: secretName }],
    };
}

/** Name of the ReferenceGrant a Gateway's namespace gets (one per Gateway, in the Secret's namespace). */
export function secretGrantName(gatewayNamespace: string, gatewayName: string): string {
    return `${gatewayNamespace}-${gatewayName}-tls`;
}

/** Name of a Gateway's redirect route. */
export function redirectRouteName(gatewayName: string): string {
    return `${gatewayName}-https-redirect`;
}

export interface GatewayApiIngressArgs {
    /** Prefix of the Pulumi resource names. */
    name: string;
    /** `{ parent, provider }` of every resource declared. */
    opts: pulumi.CustomResourceOptions;
    /** The Gateway's (and its routes') namespace, as configured and as created. */
    namespace: { name: string; resource: pulumi.Input<string> };
    gatewayName: string;
    gatewayService: IngressGatewayService;
    /** The hosts the Gateway answers on plain HTTP ("*": any). */
    hosts: readonly string[];
    /** The certificate and the hosts this Gateway serves with it (none: no HTTPS). */
    tls?: { certificate: GatewayTls; hosts: readonly string[] };
    /** The routes, by Kubernetes name; `resource` is the Pulumi name suffix. */
    routes: readonly (IngressRoute & { name: string; resource: string })[];
    /** What the Gateway waits for: the control plane's `ready` (with the Gateway API CRDs). */
    dependsOn: readonly pulumi.Input<pulumi.Resource>[];
}

/** Declares the Gateway, its Secret grant, its routes and its redirect; returns the Gateway. */
export function gatewayApiIngress(args: GatewayApiIngressArgs): pulumi.CustomResource {
    const base = args.opts;
    const ns = args.namespace;
    const served = args.tls && args.tls.hosts.length > 0 ? args.tls : undefined;
    const cert = served?.certificate;
    const listeners = ingressListeners(
        args.hosts,
        served && { hosts: [...served.hosts], httpsRedirect: served.certificate.httpsRedirect },
    );
    const secretNamespace = args.gatewayService.namespace;
    const dependsOn = [...args.dependsOn, ...(cert?.dependsOn ?? [])];
    if (cert && secretNamespace !== ns.name) {
        const grant = new ReferenceGrant(
            `${args.name}-gateway-tls-grant`,
            {
                metadata: { name: secretGrantName(ns.name, args.gatewayName), namespace: secretNamespace },
                spec: pulumi
                    .output(cert.credentialName)
                    .apply((secretName) => secretGrantSpec(ns.name, secretName)),
            },
            { ...base, dependsOn },
        );
        dependsOn.push(grant);
    }
    const spec = cert
        ? pulumi.output(cert.credentialName).apply((secretName) =>
              kubernetesGatewaySpec(args.gatewayService, ns.name, listeners, {
                  secretName,
                  secretNamespace,
              }),
          )
        : kubernetesGatewaySpec(args.gatewayService, ns.name, listeners);
    const gateway = new KubernetesGateway(
        `${args.name}-gateway`,
        { metadata: { name: args.gatewayName, namespace: ns.resource }, spec },
        { ...base, dependsOn },
    );
    const afterGateway = { ...base, dependsOn: [...args.dependsOn, gateway] };
    for (const r of args.routes) {
        new HTTPRoute(
            `${args.name}-${r.resource}`,
            {
                metadata: { name: r.name, namespace: ns.resource },
                spec: ingressRouteSpec(args.gatewayName, listeners, r),
            },
            afterGateway,
        );
    }
    const redirect = redirectRouteSpec(args.gatewayName, listeners);
    if (redirect !== undefined) {
        new HTTPRoute(
            `${args.name}-https-redirect`,
            {
                metadata: { name: redirectRouteName(args.gatewayName), namespace: ns.resource },
                spec: redirect,
            },
            afterGateway,
        );
    }
    return gateway;
}
