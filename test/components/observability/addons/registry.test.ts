/**
 * "A new addon is one file plus its config keys": everything about an addon (its settings and
 * their parsing, its chart values, its UI, its login, its config switches) lives in its module
 * under components/observability/addons/, and the framework around it only iterates the registry.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Addon } from "../../../../components/observability/addon";
import { ADDONS, buildOrder } from "../../../../components/observability/addons";
import { UIS, exposedUis, uiTarget } from "../../../../components/observability/access";
import {
    ObservabilityConfig,
    observabilitySwitches,
    parseObservabilityConfig,
} from "../../../../components/observability/config";
import { declaredPaths } from "../../../../config/project";
import { ConfigReader } from "../../../../config/reader";
import { PROJECT_ROOT } from "../../../../tools/lib/stackFiles";
import { rawConfig } from "../../../support/stacks";

const OBSERVABILITY = path.join(PROJECT_ROOT, "components", "observability");

/**
 * The registry-driven framework: the config parser, the access and exposure of the UIs, the
 * component, the shared settings, and the config switches. None of it may name an addon.
 */
const FRAMEWORK = [
    "components/observability/access.ts",
    "components/observability/addon.ts",
    "components/observability/config.ts",
    "components/observability/index.ts",
    "components/observability/links.ts",
    "components/observability/outputs.ts",
    "components/observability/settings.ts",
    "components/observability/values.ts",
    "components/observability/addons/exposure.ts",
    "config/effects.ts",
];

/** The source without comments, so that prose may mention an addon. */
function code(file: string): string {
    return fs
        .readFileSync(path.join(PROJECT_ROOT, file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Where `name` is used as a key, a property or a string: `cfg.kiali`, `"kiali"`, `kiali: {`. */
function namings(source: string, name: string): string[] {
    const re = new RegExp(`(\\.${name}\\b|["'\`]${name}["'\`]|\\b${name}\\s*:|\\[\\s*${name}\\s*\\])`, "g");
    return source.match(re) ?? [];
}

const devConfig = (): ObservabilityConfig => parseObservabilityConfig(new ConfigReader(rawConfig("dev")));

describe("components/observability/addons: one module per addon, one registry", () => {
    it("registers each addon once, from a module of its own name that exports it", () => {
        const names = ADDONS.map((a) => a.name);
        assert.strictEqual(new Set(names).size, names.length, names.join(", "));
        for (const addon of ADDONS) {
            const file = path.join(OBSERVABILITY, "addons", `${addon.name}.ts`);
            assert.ok(fs.existsSync(file), `${addon.name} has its module ${file}`);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(file) as Record<string, unknown>;
            assert.strictEqual(
                mod[addon.name],
                addon,
                `addons/${addon.name}.ts exports the registered addon`,
            );
        }
    });

    it("gives every addon its config parsing, its build, its UI and its config section", () => {
        const declared = declaredPaths();
        for (const addon of ADDONS as readonly Addon[]) {
            assert.strictEqual(typeof addon.parse, "function", `${addon.name}.parse`);
            assert.strictEqual(typeof addon.build, "function", `${addon.name}.build`);
            assert.ok(addon.ui !== undefined, `${addon.name}.ui`);
            assert.ok(addon.ui.service !== "" && addon.ui.servicePort > 0 && addon.ui.localPort > 0);
            assert.ok(declared.includes(`observability.${addon.name}.enabled`), addon.name);
            for (const other of [...(addon.requires ?? []).map((r) => r.addon), ...(addon.after ?? [])]) {
                assert.ok(
                    ADDONS.some((a) => a.name === other),
                    `${addon.name} refers to ${other}, which is registered`,
                );
            }
        }
    });

    it("parses observability.* by asking each registered addon for its own section", () => {
        const raw = rawConfig("dev");
        const cfg = devConfig() as unknown as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(cfg), ["enabled", ...ADDONS.map((a) => a.name)]);
        for (const addon of ADDONS as readonly Addon[]) {
            const own = addon.parse(new ConfigReader(raw), `observability.${addon.name}`);
            assert.deepStrictEqual(cfg[addon.name], own, addon.name);
        }
    });

    it("reports a bad value under the addon's own section, read by its module", () => {
        for (const addon of ADDONS as readonly Addon[]) {
            const key = `observability.${addon.name}.enabled`;
            const r = new ConfigReader(rawConfig("dev", [{ key, value: "maybe" }]));
            addon.parse(r, `observability.${addon.name}`);
            assert.deepStrictEqual(
                r.issues.map((i) => i.key),
                [key],
                `${addon.name}: ${JSON.stringify(r.issues)}`,
            );
        }
    });

    it("takes the UIs, their targets and which can be exposed from the registry", () => {
        assert.deepStrictEqual(
            UIS,
            ADDONS.filter((a: Addon) => a.ui !== undefined).map((a) => a.name),
        );
        for (const addon of ADDONS as readonly Addon[]) {
            assert.strictEqual(uiTarget(addon.name as (typeof UIS)[number]), addon.ui);
        }
        const cfg = devConfig();
        const sections = cfg as unknown as Record<
            string,
            { enabled: boolean; ingress?: { enabled: boolean } }
        >;
        for (const addon of ADDONS) {
            sections[addon.name].enabled = true;
            const ingress = sections[addon.name].ingress;
            if (ingress) {
                ingress.enabled = true;
            }
        }
        assert.deepStrictEqual(
            exposedUis(cfg),
            ADDONS.filter((a) => sections[a.name].ingress !== undefined).map((a) => a.name),
        );
    });

    it("warns about an addon's settings while it is off, for every registered addon", () => {
        const switches = observabilitySwitches();
        assert.deepStrictEqual(
            switches[0].settings,
            ADDONS.map((a) => `observability.${a.name}`),
        );
        for (const addon of ADDONS as readonly Addon[]) {
            const prefix = `observability.${addon.name}`;
            assert.ok(switches.some((s) => s.on === `${prefix}.enabled` && s.settings.includes(prefix)));
            for (const sw of addon.switches?.(prefix) ?? []) {
                assert.ok(
                    sw.on.startsWith(`${prefix}.`),
                    `${addon.name} switches only its own keys: ${sw.on}`,
                );
                assert.ok(
                    switches.some((s) => s.on === sw.on && s.when === sw.when),
                    sw.on,
                );
            }
        }
    });

    it("names no addon anywhere in the framework around the modules", () => {
        const found: string[] = [];
        for (const file of FRAMEWORK) {
            const source = code(file);
            for (const addon of ADDONS) {
                for (const hit of namings(source, addon.name)) {
                    found.push(`${file}: ${hit}`);
                }
            }
        }
        assert.deepStrictEqual(found, []);
    });

    it("builds each addon after the ones it names in `after`, whatever the registry order", () => {
        const fake = (name: string, after?: string[]): Addon => ({
            name,
            after,
            parse: () => ({ enabled: true }),
            enabled: () => true,
            build: () => undefined,
        });
        const order = (addons: Addon[]) => buildOrder(addons).map((a) => a.name);
        assert.deepStrictEqual(order([fake("a", ["c"]), fake("b"), fake("c")]), ["b", "c", "a"]);
        // An addon it follows may be absent (a test registry): it is built all the same.
        assert.deepStrictEqual(order([fake("a", ["gone"])]), ["a"]);
        assert.throws(() => order([fake("a", ["b"]), fake("b", ["a"])]), /circular/);
        const built = order([...(ADDONS as readonly Addon[])]);
        for (const addon of ADDONS as readonly Addon[]) {
            for (const before of addon.after ?? []) {
                assert.ok(
                    built.indexOf(before) < built.indexOf(addon.name),
                    `${before} before ${addon.name}`,
                );
            }
        }
    });
});
