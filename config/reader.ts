/**
 * A reader over the raw stack configuration that validates while it reads.
 *
 * Every accessor records an error instead of throwing, so that one `pulumi up` reports every bad
 * value at once. Every path it reads is remembered, which lets {@link ConfigReader.unknownKeys}
 * report typos (`istio.verison`) that would otherwise be silently ignored.
 */

export type RawConfig = Record<string, unknown>;

export interface ConfigIssue {
    key: string;
    message: string;
}

/** Thrown by the program when the stack config is invalid; the message lists every issue. */
export class ConfigError extends Error {
    constructor(
        public readonly issues: ConfigIssue[],
        stack?: string,
    ) {
        super(formatIssues(issues, stack));
        this.name = "ConfigError";
    }
}

export function formatIssues(issues: ConfigIssue[], stack?: string): string {
    const where = stack ? ` for stack '${stack}'` : "";
    const lines = issues.map((i) => `  - ${i.key}: ${i.message}`);
    return [
        `invalid configuration${where} (${issues.length} problem(s)); nothing was deployed:`,
        ...lines,
    ].join("\n");
}

/** Renders a value the way a user would have typed it, for error messages. */
export function show(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    return JSON.stringify(value) ?? String(value);
}

interface NumberRule {
    min?: number;
    max?: number;
}

/** Kubernetes DNS-1123 label: namespaces, release names, revisions. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource quantities as used for CPU and memory requests and limits. */
export { QUANTITY } from "./quantity";
/** A semantic version without a leading "v" (Helm chart versions of Istio). */
export const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

export interface ReaderOptions {
    /**
     * Leaf paths the stack (or `--config`) set, as opposed to values that are Pulumi.yaml defaults.
     * Only those get "has no effect" warnings. Absent: every present value counts as set.
     */
    explicit?: Iterable<string>;
}

export class ConfigReader {
    readonly issues: ConfigIssue[] = [];
    /** Settings that are valid but have no effect (e.g. `tls.hosts` while `tls.enabled` is false). */
    readonly warnings: ConfigIssue[] = [];
    private readonly consumed = new Set<string>();
    /** Paths below which any content is accepted (free-form maps read as a whole). */
    private readonly openPrefixes = new Set<string>();
    private readonly explicitPaths?: ReadonlySet<string>;
    /** Paths where a value is not a map although settings are read below it (reported once). */
    private readonly notMaps = new Set<string>();
    /** Keys whose value an accessor already refused. */
    private readonly badValues = new Set<string>();

    constructor(
        private readonly raw: RawConfig,
        opts: ReaderOptions = {},
    ) {
        this.explicitPaths = opts.explicit === undefined ? undefined : new Set(opts.explicit);
    }

    error(key: string, message: string): void {
        // A value that hides the settings below it (`gateway.resources: big`) is reported once;
        // what follows from those settings reading as missing would only restate it.
        const below = (p: string) => key === p || key.startsWith(`${p}.`) || key.startsWith(`${p}[`);
        if ([...this.notMaps].some(below) || [...this.badValues].some(below)) {
            return;
        }
        this.issues.push({ key, message });
    }

    /**
     * An accessor's own finding (missing, wrong type, not allowed): later checks that read the same
     * key, or one below it, would only restate it, so {@link error} drops them.
     */
    private invalid(key: string, message: string): void {
        this.error(key, message);
        this.badValues.add(key);
    }

    warn(key: string, message: string): void {
        this.warnings.push({ key, message });
    }

    /**
     * Whether any of the paths (or anything below them) already has an issue. Checks that combine
     * several settings skip when an input is already reported, so one mistake gives one message.
     */
    hasIssue(...paths: string[]): boolean {
        const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
        // Below (a list item of mesh.namespaces) or above (a section given as one value).
        return this.issues.some((i) => paths.some((p) => related(i.key, p) || related(p, i.key)));
    }

    /** Whether the stack set the path (or something below it) rather than leaving the default. */
    isExplicit(path: string): boolean {
        if (this.explicitPaths === undefined) {
            return this.has(path);
        }
        for (const e of this.explicitPaths) {
            if (
                e === path ||
                e.startsWith(`${path}.`) ||
                e.startsWith(`${path}[`) ||
                path.startsWith(`${e}.`)
            ) {
                return true;
            }
        }
        return false;
    }

    /** The paths the stack set at or below any of `prefixes` (none when unknown). */
    explicitUnder(prefixes: readonly string[]): string[] {
        const out: string[] = [];
        for (const e of this.explicitPaths ?? []) {
            if (prefixes.some((p) => e === p || e.startsWith(`${p}.`) || e.startsWith(`${p}[`))) {
                out.push(e);
            }
        }
        return out.sort();
    }

    /** The raw value at a path, without reading it (for messages). */
    peek(path: string): unknown {
        return this.lookup(path);
    }

    /** Every path read so far (known keys), for "did you mean" hints. */
    knownPaths(): string[] {
        return [...this.consumed, ...this.openPrefixes];
    }

    /** Whether a value is present at the path (after project defaults were applied). */
    has(path: string): boolean {
        return this.lookup(path) !== undefined;
    }

    /** Whether a value is present and not empty (for secrets, whose values the parser never sees). */
    isSet(path: string): boolean {
        const v = this.lookup(path);
        return v !== undefined && v !== null && v !== "";
    }

    string(
        path: string,
        rule: { oneOf?: readonly string[]; pattern?: RegExp; patternHint?: string; maxLength?: number } = {},
    ): string {
        const v = this.required(path);
        if (v === undefined) {
            return "";
        }
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            this.invalid(path, `expected a string, got ${show(v)}`);
            return "";
        }
        const s = String(v);
        if (rule.oneOf && !rule.oneOf.includes(s)) {
            this.invalid(path, `${show(s)} is not allowed; allowed values: ${rule.oneOf.join(", ")}`);
        } else if (rule.pattern && s !== "" && !rule.pattern.test(s)) {
            this.invalid(
                path,
                `${show(s)} is not valid; expected ${rule.patternHint ?? rule.pattern.source}`,
            );
        } else if (rule.maxLength !== undefined && s.length > rule.maxLength) {
            this.invalid(
                path,
                `${show(s)} is ${s.length} characters long; at most ${rule.maxLength} are allowed`,
            );
        }
        return s;
    }

    /**
     * An optional string: empty (the way Pulumi.yaml declares "unset") is `undefined`, so that no
     * component compares with "". Validated as {@link string}.
     */
    optionalString(path: string, rule: Parameters<ConfigReader["string"]>[1] = {}): string | undefined {
        const s = this.string(path, rule);
        return s === "" ? undefined : s;
    }

    /** One of a fixed set of values, typed as that union. */
    choice<T extends string>(path: string, allowed: readonly T[]): T {
        const s = this.string(path, { oneOf: allowed });
        return (allowed.includes(s as T) ? s : allowed[0]) as T;
    }

    bool(path: string): boolean {
        const v = this.required(path);
        if (v === undefined) {
            return false;
        }
        if (typeof v === "boolean") {
            return v;
        }
        if (v === "true" || v === "false") {
            return v === "true";
        }
        this.invalid(path, `expected true or false, got ${show(v)}`);
        return false;
    }

    int(path: string, rule: NumberRule = {}): number {
        const n = this.numeric(path, rule);
        if (n !== undefined && !Number.isInteger(n)) {
            this.invalid(path, `expected a whole number, got ${show(this.lookup(path))}`);
        }
        return n ?? 0;
    }

    number(path: string, rule: NumberRule = {}): number {
        return this.numeric(path, rule) ?? 0;
    }

    stringList(
        path: string,
        rule: { pattern?: RegExp; patternHint?: string; maxLength?: number } = {},
    ): string[] {
        const v = this.required(path);
        if (v === undefined) {
            return [];
        }
        const list = typeof v === "string" ? parseJsonList(v) : v;
        if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) {
            this.invalid(path, `expected a list of strings, got ${show(v)}`);
            return [];
        }
        const items = list as string[];
        items.forEach((item, i) => {
            if (rule.pattern && !rule.pattern.test(item)) {
                this.invalid(`${path}[${i}]`, `${show(item)} is not valid; expected ${rule.patternHint}`);
            } else if (rule.maxLength !== undefined && item.length > rule.maxLength) {
                this.invalid(
                    `${path}[${i}]`,
                    `${show(item)} is ${item.length} characters long; at most ${rule.maxLength} are allowed`,
                );
            }
        });
        const dupes = items.filter((x, i) => items.indexOf(x) !== i);
        if (dupes.length > 0) {
            this.invalid(path, `duplicate entries: ${[...new Set(dupes)].join(", ")}`);
        }
        return items;
    }

    /**
     * A free-form map (string keys to string values). Optional: absent means empty. Its content is
     * validated by the caller, which is why it is not listed in Pulumi.yaml's typed schema.
     */
    stringMap(path: string): Record<string, string> {
        this.openPrefixes.add(path);
        const v = this.lookup(path);
        if (v === undefined || v === null) {
            return {};
        }
        if (typeof v !== "object" || Array.isArray(v)) {
            this.invalid(path, `expected a map of names to values, got ${show(v)}`);
            return {};
        }
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
            if (typeof val !== "string" && typeof val !== "number") {
                this.invalid(`${path}.${k}`, `expected a string, got ${show(val)}`);
                continue;
            }
            out[k] = String(val);
        }
        return out;
    }

    /**
     * Free-form structured value (for example a list of objects); the caller validates the shape.
     * Absent means undefined.
     */
    structured(path: string): unknown {
        this.openPrefixes.add(path);
        return this.lookup(path);
    }

    /**
     * Every leaf in the raw config that no accessor read: misspelt or unsupported keys. Top-level
     * keys outside `known` are ignored (they may belong to other tools).
     */
    unknownKeys(known: readonly string[]): string[] {
        const out: string[] = [];
        const walk = (value: unknown, path: string): void => {
            if (this.consumed.has(path) || this.openPrefixes.has(path) || this.notMaps.has(path)) {
                return;
            }
            if (value !== null && typeof value === "object" && !Array.isArray(value)) {
                for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                    walk(v, `${path}.${k}`);
                }
                return;
            }
            out.push(path);
        };
        for (const top of known) {
            if (this.raw[top] !== undefined) {
                walk(this.raw[top], top);
            }
        }
        return out;
    }

    /** Reports every unread key as an error, with the closest known key as a hint. */
    rejectUnknownKeys(known: readonly string[]): void {
        for (const key of this.unknownKeys(known)) {
            const hint = suggest(key, [...this.consumed]);
            this.error(key, `unknown configuration key${hint ? `; did you mean '${hint}'?` : ""}`);
        }
    }

    private numeric(path: string, rule: NumberRule): number | undefined {
        const v = this.required(path);
        if (v === undefined) {
            return undefined;
        }
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        if (!Number.isFinite(n)) {
            this.invalid(path, `expected a number, got ${show(v)}`);
            return undefined;
        }
        if (rule.min !== undefined && n < rule.min) {
            this.invalid(path, `${n} is too small; allowed range ${range(rule)}`);
        } else if (rule.max !== undefined && n > rule.max) {
            this.invalid(path, `${n} is too large; allowed range ${range(rule)}`);
        }
        return n;
    }

    private required(path: string): unknown {
        this.consumed.add(path);
        const v = this.lookup(path);
        const blocked = v === undefined ? this.scalarAbove(path) : undefined;
        if (blocked !== undefined) {
            // `gateway.resources: big` hides every setting below it; say so once, at that path.
            if (!this.notMaps.has(blocked.path)) {
                this.invalid(
                    blocked.path,
                    `expected a map of settings (such as ${path}), got ${show(blocked.value)}; ` +
                        `set the settings below it with \`pulumi config set --path ${path} <value>\``,
                );
                this.notMaps.add(blocked.path);
            }
            return undefined;
        }
        if (v === undefined || v === null) {
            this.invalid(
                path,
                "is missing (its default is declared in Pulumi.yaml; is the project file complete?)",
            );
            return undefined;
        }
        return v;
    }

    /** The nearest value above `path` that is present but not a map, if any. */
    private scalarAbove(path: string): { path: string; value: unknown } | undefined {
        const segs = path.split(".");
        let cur: unknown = this.raw;
        for (let i = 0; i < segs.length - 1; i++) {
            cur = (cur as Record<string, unknown>)[segs[i]];
            if (cur === undefined || cur === null) {
                return undefined;
            }
            if (typeof cur !== "object" || Array.isArray(cur)) {
                return { path: segs.slice(0, i + 1).join("."), value: cur };
            }
        }
        return undefined;
    }

    private lookup(path: string): unknown {
        let cur: unknown = this.raw;
        for (const seg of path.split(".")) {
            if (cur === null || typeof cur !== "object" || Array.isArray(cur)) {
                return undefined;
            }
            cur = (cur as Record<string, unknown>)[seg];
        }
        return cur;
    }
}

function range(rule: NumberRule): string {
    return `${rule.min ?? "-∞"}..${rule.max ?? "∞"}`;
}

function parseJsonList(s: string): unknown {
    const t = s.trim();
    if (t === "") {
        return [];
    }
    if (t.startsWith("[")) {
        try {
            return JSON.parse(t) as unknown;
        } catch {
            return s;
        }
    }
    return t.split(",").map((x) => x.trim());
}

/**
 * The known key a misspelt or misplaced one most likely meant: a close spelling
 * (`istio.verison` -> `istio.version`), the same key under no or another section
 * (`istio.gateway.replicas` -> `gateway.replicas`, `istio.mtls` -> `mesh.mtls`), or a close
 * spelling of the part after the section (`istio.mtsl` -> `mesh.mtls`).
 */
export function suggest(key: string, candidates: readonly string[]): string | undefined {
    const near = closest(key, candidates);
    if (near !== undefined) {
        return near;
    }
    const tail = (k: string): string => k.slice(k.indexOf(".") + 1);
    if (!key.includes(".")) {
        return undefined;
    }
    const rest = tail(key);
    if (candidates.includes(rest)) {
        return rest;
    }
    const sameTail = candidates.filter((c) => c.includes(".") && tail(c) === rest);
    if (sameTail.length === 1) {
        return sameTail[0];
    }
    const byTail = new Map<string, string>();
    for (const c of candidates.filter((x) => x.includes("."))) {
        if (!byTail.has(tail(c))) {
            byTail.set(tail(c), c);
        }
    }
    // A leaf name shared by several sections (`replicas`) is no hint on its own.
    const hint = closest(
        rest,
        [...byTail.keys()].filter((t) => candidates.filter((c) => tail(c) === t).length === 1),
    );
    return hint === undefined ? undefined : byTail.get(hint);
}

/** The candidate with the smallest edit distance, if it is close enough to be a plausible typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestScore = Infinity;
    for (const c of candidates) {
        const d = editDistance(key, c);
        if (d < bestScore) {
            bestScore = d;
            best = c;
        }
    }
    // Longer names tolerate more edits (`kialiOidcSecret` -> `kialiOidcClientSecret`).
    const tolerance = (c: string) => Math.max(2, Math.floor(Math.max(key.length, c.length) / 3));
    return best !== undefined && bestScore <= tolerance(best) ? best : undefined;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}
