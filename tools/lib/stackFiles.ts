/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does before it starts the
 * program: stack values, then `--config` overrides (saved into the stack config first:
 * pkg/cmd/pulumi/operations/io.go `parseAndSaveConfigArray`), then each project default written at
 * its path where the stack leaves it unset (pkg/workspace/config.go `mergeConfig`, which calls
 * `config.Map.Get(key, path=true)` and `config.Map.Set(key, value, path=true)`). Encrypted values
 * become a placeholder and stay marked secret. All citations are to github.com/pulumi/pulumi.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, ConfigIssue, ConfigSource, parseConfig, sectionNotAMap } from "../../config";
import { ProjectConfigDeclaration, readProjectFile } from "../../config/project";

export type { ProjectConfigDeclaration } from "../../config/project";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const SECRET_PLACEHOLDER = "[secret]";

export interface LoadedConfig {
    project: string;
    stack: string;
    /** Fully qualified key ("project:key", "kubernetes:context") to value (objects stay objects). */
    values: Record<string, unknown>;
    /** Fully qualified keys whose value is (or contains) a secret. */
    secretKeys: string[];
    /**
     * Leaf paths of this project's keys that the stack file or `--config` set (the rest are
     * Pulumi.yaml defaults), e.g. `gateway.serviceType`, `mesh.namespaces`.
     */
    explicit?: string[];
    /**
     * Problems the Pulumi CLI would hide from the program (a section given as one value, which it
     * replaces with the defaults). {@link loadStackConfig} throws a ConfigError when there are any.
     */
    issues?: ConfigIssue[];
}

export interface Override {
    key: string;
    value: string;
    /** Set as a secret, as `pulumi config set --secret` would (tests; the CLIs have no such flag). */
    secret?: boolean;
}

export function readProject(root = PROJECT_ROOT): {
    name: string;
    config: Record<string, ProjectConfigDeclaration>;
} {
    return readProjectFile(root);
}

/** Stack names from the committed stack files, environments in promotion order first. */
export function listStacks(root = PROJECT_ROOT): string[] {
    const order = ["dev", "staging", "prod"];
    const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Splits a config path (`a.b[0]`, `["dotted.key"].x`) into segments, as `pulumi config --path` does. */
export function parsePath(p: string): (string | number)[] {
    const out: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(p)) !== null) {
        out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
    }
    return out;
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function splitKey(fq: string): [string, string] {
    const i = fq.indexOf(":");
    return [fq.slice(0, i), fq.slice(i + 1)];
}

function getAt(root: unknown, segs: (string | number)[]): unknown {
    let cur = root;
    for (const s of segs) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<string | number, unknown>)[s];
    }
    return cur;
}

function setAt(
    values: Record<string, unknown>,
    fqKey: string,
    segs: (string | number)[],
    value: unknown,
): void {
    if (segs.length === 0) {
        values[fqKey] = value;
        return;
    }
    const existing = values[fqKey];
    let root: Record<string | number, unknown>;
    if (existing !== null && typeof existing === "object") {
        root = existing as Record<string | number, unknown>;
    } else {
        root = typeof segs[0] === "number" ? ([] as unknown as Record<number, unknown>) : {};
    }
    values[fqKey] = root;
    let cur = root;
    segs.forEach((s, i) => {
        if (i === segs.length - 1) {
            cur[s] = value;
            return;
        }
        const next = cur[s];
        if (next === null || typeof next !== "object") {
            cur[s] = typeof segs[i + 1] === "number" ? [] : {};
        }
        cur = cur[s] as Record<string | number, unknown>;
    });
}

/**
 * `--path` values: "true"/"false" become booleans and base-10 integers numbers, except digit strings
 * with a leading zero, which stay strings ("0123"); a sign is allowed, as Go's strconv.ParseInt
 * allows it (sdk/go/common/resource/config/object.go `coerce`, used by `Value.coerceObject`).
 */
export function coerce(v: string): unknown {
    if (v === "true" || v === "false") {
        return v === "true";
    }
    if (v.length > 1 && v.startsWith("0")) {
        return v;
    }
    return /^[+-]?\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `a.b[0].c` -> `a.b`: settings are declared down to lists, which count as one value. */
function settingPath(segs: (string | number)[]): string {
    const cut = segs.findIndex((s) => typeof s === "number");
    return (cut < 0 ? segs : segs.slice(0, cut)).map(String).join(".");
}

/** Leaf paths below a stack value (maps are walked, lists and scalars are leaves). */
function leaves(v: unknown, prefix: string, out: string[]): void {
    if (isMap(v) && !(Object.keys(v).length === 1 && typeof v.secure === "string")) {
        for (const [k, x] of Object.entries(v)) {
            leaves(x, `${prefix}.${k}`, out);
        }
        return;
    }
    out.push(prefix);
}

/** Replaces `{secure: ...}` ciphertexts with a placeholder and reports whether any were found. */
function redactSecure(v: unknown): { value: unknown; secret: boolean } {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (Object.keys(o).length === 1 && typeof o.secure === "string") {
            return { value: SECRET_PLACEHOLDER, secret: true };
        }
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) {
            const r = redactSecure(x);
            out[k] = r.value;
            secret = secret || r.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(v)) {
        const items = v.map(redactSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value: v, secret: false };
}

export function loadStackConfig(
    stack: string,
    overrides: Override[] = [],
    usePaths = false,
    root = PROJECT_ROOT,
): LoadedConfig {
    const project = readProject(root);
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = listStacks(root).join(", ");
        throw new Error(`no stack file Pulumi.${stack}.yaml; known stacks: ${known}`);
    }
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const explicit: string[] = [];
    const ownKey = (fq: string): string | undefined =>
        fq.startsWith(`${project.name}:`) ? fq.slice(project.name.length + 1) : undefined;
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        const fq = qualify(project.name, k);
        const r = redactSecure(structuredClone(v));
        values[fq] = r.value;
        if (r.secret) {
            secretKeys.add(fq);
        }
        const own = ownKey(fq);
        if (own !== undefined) {
            leaves(v, own, explicit);
        }
    }
    for (const o of overrides) {
        const [ns, name] = o.key.includes(":") ? splitKey(o.key) : [project.name, o.key];
        if (o.secret) {
            secretKeys.add(`${ns}:${usePaths ? String(parsePath(name)[0]) : name}`);
        }
        if (usePaths) {
            // `--config-path`: Map.Set(key, value, path=true); values are coerced like `config set --path`.
            const segs = parsePath(name);
            const top = segs.shift();
            setAt(values, `${ns}:${String(top)}`, segs, coerce(o.value));
            if (ns === project.name) {
                explicit.push(settingPath([top ?? "", ...segs]));
            }
        } else {
            // Without it the key is taken whole and the value kept as a string, even one that looks
            // like JSON (pkg/cmd/pulumi/project/newcmd/config.go `parseConfig`: config.NewValue).
            values[`${ns}:${name}`] = o.value;
            if (ns === project.name) {
                explicit.push(name);
            }
        }
    }
    const issues: ConfigIssue[] = [];
    for (const [key, decl] of Object.entries(project.config)) {
        const fallback = decl.default ?? decl.value;
        if (fallback === undefined) {
            continue;
        }
        const [ns, name] = splitKey(qualify(project.name, key));
        const segs = parsePath(name);
        const top = `${ns}:${String(segs.shift())}`;
        if (segs.length === 0) {
            if (!(top in values)) {
                values[top] = structuredClone(fallback);
            }
            continue;
        }
        const existing = values[top];
        if (existing !== undefined && !isMap(existing)) {
            // A section given as one value: the CLI replaces it with a fresh map at the first path
            // level (sdk/go/common/resource/config/object.go `object.Set`, "COMPAT" branch), so the
            // program would silently get the defaults. Refused here with the whole fix instead.
            const own = ownKey(top) ?? top;
            issues.push({ key: own, message: sectionNotAMap(own, existing) });
            values[top] = {};
        }
        if (blockedBelow(values[top], segs)) {
            // The CLI fails with "<path>: expected a map"; the parser names that path once.
            continue;
        }
        if (getAt(values[top], segs) === undefined) {
            setAt(values, top, segs, structuredClone(fallback));
        }
    }
    const loaded: LoadedConfig = {
        project: project.name,
        stack,
        values,
        secretKeys: [...secretKeys],
        explicit,
        issues,
    };
    if (issues.length > 0) {
        // The program could not see these (the CLI would already have replaced the value), so
        // every tool refuses here, together with anything else the program would report.
        const result = parseConfig(configSource(loaded), stack);
        throw new ConfigError(result.ok ? issues : result.issues, stack);
    }
    return loaded;
}

/** Whether a non-map value sits above the last segment (below the first level). */
function blockedBelow(root: unknown, segs: (string | number)[]): boolean {
    let cur = root;
    for (const s of segs.slice(0, -1)) {
        if (cur === undefined || cur === null) {
            return false;
        }
        cur = (cur as Record<string | number, unknown>)[s];
        if (cur !== undefined && cur !== null && typeof cur !== "object") {
            return true;
        }
    }
    return false;
}

/** What the program is given for a loaded stack: the input of the one config path (config/source.ts). */
export function configSource(c: LoadedConfig): ConfigSource {
    return {
        project: c.project,
        values: asProgramConfig(c),
        secretKeys: c.secretKeys,
        explicit: c.explicit,
        issues: c.issues,
    };
}

/** The config map as the language host hands it to the program: every value a string. */
export function asProgramConfig(c: LoadedConfig): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.values)) {
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** Parses `--stack`, `--out`, repeated `--config K=V` and `--config-path`, as the CLI tools share them. */
export interface CommonArgs {
    stack?: string;
    out?: string;
    overrides: Override[];
    configPath: boolean;
    rest: Map<string, string[]>;
}

export function parseArgs(argv: string[], flags: string[] = []): CommonArgs {
    const args: CommonArgs = { overrides: [], configPath: false, rest: new Map() };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] =
            a.includes("=") && a.startsWith("--")
                ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
                : [a, undefined];
        const next = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined) {
                throw new Error(`${flag} needs a value`);
            }
            return v;
        };
        switch (flag) {
            case "--stack":
            case "-s":
                args.stack = next();
                break;
            case "--out":
                args.out = next();
                break;
            case "--config":
            case "-c": {
                const kv = next();
                const eq = kv.indexOf("=");
                if (eq <= 0) {
                    throw new Error(`--config expects KEY=VALUE, got ${JSON.stringify(kv)}`);
                }
                args.overrides.push({ key: kv.slice(0, eq), value: kv.slice(eq + 1) });
                break;
            }
            case "--config-path":
                args.configPath = true;
                break;
            default:
                if (flags.includes(flag)) {
                    const list = args.rest.get(flag) ?? [];
                    list.push(next());
                    args.rest.set(flag, list);
                } else {
                    throw new Error(`unknown option ${JSON.stringify(a)}`);
                }
        }
    }
    return args;
}

/** One `--config-path --config KEY=VALUE` per leaf, as `pulumi config set --path` would set them. */
export function pathOverrides(value: unknown, prefix: string): Override[] {
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => pathOverrides(v, `${prefix}[${i}]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
            pathOverrides(v, `${prefix}.${k}`),
        );
    }
    return [{ key: prefix, value: String(value) }];
}
