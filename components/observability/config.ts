/**
 * `observability.*`: the switch for all addons, then each registered addon's section, read by its
 * own module (./addons), and what one addon needs of another.
 */
import type { ConfigReader } from "../../config/reader";
import type { Addon } from "./addon";
import { ADDONS, AddonSettingsByName } from "./addons";
import type { AddonSettings } from "./settings";

export type { AddonResources, ChartSource, Ingress, Persistence } from "./settings";

export type ObservabilityConfig = { enabled: boolean } & AddonSettingsByName;

/** A switch of config/effects.ts, on the observability settings. */
export interface ObservabilitySwitch {
    on: string;
    active(c: ObservabilityConfig): boolean;
    when: string;
    settings: string[];
}

/**
 * The observability settings that only apply under a switch, outermost first: every addon's
 * section under `observability.enabled`, each section under its `enabled`, then each addon's own.
 */
export function observabilitySwitches(): ObservabilitySwitch[] {
    const section = (c: ObservabilityConfig, name: string) =>
        (c as unknown as Record<string, AddonSettings>)[name];
    const prefix = (name: string) => `observability.${name}`;
    return [
        {
            on: "observability.enabled",
            active: (c) => c.enabled,
            when: "true",
            settings: ADDONS.map((a) => prefix(a.name)),
        },
        ...ADDONS.map((a): ObservabilitySwitch => ({
            on: `${prefix(a.name)}.enabled`,
            active: (c) => section(c, a.name).enabled,
            when: "true",
            settings: [prefix(a.name)],
        })),
        ...ADDONS.flatMap((a: Addon) =>
            (a.switches?.(prefix(a.name)) ?? []).map((sw): ObservabilitySwitch => ({
                ...sw,
                active: (c) => sw.active(section(c, a.name)),
            })),
        ),
    ];
}

export function parseObservabilityConfig(r: ConfigReader): ObservabilityConfig {
    const cfg = { enabled: r.bool("observability.enabled") } as ObservabilityConfig;
    const sections = cfg as unknown as Record<string, { enabled: boolean }>;
    for (const addon of ADDONS) {
        sections[addon.name] = addon.parse(r, `observability.${addon.name}`);
    }
    if (cfg.enabled) {
        for (const addon of ADDONS) {
            for (const need of addon.requires ?? []) {
                if (sections[addon.name].enabled && !sections[need.addon]?.enabled) {
                    r.error(
                        `observability.${addon.name}.enabled`,
                        `true needs observability.${need.addon}.enabled: ${need.because}`,
                    );
                }
            }
        }
    }
    return cfg;
}
