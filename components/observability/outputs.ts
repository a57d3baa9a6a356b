/**
 * The UIs' access as the stack outputs show it: the port-forwards with the stack's kubectl context,
 * the public URLs, and each addon's login note.
 */
import { GatewayAccess, onGateway } from "../istio/access";
import { UIS, Ui, UiAccess } from "./access";
import type { Addon, LoginContext } from "./addon";
import { ADDONS } from "./addons";
import { ObservabilityConfig } from "./config";
import type { AddonSettings } from "./settings";

export type { LoginContext } from "./addon";

/** A UI's access as the stack outputs show it: with the stack's kubectl context and the login. */
export interface UiAccessOutput extends UiAccess {
    /** Namespace of the Service. */
    namespace: string;
    /** How to log in (Kiali and Grafana): a command printing the credential, or a note. */
    login?: string;
}

/**
 * The UIs' access for the stack outputs: port-forwards with the stack's kubectl context, a public
 * URL for a UI exposed on "*" (the gateway's own address, as {@link onGateway} gives it), and the
 * login of Kiali and Grafana.
 */
export function uiAccessOutputs(
    access: Partial<Record<Ui, UiAccess>>,
    cfg: ObservabilityConfig,
    ns: string,
    gateway: GatewayAccess,
    ctx: LoginContext,
    addons: readonly Addon[] = ADDONS,
): Partial<Record<Ui, UiAccessOutput>> {
    const out: Partial<Record<Ui, UiAccessOutput>> = {};
    for (const ui of UIS) {
        const a = access[ui];
        if (!a) {
            continue;
        }
        const ingress = (cfg[ui] as AddonSettings).ingress;
        const wildcard = ingress?.enabled === true && ingress.host.includes("*");
        const login = addons.find((x) => x.name === ui)?.login?.(cfg, ns, ctx);
        out[ui] = {
            ...a,
            namespace: ns,
            portForward: `${ctx.kubectl} -n ${ns} port-forward svc/${a.service} ${a.localPort}:${a.servicePort}`,
            ...(a.publicUrl === undefined && wildcard ? { publicUrl: onGateway(gateway, a.path) } : {}),
            ...(login !== undefined ? { login } : {}),
        };
    }
    return out;
}
