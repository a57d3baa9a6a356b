/**
 * Evaluates stacks under the mock runtime for tests. Evaluations of the same stack and overrides
 * are cached: the program is deterministic, and the Pulumi runtime allows one evaluation at a time.
 */
import * as assert from "assert";
import { ConfigIssue, ParseResult, RawConfig, configInput, parseConfig } from "../../config";
import { CapturedResource, Evaluation, evaluate } from "../../tools/lib/mockRuntime";
import { Rendered, render } from "../../tools/lib/render";
import {
    LoadedConfig,
    Override,
    configSource,
    loadStackConfig,
    readProject,
} from "../../tools/lib/stackFiles";

const cache = new Map<string, Promise<Evaluation>>();
let queue: Promise<unknown> = Promise.resolve();

export function evaluateStack(
    stack: string,
    overrides: Override[] = [],
    usePaths = true,
): Promise<Evaluation> {
    const key = JSON.stringify([stack, overrides, usePaths]);
    let hit = cache.get(key);
    if (!hit) {
        const run = queue.then(() => evaluate(loadStackConfig(stack, overrides, usePaths)));
        queue = run.catch(() => undefined);
        hit = run;
        cache.set(key, hit);
    }
    return hit;
}

export async function renderStack(stack: string, overrides: Override[] = []): Promise<Rendered> {
    return render(await evaluateStack(stack, overrides));
}

/** The raw config a stack hands the program's parser, keyed without the project prefix. */
export function rawConfig(stack: string, overrides: Override[] = []): RawConfig {
    return configInput(configSource(loadStackConfig(stack, overrides, true))).raw;
}

/** Config overrides by path (`multicluster.peers[0]`), as `--config-path --config` takes them. */
export type ConfigOverrides = Record<string, string | number | boolean>;

/** Parses a stack's config with overrides (by path), as the program would. */
export function parseStack(stack: string, overrides: ConfigOverrides = {}): ParseResult {
    const list = Object.entries(overrides).map(([key, value]) => ({ key, value: String(value) }));
    return parseConfig(configSource(loadStackConfig(stack, list, true)), stack);
}

/** {@link parseStack} of a config that must be valid: fails the test with the issues otherwise. */
export function parsedStack(
    stack: string,
    overrides: ConfigOverrides = {},
): Extract<ParseResult, { ok: true }> {
    const result = parseStack(stack, overrides);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    return result;
}

/** The issues of {@link parseStack}, or [] when the config is valid. */
export function configIssues(stack: string, overrides: ConfigOverrides): ConfigIssue[] {
    const result = parseStack(stack, overrides);
    return result.ok ? [] : result.issues;
}

/** Exactly one issue, at `key`, whose message contains every given text. */
export function oneIssue(issues: ConfigIssue[], key: string, ...texts: string[]): void {
    assert.deepStrictEqual(
        issues.map((i) => i.key),
        [key],
        JSON.stringify(issues, null, 2),
    );
    for (const t of texts) {
        assert.ok(issues[0].message.includes(t), `expected ${JSON.stringify(t)} in ${issues[0].message}`);
    }
}

export function byType(ev: Evaluation, type: string): CapturedResource[] {
    return ev.resources.filter((r) => r.type === type);
}

export function one(ev: Evaluation, type: string, name: string): CapturedResource {
    const found = ev.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const names = byType(ev, type).map((r) => r.name);
        throw new Error(
            `expected one ${type} named ${name}, found ${found.length} (have: ${names.join(", ")})`,
        );
    }
    return found[0];
}

/**
 * The one Kubernetes object of a type named `name` (its `metadata.name`, not the Pulumi name that
 * {@link one} takes), in `namespace` when given; fails listing what there is otherwise.
 */
export function oneObject(ev: Evaluation, type: string, name: string, namespace?: string): CapturedResource {
    const meta = (r: CapturedResource) => (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    const all = byType(ev, type);
    const found = all.filter(
        (r) => meta(r).name === name && (namespace === undefined || meta(r).namespace === namespace),
    );
    assert.strictEqual(
        found.length,
        1,
        `one ${type} ${namespace ?? "*"}/${name}, found ${found.length} ` +
            `(have ${all.map((r) => `${meta(r).namespace ?? ""}/${meta(r).name ?? ""}`).join(", ")})`,
    );
    return found[0];
}

/** Resolves a URN to the captured resource's name, for readable dependency assertions. */
export function nameOf(ev: Evaluation, urn: string): string {
    return ev.resources.find((r) => r.urn === urn)?.name ?? urn;
}

/**
 * A default pinned in Pulumi.yaml (a chart version, an image). Tests compare what the program
 * installs with this, never with a copy of today's value, so that a Renovate bump stays green.
 */
export function pinned(key: string): string {
    const decl = readProject().config[key];
    if (typeof decl?.default !== "string" || decl.default === "") {
        throw new Error(`Pulumi.yaml pins no default for ${key}`);
    }
    return decl.default;
}

/** Evaluates an already loaded config (a stack from another project root), in the same queue. */
export function evaluateLoaded(loaded: LoadedConfig): Promise<Evaluation> {
    const run = queue.then(() => evaluate(loaded));
    queue = run.catch(() => undefined);
    return run;
}

/** A canary control plane one minor version above the pinned Istio, whatever that is. */
export const CANARY = (() => {
    const [major, minor] = pinned("istio.version").split(".").map(Number);
    return { version: `${major}.${minor + 1}.0`, revision: `${major}-${minor + 1}-0` };
})();
