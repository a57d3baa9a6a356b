/**
 * Compares two offline renders (see ./render.ts) the way a reviewer reads a change: Kubernetes
 * objects matched by apiVersion/kind/namespace/name, Helm charts by their Pulumi resource name,
 * the remaining resources (components, providers, commands, random values) by URN, and the stack
 * outputs. Changed entries carry field-level changes addressed by JSON-pointer paths.
 *
 * Pure: no I/O, deterministic order. Renders are already redacted; formatting additionally never
 * prints a value under a Secret's data/stringData, so a diff cannot be the place a secret leaks.
 */
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
// Types only: the CLI that reads renders back should not load the Pulumi SDK.
import { immutableField, serviceTypeTransition } from "./immutable";
import type {
    ChartRecord,
    K8sObject,
    ObjectIdentity,
    RENDER_FILES,
    RecordedOptions,
    Rendered,
    ResourceRecord,
} from "./render";
import { SECRET_PLACEHOLDER } from "./stackFiles";
import { matchUrns, renamesWithoutAlias } from "./urns";

export type Change = "added" | "removed" | "changed";

export interface FieldChange {
    /**
     * RFC 6901 pointer ("/spec/mtls/mode", "~1" for "/" in a key). A list whose items all carry a
     * unique `name` is matched by name rather than position: "/service/ports[name=http2]/nodePort".
     */
    path: string;
    change: Change;
    before?: unknown;
    after?: unknown;
}

export interface ObjectDiff {
    change: Change;
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
    /** Field changes of a changed object; empty for added and removed ones. */
    fields: FieldChange[];
    /** The object after the change (before it, for a removed one). */
    object: K8sObject;
}

export interface ChartDiff {
    change: Change;
    /** Pulumi resource name of the chart, stable across versions. */
    resource: string;
    before?: ChartRecord;
    after?: ChartRecord;
    /** Changes of version, repository, release, namespace and values; empty unless changed. */
    fields: FieldChange[];
}

export interface ResourceDiff {
    change: "added" | "removed";
    urn: string;
    type: string;
    name: string;
}

/**
 * Something `pulumi up` would do that a field listing does not make obvious:
 * - "replace": the resource is deleted and created again (an immutable field, a new name or
 *   namespace, replaceOnChanges, or a URN change without an alias);
 * - "delete": a resource the new render no longer declares;
 * - "rejected": a change the API server refuses in place, so the update fails;
 * - "option": a resource option changes (protect, retainOnDelete, ...);
 * - "disruptive": applied in place, but clients notice (a Service's address changes).
 */
export type WarningKind = "replace" | "delete" | "rejected" | "option" | "disruptive";

export interface Warning {
    kind: WarningKind;
    /** One line, starting with a verb: "unprotects Namespace istio-system". */
    message: string;
}

/** A resource whose URN changes, carried over by an alias (no replacement). */
export interface Rename {
    from: string;
    to: string;
}

export interface RenderDiff {
    /** What to read first (printed above the listing). */
    warnings: Warning[];
    /** Limits of the offline view that apply to this change. */
    notes: string[];
    renames: Rename[];
    objects: ObjectDiff[];
    charts: ChartDiff[];
    /** Resources that are neither Kubernetes objects nor charts (those have their own sections). */
    resources: ResourceDiff[];
    outputs: FieldChange[];
}

/** Where the two sides came from, for headings: e.g. stack "dev", base "main (1a2b3c4)". */
export interface DiffLabels {
    stack: string;
    base: string;
    head: string;
}

export interface FormatOptions {
    /** Print added and removed objects and charts in full, and long values untruncated. */
    verbose?: boolean;
    /** Markdown only: cut the listing to about this many characters (GitHub comments cap at 65536). */
    maxChars?: number;
    /** Command to reproduce the diff locally, suggested when the markdown listing is cut. */
    rerun?: string;
}

const EMPTY: Rendered = { manifests: [], charts: [], resources: [], outputs: {} };
const VALUE_LIMIT = 160;

// --------------------------------------------------------------------------------------------
// Field-level comparison

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
    return v === null || typeof v !== "object";
}

function pointerSegment(key: string): string {
    return "/" + key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
    }
    if (isPlainObject(a) && isPlainObject(b)) {
        const ka = Object.keys(a).filter((k) => a[k] !== undefined);
        const kb = Object.keys(b).filter((k) => b[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
    }
    return false;
}

/** Names of a list's items when every item is an object with a distinct string `name`. */
function itemNames(list: unknown[]): string[] | undefined {
    const names = list.map((x) => (isPlainObject(x) && typeof x.name === "string" ? x.name : undefined));
    if (names.some((n) => n === undefined)) {
        return undefined;
    }
    const defined = names as string[];
    return new Set(defined).size === defined.length ? defined : undefined;
}

function diffLists(before: unknown[], after: unknown[], path: string, out: FieldChange[]): void {
    if (before.every(isScalar) && after.every(isScalar)) {
        // Lists of scalars (hosts, args, gateways) read best whole.
        out.push({ path, change: "changed", before, after });
        return;
    }
    const namesBefore = itemNames(before);
    const namesAfter = itemNames(after);
    if (namesBefore && namesAfter) {
        const order = [...namesBefore, ...namesAfter.filter((n) => !namesBefore.includes(n))];
        for (const n of order) {
            const i = namesBefore.indexOf(n);
            const j = namesAfter.indexOf(n);
            collect(
                i === -1 ? undefined : before[i],
                j === -1 ? undefined : after[j],
                `${path}[name=${n}]`,
                out,
            );
        }
        return;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
        collect(before[i], after[i], `${path}/${i}`, out);
    }
}

function collect(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
    if (deepEqual(before, after)) {
        return;
    }
    // A new or dropped sub-object is listed leaf by leaf, so every value it brings is visible.
    const b = before === undefined && isPlainObject(after) && Object.keys(after).length > 0 ? {} : before;
    const a = after === undefined && isPlainObject(before) && Object.keys(before).length > 0 ? {} : after;
    if (isPlainObject(b) && isPlainObject(a)) {
        const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
        for (const k of keys) {
            collect(b[k], a[k], path + pointerSegment(k), out);
        }
        return;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        diffLists(before, after, path, out);
        return;
    }
    if (before === undefined) {
        out.push({ path, change: "added", after });
    } else if (after === undefined) {
        out.push({ path, change: "removed", before });
    } else {
        out.push({ path, change: "changed", before, after });
    }
}

/** Field-level changes from `before` to `after`, in document order of the keys (sorted). */
export function diffValues(before: unknown, after: unknown, path = ""): FieldChange[] {
    const out: FieldChange[] = [];
    collect(before, after, path, out);
    return out;
}

// --------------------------------------------------------------------------------------------
// Render-level comparison

function objectIdentity(o: K8sObject): { apiVersion: string; kind: string; namespace: string; name: string } {
    return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.metadata?.namespace ?? "",
        name: o.metadata?.name ?? "",
    };
}

/** Map of identity key to object; a repeated key (unnamed objects) gets a "#n" suffix. */
function indexObjects(list: K8sObject[]): Map<string, K8sObject> {
    const out = new Map<string, K8sObject>();
    for (const o of list) {
        const id = objectIdentity(o);
        const base = [id.apiVersion, id.kind, id.namespace, id.name].join("\u0000");
        let key = base;
        for (let n = 2; out.has(key); n++) {
            key = `${base}#${n}`;
        }
        out.set(key, o);
    }
    return out;
}

function sortKey(o: { kind: string; namespace: string; name: string; apiVersion: string }): string {
    return [o.kind, o.namespace, o.name, o.apiVersion].join("\u0000");
}

function byKey<T>(key: (x: T) => string): (a: T, b: T) => number {
    return (a, b) => {
        const ka = key(a);
        const kb = key(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
    };
}

function diffObjects(before: K8sObject[], after: K8sObject[]): ObjectDiff[] {
    const a = indexObjects(before);
    const b = indexObjects(after);
    const out: ObjectDiff[] = [];
    for (const key of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(key);
        const y = b.get(key);
        const object = (y ?? x) as K8sObject;
        const id = objectIdentity(object);
        if (!x || !y) {
            out.push({ change: x ? "removed" : "added", ...id, fields: [], object });
            continue;
        }
        const fields = diffValues(x, y);
        if (fields.length > 0) {
            out.push({ change: "changed", ...id, fields, object });
        }
    }
    return out.sort(byKey(sortKey));
}

/** What a chart deploys; `resource` is the key the two sides are matched by. */
function chartFields(c: ChartRecord): Partial<ChartRecord> {
    const rest: Partial<ChartRecord> = { ...c };
    delete rest.resource;
    return rest;
}

function diffCharts(before: ChartRecord[], after: ChartRecord[]): ChartDiff[] {
    const a = new Map(before.map((c) => [c.resource, c]));
    const b = new Map(after.map((c) => [c.resource, c]));
    const out: ChartDiff[] = [];
    for (const resource of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(resource);
        const y = b.get(resource);
        if (!x || !y) {
            out.push({ change: x ? "removed" : "added", resource, before: x, after: y, fields: [] });
            continue;
        }
        const fields = diffValues(chartFields(x), chartFields(y));
        if (fields.length > 0) {
            out.push({ change: "changed", resource, before: x, after: y, fields });
        }
    }
    return out.sort(byKey((c) => c.resource));
}

/** Kubernetes objects and charts have their own sections; the stack itself never changes. */
function otherResources(side: Rendered): Set<string> {
    const charts = new Set(side.charts.map((c) => `${c.type}\u0000${c.resource}`));
    return new Set(
        side.resources
            .filter((r) => !r.type.startsWith("kubernetes:") && r.type !== "pulumi:pulumi:Stack")
            .filter((r) => !charts.has(`${r.type}\u0000${r.name}`))
            .map((r) => r.urn),
    );
}

function diffResources(x: Rendered, y: Rendered, renames: Rename[]): ResourceDiff[] {
    const from = new Set(renames.map((r) => r.from));
    const to = new Set(renames.map((r) => r.to));
    const before = x.resources.filter((r) => !from.has(r.urn));
    const after = y.resources.filter((r) => !to.has(r.urn));
    const a = otherResources(x);
    const b = otherResources(y);
    const pick = (r: ResourceRecord, change: "added" | "removed"): ResourceDiff => ({
        change,
        urn: r.urn,
        type: r.type,
        name: r.name,
    });
    return [
        ...before.filter((r) => a.has(r.urn) && !b.has(r.urn)).map((r) => pick(r, "removed")),
        ...after.filter((r) => b.has(r.urn) && !a.has(r.urn)).map((r) => pick(r, "added")),
    ].sort(byKey((r) => `${r.type}\u0000${r.name}\u0000${r.urn}`));
}

/**
 * Differences from `before` to `after`. A side that does not exist (a stack new in the working
 * tree, or deleted from it) is passed as undefined: everything shows as added, or removed.
 */
export function diffRendered(before: Rendered | undefined, after: Rendered | undefined): RenderDiff {
    const x = before ?? EMPTY;
    const y = after ?? EMPTY;
    const objects = diffObjects(x.manifests, y.manifests);
    const charts = diffCharts(x.charts, y.charts);
    const review = reviewResources(x, y, before !== undefined && after !== undefined);
    review.warnings.push(
        ...objectWarnings(objects, y.resources),
        ...chartWarnings(charts),
        ...dataPlaneWarnings(x.manifests, y.manifests),
    );
    if (charts.some((c) => c.change === "changed" && c.fields.some((f) => f.path.startsWith("/values")))) {
        review.notes.push(CHART_VALUES_NOTE);
    }
    return {
        warnings: review.warnings,
        notes: review.notes,
        renames: review.renames,
        objects,
        charts,
        resources: diffResources(x, y, review.renames),
        outputs: diffValues(x.outputs, y.outputs),
    };
}

export function isEmpty(d: RenderDiff): boolean {
    return (
        d.warnings.length +
            d.renames.length +
            d.objects.length +
            d.charts.length +
            d.resources.length +
            d.outputs.length ===
        0
    );
}

// --------------------------------------------------------------------------------------------
// Warnings: replacements, deletions and option changes

const CHART_VALUES_NOTE =
    "Chart values changed: the objects a chart renders are not part of the offline render, so a value that reaches an immutable field (a selector, a PVC's storage class) is not flagged here; `pulumi preview` shows the replacement.";

function describeObject(o: ObjectIdentity): string {
    const where = o.namespace ? `${o.namespace}/${o.name ?? ""}` : (o.name ?? "");
    return `${o.kind} ${where}`;
}

/** How a resource reads in a warning: its Kubernetes identity, "chart <name>", or "<type> <name>". */
export function describeResource(r: ResourceRecord): string {
    if (r.object) {
        return describeObject(r.object);
    }
    if (r.type.startsWith("kubernetes:helm.sh/")) {
        return `chart ${r.name}`;
    }
    return `${r.type} ${r.name}`;
}

function identityKey(o: ObjectIdentity | undefined): string | undefined {
    // The apiVersion is left out: a new apiVersion of the same object is the same object.
    return o && [o.kind, o.namespace ?? "", o.name ?? ""].join("\u0000");
}

function aliasHint(before: ResourceRecord, after: ResourceRecord): string {
    const parts: string[] = [];
    if (before.name !== after.name) {
        parts.push(`name: ${JSON.stringify(before.name)}`);
    }
    if (before.type !== after.type) {
        parts.push(`type: ${JSON.stringify(before.type)}`);
    }
    if (before.parent !== after.parent) {
        parts.push(before.parent ? `parent: <${before.parent.split("::").pop()}>` : "parent: undefined");
    }
    return `aliases: [{ ${parts.join(", ")} }]`;
}

function urnChange(before: ResourceRecord, after: ResourceRecord): string {
    return before.name !== after.name ? `${before.name} -> ${after.name}` : `${before.urn} -> ${after.urn}`;
}

const show1 = (v: unknown): string => (v === undefined ? "unset" : JSON.stringify(v));

function optionWarnings(subject: string, a: RecordedOptions, b: RecordedOptions): Warning[] {
    const out: Warning[] = [];
    const add = (message: string) => out.push({ kind: "option", message });
    if ((a.protect ?? false) !== (b.protect ?? false)) {
        add(b.protect ? `protects ${subject}` : `unprotects ${subject}`);
    }
    if ((a.retainOnDelete ?? false) !== (b.retainOnDelete ?? false)) {
        add(
            b.retainOnDelete
                ? `retains ${subject} on delete (a delete or replacement leaves it in the cluster)`
                : `stops retaining ${subject} on delete (a delete or replacement removes it from the cluster)`,
        );
    }
    if ((a.deleteBeforeReplace ?? false) !== (b.deleteBeforeReplace ?? false)) {
        add(
            `${b.deleteBeforeReplace ? "sets" : "drops"} deleteBeforeReplace on ${subject} (a replacement ${b.deleteBeforeReplace ? "deletes the old one first" : "creates the new one first"})`,
        );
    }
    const listChange = (name: "ignoreChanges" | "replaceOnChanges", on: string, off: string) => {
        const x = new Set(a[name] ?? []);
        const y = new Set(b[name] ?? []);
        const gone = [...x].filter((p) => !y.has(p));
        const added = [...y].filter((p) => !x.has(p));
        if (gone.length > 0) {
            add(`${off} ${gone.join(", ")} on ${subject}`);
        }
        if (added.length > 0) {
            add(`${on} ${added.join(", ")} on ${subject}`);
        }
    };
    listChange("ignoreChanges", "ignores changes to", "stops ignoring changes to");
    listChange("replaceOnChanges", "replaces on changes to", "no longer replaces on changes to");
    if (!deepEqual(a.customTimeouts, b.customTimeouts)) {
        add(`changes customTimeouts of ${subject}: ${show1(a.customTimeouts)} -> ${show1(b.customTimeouts)}`);
    }
    if (!deepEqual(a.replacementTrigger, b.replacementTrigger)) {
        // The engine replaces a resource whose trigger differs from the one it recorded.
        add(
            a.replacementTrigger === undefined || b.replacementTrigger === undefined
                ? `changes the replacementTrigger of ${subject}: ${show1(a.replacementTrigger)} -> ${show1(b.replacementTrigger)}`
                : `replaces ${subject}: its replacementTrigger changes ${show1(a.replacementTrigger)} -> ${show1(b.replacementTrigger)}`,
        );
    }
    if ((a.transforms ?? 0) !== (b.transforms ?? 0)) {
        add(
            `changes the transforms ${subject} registers (${a.transforms ?? 0} -> ${b.transforms ?? 0}); on a chart they act on the objects it renders, which the offline render does not show`,
        );
    }
    return out;
}

function shortUrn(urn: string | undefined): string {
    return urn === undefined ? "(default provider)" : (urn.split("::").pop() as string);
}

/** Resource-level review: URN changes, deletions and option changes. */
function reviewResources(
    x: Rendered,
    y: Rendered,
    bothSides: boolean,
): { warnings: Warning[]; notes: string[]; renames: Rename[] } {
    const warnings: Warning[] = [];
    const notes: string[] = [];
    const renames: Rename[] = [];
    if (!bothSides) {
        return { warnings, notes, renames };
    }
    const m = matchUrns(x.resources, y.resources);

    const successors = new Map(renamesWithoutAlias(m).map((p) => [p.before.urn, p.after]));
    for (const old of m.deleted) {
        const successor = successors.get(old.urn);
        const subject = describeResource(successor ?? old);
        const guard = old.options?.protect
            ? "; it is protected, so `pulumi up` fails until the protection is lifted"
            : old.options?.retainOnDelete
              ? "; retainOnDelete leaves the old one in the cluster, unmanaged"
              : "";
        warnings.push(
            successor
                ? {
                      kind: "replace",
                      message: `deletes and creates ${subject}: its URN changes (${urnChange(old, successor)}) with no alias to the old one; add \`${aliasHint(old, successor)}\`${guard}`,
                  }
                : { kind: "delete", message: `deletes ${subject}${guard}` },
        );
    }

    const optionsKnown = x.resources.some((r) => r.options) && y.resources.some((r) => r.options);
    if (!optionsKnown && (x.resources.length > 0 || y.resources.length > 0)) {
        notes.push("One side's render predates recorded resource options: option changes are not compared.");
    }
    const renamedTo = new Map(m.matched.map((p) => [p.before.urn, p.after.urn]));
    const moves = new Map<string, number>();
    for (const { before, after, alias } of m.matched) {
        if (alias !== undefined) {
            renames.push({ from: alias, to: after.urn });
        }
        const subject = describeResource(after);
        const a = before.object;
        const b = after.object;
        if (a && b && identityKey(a) !== identityKey(b)) {
            warnings.push({
                kind: "replace",
                message: `replaces ${subject}: it was ${describeObject(a)}, and a new name or namespace is a new object (the old one is deleted)`,
            });
        }
        if (!optionsKnown) {
            continue;
        }
        warnings.push(...optionWarnings(subject, before.options ?? {}, after.options ?? {}));
        const from = before.options?.provider;
        const mapped = from === undefined ? undefined : (renamedTo.get(from) ?? from);
        if (mapped !== after.options?.provider) {
            const key = `${shortUrn(from)}\u0000${shortUrn(after.options?.provider)}`;
            moves.set(key, (moves.get(key) ?? 0) + 1);
        }
    }
    for (const [key, n] of moves) {
        const [from, to] = key.split("\u0000");
        warnings.push({
            kind: "option",
            message: `moves ${n} resource${n === 1 ? "" : "s"} from provider ${from} to ${to} (a provider for another cluster replaces them)`,
        });
    }
    return { warnings, notes, renames };
}

/** Pulumi property paths ("spec.selector", "spec.ports[0]", "*") as JSON-pointer prefixes. */
function coversPath(patterns: string[] | undefined, path: string): boolean {
    return (patterns ?? []).some((p) => {
        if (p === "*" || p === "**") {
            return true;
        }
        const prefix =
            "/" +
            p
                .replace(/\[(\d+|\*)\]/g, "")
                .replace(/\["([^"]+)"\]/g, ".$1")
                .split(".")
                .join("/");
        return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}[`);
    });
}

function objectWarnings(objects: ObjectDiff[], resources: ResourceRecord[]): Warning[] {
    const optionsOf = new Map(
        resources.filter((r) => r.object).map((r) => [identityKey(r.object), r.options ?? {}]),
    );
    const out: Warning[] = [];
    for (const o of objects.filter((d) => d.change === "changed")) {
        const opts = optionsOf.get(identityKey(o)) ?? {};
        const subject = describeObject(o);
        const reasons = new Map<string, { kind: WarningKind; paths: string[] }>();
        const note = (kind: WarningKind, why: string, path: string) => {
            const r = reasons.get(why) ?? { kind, paths: [] };
            r.paths.push(path);
            reasons.set(why, r);
        };
        for (const f of o.fields) {
            if (coversPath(opts.ignoreChanges, f.path)) {
                continue;
            }
            const field = immutableField(o.apiVersion, o.kind, f.path);
            if (field) {
                note(field.effect, field.why, f.path);
            } else if (coversPath(opts.replaceOnChanges, f.path)) {
                note("replace", "listed in the resource's replaceOnChanges", f.path);
            }
            if (o.kind === "Service" && o.apiVersion === "v1" && f.path === "/spec/type") {
                const why = serviceTypeTransition(f.before, f.after);
                if (why) {
                    note("disruptive", why, f.path);
                }
            }
        }
        for (const [why, r] of reasons) {
            const verb =
                r.kind === "replace" ? "replaces" : r.kind === "rejected" ? "cannot update" : "disrupts";
            out.push({ kind: r.kind, message: `${verb} ${subject}: ${r.paths.join(", ")} (${why})` });
        }
    }
    return out;
}

/**
 * The data plane a namespace's labels put its new pods in (Istio 1.30): ambient with
 * `istio.io/dataplane-mode=ambient` (istio-cni's enablement selector), sidecar with an injection
 * label; undefined: outside the mesh.
 */
export function namespaceDataPlane(
    labels: Record<string, string> | undefined,
): "sidecar" | "ambient" | undefined {
    const l = labels ?? {};
    if (l["istio.io/dataplane-mode"] === "ambient") {
        return "ambient";
    }
    return l["istio-injection"] === "enabled" || l["istio.io/rev"] !== undefined ? "sidecar" : undefined;
}

/**
 * A namespace that changes data plane changes nothing for its running pods: the injector acts
 * when a pod is created, and istio-cni leaves a pod that has a sidecar out of ambient capture. So
 * its pods keep their sidecars (or stay without) until restarted: istio.io "Migrate from sidecar
 * to ambient" relabels a namespace, then restarts its workloads. Without the restart, a pod with a
 * sidecar also skips the waypoint that the ambient namespace's L7 policies now rely on.
 */
function dataPlaneWarnings(before: K8sObject[], after: K8sObject[]): Warning[] {
    const planes = (objects: K8sObject[]) =>
        new Map(
            objects
                .filter(
                    (o) => o.kind === "Namespace" && o.apiVersion === "v1" && o.metadata.name !== undefined,
                )
                .map((o) => [o.metadata.name as string, namespaceDataPlane(o.metadata.labels)]),
        );
    const was = planes(before);
    const out: Warning[] = [];
    for (const [ns, plane] of planes(after)) {
        const from = was.get(ns);
        if (!was.has(ns) || from === plane) {
            continue;
        }
        const what = (p: string | undefined) => (p === undefined ? "no data plane" : `the ${p} data plane`);
        const action =
            plane === "ambient"
                ? "their sidecars stay, and keep them out of ztunnel and the waypoint"
                : from === "ambient"
                  ? "they stay in ambient without sidecars"
                  : "they keep running as they are";
        out.push({
            kind: "disruptive",
            message:
                `moves Namespace ${ns} from ${what(from)} to ${what(plane)}: running pods change only when ` +
                `restarted (${action}); restart them after the update: kubectl rollout restart deployment -n ${ns}`,
        });
    }
    return out;
}

function chartWarnings(charts: ChartDiff[]): Warning[] {
    return charts
        .filter((c) => c.change === "changed")
        .flatMap((c) =>
            c.fields
                .filter((f) => f.path === "/release" || f.path === "/namespace")
                .map((f) => ({
                    kind: "replace" as const,
                    message: `replaces every object of chart ${c.resource}: its ${f.path.slice(1)} changes (${show1(f.before)} -> ${show1(f.after)}), which names or places each object it renders`,
                })),
        );
}

// --------------------------------------------------------------------------------------------
// Reading a render back from its files (the base side is rendered by another checkout's code)

export type RenderFile = (typeof RENDER_FILES)[number];

/** Parses the files `writeRendered` produces; contents keyed by file name. */
export function parseRendered(files: Partial<Record<RenderFile, string>>): Rendered {
    const get = (f: RenderFile): string => {
        const text = files[f];
        if (text === undefined) {
            throw new Error(`incomplete render: no ${f}`);
        }
        return text;
    };
    const manifests = parseAllDocuments(get("manifests.yaml"))
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
    return {
        manifests,
        charts: (parseYaml(get("charts.yaml")) ?? []) as ChartRecord[],
        resources: JSON.parse(get("resources.json")) as ResourceRecord[],
        outputs: JSON.parse(get("outputs.json")) as Record<string, unknown>,
    };
}

// --------------------------------------------------------------------------------------------
// Formatting

function counts(list: { change: Change }[]): Record<Change, number> {
    const c: Record<Change, number> = { added: 0, removed: 0, changed: 0 };
    for (const x of list) {
        c[x.change]++;
    }
    return c;
}

function countText(list: { change: Change }[], noun: string): string | undefined {
    if (list.length === 0) {
        return undefined;
    }
    const c = counts(list);
    const parts = (["added", "changed", "removed"] as const)
        .filter((k) => c[k] > 0)
        .map((k) => `${c[k]} ${k}`);
    return `${noun}: ${parts.join(", ")}`;
}

/** One line, e.g. "objects: 1 added, 2 changed; charts: 3 changed; outputs: 1 changed". */
export function summarize(d: RenderDiff): string {
    if (isEmpty(d)) {
        return "no changes";
    }
    const n = (k: number, noun: string) => (k === 0 ? undefined : `${noun}: ${k}`);
    return [
        n(d.warnings.length, "warnings"),
        n(d.renames.length, "renamed with an alias"),
        countText(d.objects, "objects"),
        countText(d.charts, "charts"),
        countText(d.resources, "resources"),
        countText(d.outputs, "outputs"),
    ]
        .filter((s) => s !== undefined)
        .join("; ");
}

function isSecretPath(kind: string | undefined, path: string): boolean {
    return kind === "Secret" && /^\/(data|stringData)(\/|$)/.test(path);
}

function show(v: unknown, verbose: boolean): string {
    const s = JSON.stringify(v) ?? "undefined";
    return verbose || s.length <= VALUE_LIMIT ? s : `${s.slice(0, VALUE_LIMIT - 1)}…`;
}

function secretSafe(kind: string | undefined, f: FieldChange): FieldChange {
    if (!isSecretPath(kind, f.path)) {
        return f;
    }
    const mask = (v: unknown) => (v === undefined ? undefined : SECRET_PLACEHOLDER);
    return { ...f, before: mask(f.before), after: mask(f.after) };
}

/** A line-oriented model shared by the text and markdown renderings. */
type Mark = "+" | "-" | "~";
interface Entry {
    mark: Mark;
    title: string;
    fields: FieldChange[];
    /** Full body (YAML) printed in verbose mode for added/removed entries. */
    body?: unknown;
}
interface Section {
    heading: string;
    summary: string;
    entries: Entry[];
}

const MARK: Record<Change, Mark> = { added: "+", removed: "-", changed: "~" };

/** "+" when every change is an addition, "-" when every one is a removal, "~" otherwise. */
function uniformMark(fields: FieldChange[]): Mark {
    const kinds = new Set(fields.map((f) => f.change));
    return kinds.size === 1 ? MARK[fields[0].change] : "~";
}

function objectTitle(o: ObjectDiff): string {
    const where = o.namespace === "" ? o.name : `${o.namespace}/${o.name}`;
    return `${o.kind} ${where} (${o.apiVersion})`;
}

function chartTitle(c: ChartDiff): string {
    const r = (c.after ?? c.before) as ChartRecord;
    const version =
        c.before && c.after && c.before.version !== c.after.version
            ? `${c.before.version} -> ${c.after.version}`
            : r.version;
    // A manifest bundle (the Gateway API CRDs) is recorded with its URL as `chart`, and has neither
    // a namespace nor a repository.
    const where = r.namespace ? ` in ${r.namespace}` : "";
    const repository = r.repository ? ` (${r.repository})` : "";
    return `chart ${c.resource}: ${r.chart} ${version}${where}${repository}`;
}

function maskSecretObject(o: K8sObject): K8sObject {
    if (o.kind !== "Secret") {
        return o;
    }
    const copy: K8sObject = { ...o };
    for (const field of ["data", "stringData"]) {
        const data = copy[field];
        if (isPlainObject(data)) {
            copy[field] = Object.fromEntries(Object.keys(data).map((k) => [k, SECRET_PLACEHOLDER]));
        } else if (data !== undefined) {
            copy[field] = SECRET_PLACEHOLDER;
        }
    }
    return copy;
}

function sections(d: RenderDiff): Section[] {
    const out: Section[] = [];
    if (d.renames.length > 0) {
        out.push({
            heading: "Renamed with an alias",
            summary: `renamed: ${d.renames.length}`,
            entries: d.renames.map((r) => ({
                mark: "~",
                title: `${r.from.split("::").slice(2).join("::")} -> ${r.to.split("::").slice(2).join("::")}`,
                fields: [],
            })),
        });
    }
    if (d.objects.length > 0) {
        out.push({
            heading: "Objects",
            summary: countText(d.objects, "objects") ?? "",
            entries: d.objects.map((o) => ({
                mark: MARK[o.change],
                title: objectTitle(o),
                fields: o.fields.map((f) => secretSafe(o.kind, f)),
                body: o.change === "changed" ? undefined : maskSecretObject(o.object),
            })),
        });
    }
    if (d.charts.length > 0) {
        out.push({
            heading: "Charts",
            summary: countText(d.charts, "charts") ?? "",
            entries: d.charts.map((c) => ({
                mark: MARK[c.change],
                title: chartTitle(c),
                fields: c.fields,
                body: c.change === "changed" ? undefined : (c.after ?? c.before)?.values,
            })),
        });
    }
    if (d.resources.length > 0) {
        out.push({
            heading: "Other resources",
            summary: countText(d.resources, "resources") ?? "",
            entries: d.resources.map((r) => ({
                mark: MARK[r.change],
                title: `${r.type} ${r.name}`,
                fields: [],
            })),
        });
    }
    if (d.outputs.length > 0) {
        out.push({
            heading: "Stack outputs",
            summary: countText(d.outputs, "outputs") ?? "",
            entries: [{ mark: uniformMark(d.outputs), title: "outputs", fields: d.outputs }],
        });
    }
    return out;
}

function bodyLines(body: unknown, indent: string): string[] {
    return stringify(body, { lineWidth: 0 })
        .trimEnd()
        .split("\n")
        .map((l) => indent + l);
}

function textField(f: FieldChange, verbose: boolean): string {
    const path = f.path === "" ? "(whole value)" : f.path;
    switch (f.change) {
        case "added":
            return `    + ${path}: ${show(f.after, verbose)}`;
        case "removed":
            return `    - ${path}: ${show(f.before, verbose)}`;
        default:
            return `    ~ ${path}: ${show(f.before, verbose)} -> ${show(f.after, verbose)}`;
    }
}

function heading(labels: DiffLabels): string {
    return `stack ${labels.stack}: ${labels.base} -> ${labels.head}`;
}

/** Plain text for a terminal or a CI log. */
export function formatText(d: RenderDiff, labels: DiffLabels, opts: FormatOptions = {}): string {
    const verbose = opts.verbose ?? false;
    const lines = [heading(labels), summarize(d)];
    if (d.warnings.length > 0) {
        lines.push("", `Warnings (${d.warnings.length})`, ...d.warnings.map((w) => `! ${w.message}`));
    }
    for (const n of d.notes) {
        lines.push("", `Note: ${n}`);
    }
    for (const s of sections(d)) {
        lines.push("", `${s.heading} (${s.summary.replace(/^[^:]+: /, "")})`);
        for (const e of s.entries) {
            lines.push(`${e.mark} ${e.title}`);
            lines.push(...e.fields.map((f) => textField(f, verbose)));
            if (verbose && e.body !== undefined) {
                lines.push(...bodyLines(e.body, "      "));
            }
        }
    }
    return lines.join("\n") + "\n";
}

/** Keeps a fenced block intact whatever the values contain. */
function fenceSafe(line: string): string {
    return line.replace(/```/g, "`\u200b``");
}

function markdownField(f: FieldChange, verbose: boolean): string[] {
    const path = f.path === "" ? "(whole value)" : f.path;
    const before = `-     ${path}: ${show(f.before, verbose)}`;
    const after = `+     ${path}: ${show(f.after, verbose)}`;
    return f.change === "added" ? [after] : f.change === "removed" ? [before] : [before, after];
}

function markdownBlocks(d: RenderDiff, verbose: boolean): string[][] {
    return sections(d).map((s) => {
        const lines: string[] = [];
        for (const e of s.entries) {
            lines.push(e.mark === "~" ? `@@ ${e.title} @@` : `${e.mark} ${e.title}`);
            for (const f of e.fields) {
                lines.push(...markdownField(f, verbose));
            }
            if (verbose && e.body !== undefined) {
                lines.push(...bodyLines(e.body, `${e.mark}       `));
            }
        }
        return [`**${s.heading}** (${s.summary.replace(/^[^:]+: /, "")})`, ...lines.map(fenceSafe)];
    });
}

/** Lays the blocks out within `budget` characters; returns the parts and how many lines did not fit. */
function layout(blocks: string[][], budget: number): { parts: string[]; cut: number } {
    let used = 0;
    let cut = 0;
    const parts: string[] = [];
    for (const [head, ...lines] of blocks) {
        const kept: string[] = [];
        for (const line of lines) {
            if (cut > 0 || used + line.length + 1 > budget) {
                cut++;
                continue;
            }
            used += line.length + 1;
            kept.push(line);
        }
        if (kept.length > 0) {
            parts.push(head, "", "```diff", ...kept, "```", "");
        }
    }
    return { parts, cut };
}

/**
 * Markdown for a pull-request comment: one heading per stack and a `diff`-highlighted block per
 * section (changed entries as "@@" hunk lines, their fields as -/+ pairs). Verbose listings that
 * do not fit in `maxChars` fall back to the summary listing first, so a long new object cannot
 * push a version bump out of the comment.
 */
export function formatMarkdown(d: RenderDiff, labels: DiffLabels, opts: FormatOptions = {}): string {
    const title = `### Stack \`${labels.stack}\`: ${summarize(d)}`;
    const sub = `<sub>offline render of ${labels.base} vs ${labels.head}; secrets redacted</sub>`;
    if (isEmpty(d)) {
        return [title, "", sub, "", ...d.notes.flatMap((n) => [`_${n}_`, ""])].join("\n");
    }
    // Warnings come first and are never cut for the listing: they are what the review is for.
    const warned = markdownWarnings(d, (opts.maxChars ?? Infinity) - title.length - sub.length);
    const budget = (opts.maxChars ?? Infinity) - title.length - sub.length - warned.length;
    let verbose = opts.verbose ?? false;
    let body = layout(markdownBlocks(d, verbose), budget);
    const notes: string[] = [];
    if (verbose && body.cut > 0) {
        verbose = false;
        body = layout(markdownBlocks(d, verbose), budget);
        notes.push("_Added and removed objects are listed without their contents to fit this comment._");
    }
    if (body.cut > 0) {
        const rerun = opts.rerun ? `: run \`${opts.rerun}\` for the full listing` : "";
        notes.push(`_${body.cut} more lines not shown${rerun}._`);
    }
    return [title, "", sub, "", warned, ...body.parts, ...notes.flatMap((n) => [n, ""])].join("\n");
}

/** Text safe for a markdown list item: angle brackets outside code spans cannot open HTML. */
function mdEscape(text: string): string {
    return text
        .split("`")
        .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
        .join("`");
}

/**
 * The warnings as a GitHub alert block (it renders highlighted in a pull-request comment), cut to
 * half the budget at most so the listing still shows, and the notes after it.
 */
function markdownWarnings(d: RenderDiff, budget: number): string {
    if (d.warnings.length === 0 && d.notes.length === 0) {
        return "";
    }
    const lines: string[] = [];
    if (d.warnings.length > 0) {
        lines.push(
            "> [!WARNING]",
            `> **${d.warnings.length} warning${d.warnings.length === 1 ? "" : "s"}**`,
            ">",
        );
        let used = lines.join("\n").length;
        let cut = 0;
        for (const w of d.warnings) {
            const line = `> - ${mdEscape(w.message)}`;
            if (cut > 0 || used + line.length + 1 > budget / 2) {
                cut++;
                continue;
            }
            used += line.length + 1;
            lines.push(line);
        }
        if (cut > 0) {
            lines.push(`> - _and ${cut} more: run the diff locally for all of them_`);
        }
        lines.push("");
    }
    for (const n of d.notes) {
        lines.push(`_${n}_`, "");
    }
    return lines.join("\n") + "\n";
}
