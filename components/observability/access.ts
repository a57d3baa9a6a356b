/**
 * How an operator reaches each UI: a `kubectl port-forward` that always works, and, when a UI is
 * exposed through the ingress gateway on a named host, its public URL. Every UI is an addon's
 * (its module's `ui`), found in the registry; pure, so the commands in the stack outputs can be
 * checked against the Services that exist.
 */
import { ADDONS, AddonName } from "./addons";
import type { ObservabilityConfig } from "./config";
import {
    PLAIN_EXPOSURE,
    UiAccess,
    UiExposure,
    UiTarget,
    exposedHost,
    targetAccess,
    targetBrowserOrigin,
    targetBrowserUrl,
} from "./links";
import type { AddonSettings, Ingress } from "./settings";

export { PLAIN_EXPOSURE } from "./links";
export type { UiAccess, UiExposure, UiTarget } from "./links";

export type Ui = AddonName;

/** The UIs, in the registry's order. */
export const UIS: readonly Ui[] = ADDONS.filter((a) => a.ui !== undefined).map((a) => a.name);

export function uiTarget(ui: Ui): UiTarget {
    const target = ADDONS.find((a) => a.name === ui)?.ui;
    if (target === undefined) {
        throw new Error(`observability addon ${ui} has no UI`);
    }
    return target;
}

function settings(cfg: ObservabilityConfig, ui: Ui): AddonSettings {
    return cfg[ui];
}

/** The UI's ingress setting, when it can be exposed through the gateway at all. */
function ingressOf(cfg: ObservabilityConfig, ui: Ui): Ingress | undefined {
    return settings(cfg, ui).ingress;
}

/** The host a UI is exposed on, or undefined when it is not exposed or exposed on "*". */
export function concreteHost(cfg: ObservabilityConfig, ui: Ui): string | undefined {
    return exposedHost(ingressOf(cfg, ui));
}

export function uiAccess(cfg: ObservabilityConfig, ns: string, ui: Ui, exposure = PLAIN_EXPOSURE): UiAccess {
    return targetAccess(uiTarget(ui), ingressOf(cfg, ui), ns, exposure);
}

/** Access for every enabled UI. */
export function accessAll(
    cfg: ObservabilityConfig,
    ns: string,
    exposure: UiExposure = PLAIN_EXPOSURE,
): Partial<Record<Ui, UiAccess>> {
    const out: Partial<Record<Ui, UiAccess>> = {};
    for (const ui of UIS) {
        if (settings(cfg, ui).enabled) {
            out[ui] = uiAccess(cfg, ns, ui, exposure);
        }
    }
    return out;
}

/** The URL a browser should follow from a link in another UI. */
export function browserUrl(cfg: ObservabilityConfig, ns: string, ui: Ui, exposure = PLAIN_EXPOSURE): string {
    return targetBrowserUrl(uiTarget(ui), ingressOf(cfg, ui), ns, exposure);
}

/** Scheme, host and port of {@link browserUrl} (see `targetBrowserOrigin` in ./links). */
export function browserOrigin(
    cfg: ObservabilityConfig,
    ns: string,
    ui: Ui,
    exposure = PLAIN_EXPOSURE,
): string {
    return targetBrowserOrigin(uiTarget(ui), ingressOf(cfg, ui), ns, exposure);
}

/** UIs that can be published through the ingress gateway: their settings have `ingress`. */
export type ExposableUi = {
    [K in Ui]: ObservabilityConfig[K] extends { ingress: Ingress } ? K : never;
}[Ui];

export function exposedUis(cfg: ObservabilityConfig): ExposableUi[] {
    return UIS.filter(
        (ui): ui is ExposableUi => settings(cfg, ui).enabled && ingressOf(cfg, ui)?.enabled === true,
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
