/**
 * The addon registry: every addon module, in the order their UIs are listed (the access outputs,
 * `npm run ui`). Each entry is one module; its settings are the `observability.<name>` config
 * section, which the config parser, the Observability component and the UI access read from here.
 * Build order follows each addon's `after`.
 */
import type { Addon } from "../addon";
import { grafana } from "./grafana";
import { jaeger } from "./jaeger";
import { kiali } from "./kiali";
import { prometheus } from "./prometheus";

export const ADDONS = [kiali, grafana, jaeger, prometheus] as const;

type Registered = (typeof ADDONS)[number];

/** The name of a registered addon: its config section and its UI. */
export type AddonName = Registered["name"];

/** Each registered addon's settings, under its name. */
export type AddonSettingsByName = {
    [A in Registered as A["name"]]: ReturnType<A["parse"]>;
};

/** The addons in an order where each comes after those in its `after` that are in the list. */
export function buildOrder<A extends Addon>(addons: readonly A[]): A[] {
    const names = new Set(addons.map((a) => a.name));
    const done = new Set<string>();
    const out: A[] = [];
    while (out.length < addons.length) {
        const next = addons.find(
            (a) => !done.has(a.name) && (a.after ?? []).every((b) => done.has(b) || !names.has(b)),
        );
        if (next === undefined) {
            throw new Error(
                `observability addons with a circular 'after': ${addons.map((a) => a.name).join(", ")}`,
            );
        }
        done.add(next.name);
        out.push(next);
    }
    return out;
}
