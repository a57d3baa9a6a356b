/**
 * How an operator reaches each UI: a `kubectl port-forward` that always works, and, when a UI is
 * exposed through the ingress gateway on a named host, its public URL. Pure, so the commands in the
 * stack outputs can be checked against the Services that exist.
 */
import { IngressPorts, ingressOrigin } from "../istio/access";
import { ObservabilityConfig } from "./config";
import { GRAFANA, JAEGER, JAEGER_SERVICES, KIALI, PROMETHEUS, jaegerQueryHttpPort } from "./endpoints";

export const UIS = ["kiali", "grafana", "jaeger", "prometheus"] as const;
export type Ui = (typeof UIS)[number];

export interface UiAccess {
    /** The Service the port-forward targets. */
    service: string;
    servicePort: number;
    localPort: number;
    /** Path the UI is served under ("" for the root). */
    path: string;
    portForward: string;
    /** Where the browser goes while the port-forward runs. */
    localUrl: string;
    /** http://<host><path> when exposed on a concrete host through the ingress gateway. */
    publicUrl?: string;
}

interface UiTarget {
    service: string;
    servicePort: number;
    localPort: number;
    path: string;
}

const TARGETS: Record<Ui, UiTarget> = {
    kiali: { service: KIALI.instance, servicePort: KIALI.port, localPort: KIALI.port, path: KIALI.webRoot },
    grafana: {
        service: GRAFANA.service,
        servicePort: GRAFANA.port,
        localPort: GRAFANA.port,
        path: GRAFANA.path,
    },
    jaeger: {
        service: JAEGER_SERVICES.query.name,
        servicePort: jaegerQueryHttpPort(),
        localPort: JAEGER.ports.queryHttp,
        path: JAEGER.basePath,
    },
    prometheus: {
        service: PROMETHEUS.service,
        servicePort: PROMETHEUS.port,
        localPort: PROMETHEUS.port,
        path: "",
    },
};

export function uiTarget(ui: Ui): UiTarget {
    return TARGETS[ui];
}

function enabled(cfg: ObservabilityConfig, ui: Ui): boolean {
    return cfg[ui].enabled;
}

/** The host a UI is exposed on, or undefined when it is not exposed or exposed on "*". */
export function concreteHost(cfg: ObservabilityConfig, ui: Ui): string | undefined {
    if (ui === "prometheus") {
        return undefined;
    }
    const ing = cfg[ui].ingress;
    return ing.enabled && !ing.host.includes("*") ? ing.host : undefined;
}

/** How the exposed UIs are reached through the ingress gateway. */
export interface UiExposure {
    /** The hosts served over HTTPS (see {@link httpsHosts}). */
    secureHosts: string[];
    /** The gateway's ports as a browser sees them (e.g. kind's host ports). */
    ports: IngressPorts;
}

/** A gateway on the standard ports, without TLS. */
export const PLAIN_EXPOSURE: UiExposure = { secureHosts: [], ports: { http: 80, https: 443 } };

export function uiAccess(cfg: ObservabilityConfig, ns: string, ui: Ui, exposure = PLAIN_EXPOSURE): UiAccess {
    const t = TARGETS[ui];
    const host = concreteHost(cfg, ui);
    const scheme = host !== undefined && exposure.secureHosts.includes(host) ? "https" : "http";
    return {
        ...t,
        portForward: `kubectl -n ${ns} port-forward svc/${t.service} ${t.localPort}:${t.servicePort}`,
        localUrl: `http://localhost:${t.localPort}${t.path}`,
        ...(host ? { publicUrl: `${ingressOrigin(scheme, host, exposure.ports)}${t.path}` } : {}),
    };
}

/** Access for every enabled UI. */
export function accessAll(
    cfg: ObservabilityConfig,
    ns: string,
    exposure = PLAIN_EXPOSURE,
): Partial<Record<Ui, UiAccess>> {
    const out: Partial<Record<Ui, UiAccess>> = {};
    for (const ui of UIS) {
        if (enabled(cfg, ui)) {
            out[ui] = uiAccess(cfg, ns, ui, exposure);
        }
    }
    return out;
}

/** The URL a browser should follow from a link in another UI. */
export function browserUrl(cfg: ObservabilityConfig, ns: string, ui: Ui, exposure = PLAIN_EXPOSURE): string {
    const a = uiAccess(cfg, ns, ui, exposure);
    return a.publicUrl ?? a.localUrl;
}

/**
 * Scheme, host and port of {@link browserUrl}, without the UI's path. Kiali needs this for Grafana:
 * Grafana's search API answers with dashboard paths that already carry its sub path
 * (`/grafana/d/<uid>/<slug>`, taken from root_url), and Kiali (grafana/grafana.go) appends such a
 * path to `external_url` whenever it does not start with it, so `http://host/grafana` would turn
 * every dashboard link into `http://host/grafana/grafana/d/...`.
 */
export function browserOrigin(
    cfg: ObservabilityConfig,
    ns: string,
    ui: Ui,
    exposure = PLAIN_EXPOSURE,
): string {
    return new URL(browserUrl(cfg, ns, ui, exposure)).origin;
}

/** UIs published through the ingress gateway (Prometheus never is). */
export type ExposableUi = Exclude<Ui, "prometheus">;

export function exposedUis(cfg: ObservabilityConfig): ExposableUi[] {
    return UIS.filter(
        (ui): ui is ExposableUi => ui !== "prometheus" && cfg[ui].enabled && cfg[ui].ingress.enabled,
    );
}

/** Distinct hosts the UI Gateway serves. */
export function exposedHosts(cfg: ObservabilityConfig): string[] {
    return [...new Set(exposedUis(cfg).map((ui) => cfg[ui].ingress.host))];
}

/**
 * The exposed hosts served over HTTPS when TLS is on: the named ones. A UI exposed on "*" stays
 * on plain HTTP, since no certificate can cover every name a client may use.
 */
export function httpsHosts(cfg: ObservabilityConfig): string[] {
    return exposedHosts(cfg).filter((h) => !h.includes("*"));
}

// Where they were before the addons' login notes moved to their modules (tools/ui.ts reads them here).
export type { LoginContext, UiAccessOutput } from "./outputs";
