/**
 * The route explainer: what share of each kind of request reaches which version, read back from
 * VirtualService and DestinationRule specs alone (never from the variant catalogue), so that it
 * shows what the cluster will do with the objects that are actually generated.
 */
import type { DestinationRuleSpec, VirtualServiceSpec } from "../crds";
import { RequestProfile } from "./model";

export type { RequestProfile } from "./model";

/** A request that carries nothing any route matches on. */
export const ANONYMOUS: RequestProfile = { name: "anonymous", headers: {} };

export interface RouteRow {
    service: string;
    request: string;
    /** Version to percentage of requests (rounded to 0.1). Empty when no rule matches. */
    versions: Record<string, number>;
    /** Injected fault, e.g. "delay 7s (100%)" or "abort HTTP 500 (100%)"; "" when none. */
    fault: string;
    /** Route timeout; "" when none (the caller's own timeout applies). */
    timeout: string;
    /** Retry policy, e.g. "3x 500ms on 5xx,reset"; "" when none (Istio's default retries apply). */
    retries: string;
    /** Anything else a reader must know (no subset, no matching rule, unevaluated conditions). */
    note: string;
}

export interface SpecObject<Spec> {
    metadata?: { name?: string; namespace?: string };
    spec: Spec;
}

type HttpRoute = NonNullable<VirtualServiceSpec["http"]>[number];
type MatchRequest = NonNullable<HttpRoute["match"]>[number];
type StringMatch = { exact?: string; prefix?: string; regex?: string };

/** `reviews`, `reviews.bookinfo`, `reviews.bookinfo.svc.cluster.local` all name the same service. */
function shortHost(host: string): string {
    return host.endsWith(".svc.cluster.local") || host.split(".").length <= 2 ? host.split(".")[0] : host;
}

function stringMatches(m: StringMatch, value: string | undefined): boolean {
    if (value === undefined) {
        return false;
    }
    if (m.exact !== undefined) {
        return value === m.exact;
    }
    if (m.prefix !== undefined) {
        return value.startsWith(m.prefix);
    }
    if (m.regex !== undefined) {
        return new RegExp(`^(?:${m.regex})$`).test(value);
    }
    return false;
}

function sameMatch(a: StringMatch, b: StringMatch): boolean {
    return a.exact === b.exact && a.prefix === b.prefix && a.regex === b.regex;
}

/**
 * Whether a profile satisfies a header condition: by its concrete value, or because the profile
 * was made from that very condition (a regex has no one value to try).
 */
function headerApplies(profile: RequestProfile, name: string, sm: StringMatch): boolean {
    const known = profile.matchedHeaders?.[name];
    if (known !== undefined && sameMatch(known, sm)) {
        return true;
    }
    return stringMatches(sm, profile.headers[name]);
}

/**
 * Conditions the explainer evaluates; any other makes the rule "not evaluated" for profiles. A
 * header a profile lacks is absent from its requests; a profile that says nothing of the path
 * cannot tell a uri condition.
 */
const EVALUATED = new Set(["headers", "name", "uri"]);

function matchApplies(m: MatchRequest, profile: RequestProfile): { applies: boolean; unevaluated: string[] } {
    const unevaluated = Object.keys(m).filter(
        (k) => !EVALUATED.has(k) || (k === "uri" && profile.uri === undefined),
    );
    if (unevaluated.length > 0) {
        return { applies: false, unevaluated };
    }
    const headers = (m.headers ?? {}) as Record<string, StringMatch>;
    const applies =
        Object.entries(headers).every(([name, sm]) => headerApplies(profile, name.toLowerCase(), sm)) &&
        (m.uri === undefined || stringMatches(m.uri, profile.uri));
    return { applies, unevaluated };
}

function ruleApplies(rule: HttpRoute, profile: RequestProfile): { applies: boolean; unevaluated: string[] } {
    if (rule.match === undefined || rule.match.length === 0) {
        return { applies: true, unevaluated: [] };
    }
    const unevaluated: string[] = [];
    for (const m of rule.match) {
        const r = matchApplies(m, profile);
        unevaluated.push(...r.unevaluated);
        if (r.applies) {
            return { applies: true, unevaluated };
        }
    }
    return { applies: false, unevaluated };
}

function round(n: number): number {
    return Math.round(n * 10) / 10;
}

function percentOf(p: { value?: number } | undefined, legacy: number | undefined): number {
    return p?.value ?? legacy ?? 100;
}

function describeFault(fault: HttpRoute["fault"]): string {
    if (!fault) {
        return "";
    }
    const parts: string[] = [];
    if (fault.delay) {
        parts.push(
            `delay ${fault.delay.fixedDelay ?? "?"} (${percentOf(fault.delay.percentage, fault.delay.percent)}%)`,
        );
    }
    if (fault.abort) {
        const what =
            fault.abort.httpStatus !== undefined
                ? `HTTP ${fault.abort.httpStatus}`
                : `gRPC ${fault.abort.grpcStatus}`;
        parts.push(`abort ${what} (${percentOf(fault.abort.percentage, undefined)}%)`);
    }
    return parts.join(", ");
}

function describeRetries(retries: HttpRoute["retries"]): string {
    if (!retries) {
        return "";
    }
    const parts = [`${retries.attempts ?? "?"}x`];
    if (retries.perTryTimeout) {
        parts.push(retries.perTryTimeout);
    }
    if (retries.retryOn) {
        parts.push(`on ${retries.retryOn}`);
    }
    return parts.join(" ");
}

/** Subset name to the version label it selects (the subset name when it selects none). */
function subsetVersions(dr: DestinationRuleSpec | undefined): Map<string, string> {
    return new Map((dr?.subsets ?? []).map((s) => [s.name, s.labels?.version ?? s.name]));
}

function shares(
    rule: HttpRoute,
    dr: DestinationRuleSpec | undefined,
): { versions: Record<string, number>; note: string } {
    const dests = rule.route ?? [];
    const subsets = subsetVersions(dr);
    const weights = dests.map((d) => (dests.length === 1 ? 100 : (d.weight ?? 0)));
    const total = weights.reduce((a, b) => a + b, 0);
    const versions: Record<string, number> = {};
    const notes: string[] = [];
    dests.forEach((d, i) => {
        if (total === 0 || weights[i] === 0) {
            return;
        }
        const share = (weights[i] * 100) / total;
        if (d.destination.subset === undefined) {
            // No subset: Kubernetes-style balancing over every pod, one per version here.
            const all = [...new Set(subsets.values())];
            notes.push("no subset: spread over all pods");
            for (const v of all.length > 0 ? all : ["(all)"]) {
                versions[v] = round((versions[v] ?? 0) + share / Math.max(all.length, 1));
            }
            return;
        }
        const version = subsets.get(d.destination.subset);
        if (version === undefined) {
            notes.push(`subset ${d.destination.subset} undefined: 503`);
            return;
        }
        versions[version] = round((versions[version] ?? 0) + share);
    });
    return { versions, note: notes.join("; ") };
}

function profileFromMatch(m: MatchRequest): RequestProfile | undefined {
    if (Object.keys(m).some((k) => k !== "headers" && k !== "uri")) {
        return undefined;
    }
    const names: string[] = [];
    const profile: RequestProfile = { name: "", headers: {} };
    for (const [rawName, sm] of Object.entries((m.headers ?? {}) as Record<string, StringMatch>)) {
        const name = rawName.toLowerCase();
        if (sm.exact !== undefined) {
            profile.headers[name] = sm.exact;
            names.push(`${name}: ${sm.exact}`);
        } else if (sm.prefix !== undefined) {
            profile.headers[name] = sm.prefix;
            names.push(`${name}: ${sm.prefix}*`);
        } else if (sm.regex !== undefined) {
            profile.matchedHeaders = { ...profile.matchedHeaders, [name]: { regex: sm.regex } };
            names.push(`${name} ~ ${sm.regex}`);
        }
    }
    const uri = m.uri;
    if (uri !== undefined) {
        const path = uri.exact ?? uri.prefix;
        if (path === undefined) {
            return undefined;
        }
        profile.uri = path;
        names.push(uri.exact !== undefined ? `path ${path}` : `path ${path}*`);
    }
    if (names.length === 0) {
        return undefined;
    }
    profile.name = names.join(", ");
    return profile;
}

/**
 * The kinds of request a VirtualService tells apart: one per match of its rules (a regex header is
 * taken as satisfied, a regex path cannot be, and matches on anything but headers and the path are
 * left out), in rule order.
 */
export function profilesFrom(vs: VirtualServiceSpec): RequestProfile[] {
    const out: RequestProfile[] = [];
    for (const rule of vs.http ?? []) {
        for (const m of rule.match ?? []) {
            const p = profileFromMatch(m);
            if (p !== undefined && !out.some((o) => o.name === p.name)) {
                out.push(p);
            }
        }
    }
    return out;
}

function withDerived(
    profiles: readonly RequestProfile[],
    vs: VirtualServiceSpec | undefined,
): RequestProfile[] {
    const out = [...profiles];
    for (const p of vs ? profilesFrom(vs) : []) {
        if (!out.some((o) => o.name === p.name)) {
            out.push(p);
        }
    }
    return out;
}

/** Whether a VirtualService applies to sidecars (no gateways, or the reserved `mesh` gateway). */
function appliesToMesh(vs: VirtualServiceSpec): boolean {
    return vs.gateways === undefined || vs.gateways.length === 0 || vs.gateways.includes("mesh");
}

/**
 * For every versioned service (a DestinationRule with subsets; by name) and every request profile: the first
 * HTTP rule of its mesh VirtualService that matches, the resulting share per version, and any fault
 * or timeout on that rule.
 */
export function explainRoutes(
    virtualServices: readonly SpecObject<VirtualServiceSpec>[],
    destinationRules: readonly SpecObject<DestinationRuleSpec>[],
    profiles: readonly RequestProfile[] = [ANONYMOUS],
    /** Also one row per kind of request the service's own matches tell apart. */
    derive = false,
): RouteRow[] {
    const drs = new Map(
        destinationRules
            .filter((d) => (d.spec.subsets ?? []).length > 0)
            .map((d) => [shortHost(d.spec.host), d.spec]),
    );
    const rows: RouteRow[] = [];
    for (const [service, dr] of [...drs].sort(([a], [b]) => a.localeCompare(b))) {
        const vs = virtualServices
            .map((v) => v.spec)
            .find((v) => appliesToMesh(v) && (v.hosts ?? []).some((h) => shortHost(h) === service));
        for (const profile of derive ? withDerived(profiles, vs) : profiles) {
            const row: RouteRow = {
                service,
                request: profile.name,
                versions: {},
                fault: "",
                timeout: "",
                retries: "",
                note: "",
            };
            if (vs === undefined) {
                const all = [...new Set(subsetVersions(dr).values())];
                all.forEach((v) => (row.versions[v] = round(100 / all.length)));
                row.note = "no VirtualService: spread over all pods";
                rows.push(row);
                continue;
            }
            const skipped = new Set<string>();
            const rule = (vs.http ?? []).find((r) => {
                const a = ruleApplies(r, profile);
                a.unevaluated.forEach((u) => skipped.add(u));
                return a.applies;
            });
            const notes: string[] = [];
            if (rule === undefined) {
                notes.push("no matching rule: 404");
            } else {
                const s = shares(rule, dr);
                row.versions = s.versions;
                row.fault = describeFault(rule.fault);
                row.timeout = rule.timeout ?? "";
                row.retries = describeRetries(rule.retries);
                if (s.note) {
                    notes.push(s.note);
                }
            }
            if (skipped.size > 0) {
                notes.push(`rules matching on ${[...skipped].join(", ")} not evaluated`);
            }
            row.note = notes.join("; ");
            rows.push(row);
        }
    }
    return rows;
}

export function formatShares(versions: Record<string, number>): string {
    const entries = Object.entries(versions).sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? "none" : entries.map(([v, p]) => `${v} ${p}%`).join(", ");
}

function table(header: string[], cells: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) =>
        c
            .map((x, i) => x.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), ...cells.map(line)].join("\n");
}

/** The rows as an aligned text table, one line per service and request profile. */
export function formatRoutesTable(rows: readonly RouteRow[]): string {
    return table(
        ["SERVICE", "REQUEST", "VERSIONS", "FAULT", "TIMEOUT", "NOTE"],
        rows.map((r) => [
            r.service,
            r.request,
            formatShares(r.versions),
            r.fault || "-",
            r.timeout || "-",
            r.note || "",
        ]),
    );
}

/** A row of the applications' route table: which application the service belongs to. */
export interface ApplicationRouteRow extends RouteRow {
    application: string;
}

/** Every application's rows as one table (`npm run routes`), retries included. */
export function formatApplicationsTable(rows: readonly ApplicationRouteRow[]): string {
    return table(
        ["APPLICATION", "SERVICE", "REQUEST", "VERSIONS", "FAULT", "TIMEOUT", "RETRIES", "NOTE"],
        rows.map((r) => [
            r.application,
            r.service,
            r.request,
            formatShares(r.versions),
            r.fault || "-",
            r.timeout || "-",
            r.retries || "-",
            r.note || "",
        ]),
    );
}
