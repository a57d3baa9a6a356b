/**
 * How a browser and an operator reach one UI, from its target (Service, ports, path) and where it
 * is exposed: pure, and independent of the addon registry, so an addon module can link to another
 * addon's UI (Kiali to Grafana and Jaeger) without importing the registry.
 */
import { IngressPorts, ingressOrigin } from "../istio/access";
import type { Ingress } from "./settings";

/** A UI: the Service a port-forward targets and the path it is served under ("" for the root). */
export interface UiTarget {
    service: string;
    servicePort: number;
    localPort: number;
    path: string;
}

export interface UiAccess extends UiTarget {
    portForward: string;
    /** Where the browser goes while the port-forward runs. */
    localUrl: string;
    /** http://<host><path> when exposed on a concrete host through the ingress gateway. */
    publicUrl?: string;
}

/** How the exposed UIs are reached through the ingress gateway. */
export interface UiExposure {
    /** The hosts served over HTTPS (see `httpsHosts` in ./access). */
    secureHosts: string[];
    /** The gateway's ports as a browser sees them (e.g. kind's host ports). */
    ports: IngressPorts;
}

/** A gateway on the standard ports, without TLS. */
export const PLAIN_EXPOSURE: UiExposure = { secureHosts: [], ports: { http: 80, https: 443 } };

/** The host a UI is exposed on, or undefined when it is not exposed or exposed on "*". */
export function exposedHost(ingress: Ingress | undefined): string | undefined {
    return ingress?.enabled && !ingress.host.includes("*") ? ingress.host : undefined;
}

export function targetAccess(
    t: UiTarget,
    ingress: Ingress | undefined,
    ns: string,
    exposure = PLAIN_EXPOSURE,
): UiAccess {
    const host = exposedHost(ingress);
    const scheme = host !== undefined && exposure.secureHosts.includes(host) ? "https" : "http";
    return {
        ...t,
        portForward: `kubectl -n ${ns} port-forward svc/${t.service} ${t.localPort}:${t.servicePort}`,
        localUrl: `http://localhost:${t.localPort}${t.path}`,
        ...(host ? { publicUrl: `${ingressOrigin(scheme, host, exposure.ports)}${t.path}` } : {}),
    };
}

/** The URL a browser should follow from a link in another UI. */
export function targetBrowserUrl(
    t: UiTarget,
    ingress: Ingress | undefined,
    ns: string,
    exposure = PLAIN_EXPOSURE,
): string {
    const a = targetAccess(t, ingress, ns, exposure);
    return a.publicUrl ?? a.localUrl;
}

/**
 * Scheme, host and port of {@link targetBrowserUrl}, without the UI's path. Kiali needs this for
 * Grafana: Grafana's search API answers with dashboard paths that already carry its sub path
 * (`/grafana/d/<uid>/<slug>`, taken from root_url), and Kiali (grafana/grafana.go) appends such a
 * path to `external_url` whenever it does not start with it, so `http://host/grafana` would turn
 * every dashboard link into `http://host/grafana/grafana/d/...`.
 */
export function targetBrowserOrigin(
    t: UiTarget,
    ingress: Ingress | undefined,
    ns: string,
    exposure = PLAIN_EXPOSURE,
): string {
    return new URL(targetBrowserUrl(t, ingress, ns, exposure)).origin;
}
