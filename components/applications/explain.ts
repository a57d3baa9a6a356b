/**
 * The route explainer: what share of each kind of request reaches which version, read back from
 * VirtualService and DestinationRule specs alone, or in ambient mode from HTTPRoutes and the
 * per-version Services (never from the variant catalogue), so that it shows what the cluster will
 * do with the objects that are actually generated, in the same table for both data planes.
 */
import type { DestinationRuleSpec, HTTPRouteSpec, VirtualServiceSpec } from "../crds";
import { regexPrefix, waypointOrder } from "./gamma";
import { RequestProfile } from "./model";
import { DURATION, durationMs } from "./rules";

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
    return profilesFromMatches((vs.http ?? []).flatMap((r) => r.match ?? []));
}

/** Whether a VirtualService applies to sidecars (no gateways, or the reserved `mesh` gateway). */
function appliesToMesh(vs: VirtualServiceSpec): boolean {
    return vs.gateways === undefined || vs.gateways.length === 0 || vs.gateways.includes("mesh");
}

/** What one rule does to the requests it takes, as the explainer reads it from a route object. */
interface RuleView {
    /** Absent or empty: every request. */
    match?: MatchRequest[];
    versions: Record<string, number>;
    note: string;
    fault: string;
    timeout: string;
    retries: string;
}

/** One versioned service as its proxy sees it, whichever API its routes are written in. */
interface ServiceView {
    service: string;
    /** Every deployed version (the subsets, or the per-version Services). */
    versions: string[];
    /** The rules in the order the proxy tries them; undefined when no route object applies. */
    rules?: RuleView[];
    /** The matches in the order they are written, to derive request profiles from. */
    written: MatchRequest[];
    /** Why there is no route object, when there is none. */
    missing: string;
}

/**
 * A timeout as the table shows it, in seconds, whatever its notation: "0.5s" in a
 * VirtualService is "500ms" in an HTTPRoute (Gateway API durations take no fractions).
 */
export function formatTimeout(t: string | undefined): string {
    if (t === undefined || t === "") {
        return "";
    }
    return DURATION.test(t) ? `${Number((durationMs(t) / 1000).toFixed(6))}s` : t;
}

function viewRows(view: ServiceView, profiles: readonly RequestProfile[], derive: boolean): RouteRow[] {
    const rows: RouteRow[] = [];
    const derived = derive ? profilesFromMatches(view.written) : [];
    const all = [...profiles, ...derived.filter((p) => !profiles.some((o) => o.name === p.name))];
    for (const profile of all) {
        const row: RouteRow = {
            service: view.service,
            request: profile.name,
            versions: {},
            fault: "",
            timeout: "",
            retries: "",
            note: "",
        };
        if (view.rules === undefined) {
            const versions = [...new Set(view.versions)];
            versions.forEach((v) => (row.versions[v] = round(100 / versions.length)));
            row.note = view.missing;
            rows.push(row);
            continue;
        }
        const skipped = new Set<string>();
        const rule = view.rules.find((r) => {
            const a = ruleApplies({ match: r.match }, profile);
            a.unevaluated.forEach((u) => skipped.add(u));
            return a.applies;
        });
        const notes: string[] = [];
        if (rule === undefined) {
            notes.push("no matching rule: 404");
        } else {
            row.versions = rule.versions;
            row.fault = rule.fault;
            row.timeout = rule.timeout;
            row.retries = rule.retries;
            if (rule.note) {
                notes.push(rule.note);
            }
        }
        if (skipped.size > 0) {
            notes.push(`rules matching on ${[...skipped].join(", ")} not evaluated`);
        }
        row.note = notes.join("; ");
        rows.push(row);
    }
    return rows;
}

function profilesFromMatches(matches: readonly MatchRequest[]): RequestProfile[] {
    const out: RequestProfile[] = [];
    for (const m of matches) {
        const p = profileFromMatch(m);
        if (p !== undefined && !out.some((o) => o.name === p.name)) {
            out.push(p);
        }
    }
    return out;
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
        const view: ServiceView = {
            service,
            versions: [...subsetVersions(dr).values()],
            rules: (vs === undefined ? undefined : (vs.http ?? []))?.map((rule) => ({
                match: rule.match,
                ...shares(rule, dr),
                fault: describeFault(rule.fault),
                timeout: formatTimeout(rule.timeout),
                retries: describeRetries(rule.retries),
            })),
            written: (vs?.http ?? []).flatMap((r) => r.match ?? []),
            missing: "no VirtualService: spread over all pods",
        };
        rows.push(...viewRows(view, profiles, derive));
    }
    return rows;
}

/** A Service as the HTTPRoute explainer needs it: its name and selector. */
export interface ServiceObject {
    metadata: { name: string };
    spec: { selector: Record<string, string> };
}

type HttpRouteRule = NonNullable<HTTPRouteSpec["rules"]>[number];
type HttpRouteMatch = NonNullable<HttpRouteRule["matches"]>[number];

/** An HTTPRoute match in the VirtualService's terms (a header prefix is written as a regex). */
function fromGatewayMatch(m: HttpRouteMatch): MatchRequest {
    const out: MatchRequest = {};
    if (m.headers !== undefined && m.headers.length > 0) {
        out.headers = Object.fromEntries(
            m.headers.map((h) => {
                const prefix = h.type === "RegularExpression" ? regexPrefix(h.value) : undefined;
                const sm: StringMatch =
                    h.type === "RegularExpression"
                        ? prefix !== undefined
                            ? { prefix }
                            : { regex: h.value }
                        : { exact: h.value };
                return [h.name.toLowerCase(), sm];
            }),
        );
    }
    if (m.path !== undefined) {
        const value = m.path.value ?? "/";
        out.uri =
            m.path.type === "Exact"
                ? { exact: value }
                : m.path.type === "RegularExpression"
                  ? { regex: value }
                  : { prefix: value };
    }
    return out;
}

/**
 * The same table from Gateway API objects (ambient mode): for every Service that has per-version
 * Services (selector `app` + `version`), the HTTPRoutes bound to it (`parentRefs` kind Service),
 * their rules tried in the order the waypoint tries them (gamma.ts {@link waypointOrder}: by
 * specificity, list order on ties), and the backends' weights mapped to versions through the
 * per-version Services' selectors.
 */
export function explainHttpRoutes(
    httpRoutes: readonly SpecObject<HTTPRouteSpec>[],
    services: readonly ServiceObject[],
    profiles: readonly RequestProfile[] = [ANONYMOUS],
    derive = false,
): RouteRow[] {
    const versionOf = new Map<string, { app: string; version: string }>();
    for (const s of services) {
        const { app, version } = s.spec.selector;
        if (app !== undefined && version !== undefined) {
            versionOf.set(s.metadata.name, { app, version });
        }
    }
    const versioned = services
        .filter((s) => s.spec.selector.version === undefined && s.spec.selector.app !== undefined)
        .map((s) => ({
            name: s.metadata.name,
            versions: [...versionOf.values()]
                .filter((v) => v.app === s.spec.selector.app)
                .map((v) => v.version),
        }))
        .filter((s) => s.versions.length > 0)
        .sort((a, b) => a.name.localeCompare(b.name));
    const rows: RouteRow[] = [];
    for (const s of versioned) {
        const bound = httpRoutes.filter((r) =>
            (r.spec.parentRefs ?? []).some(
                (p) => p.kind === "Service" && ["", "core"].includes(p.group ?? "") && p.name === s.name,
            ),
        );
        const entries = bound
            .flatMap((r) => r.spec.rules ?? [])
            .flatMap((rule) =>
                (rule.matches ?? [undefined]).map((m) => ({ rule, match: m && fromGatewayMatch(m) })),
            );
        const tried = waypointOrder(
            entries.map((e) => ({ weights: {}, ...(e.match ? { match: e.match } : {}) })),
        );
        const view: ServiceView = {
            service: s.name,
            versions: s.versions,
            rules:
                bound.length === 0
                    ? undefined
                    : tried.map((i) => {
                          const { rule, match } = entries[i];
                          return {
                              ...(match !== undefined ? { match: [match] } : {}),
                              ...backendShares(rule, s, versionOf),
                              fault: "",
                              timeout: formatTimeout(rule.timeouts?.request),
                              retries: "",
                          };
                      }),
            written: entries.flatMap((e) => (e.match ? [e.match] : [])),
            // As a VirtualService without subsets: Kubernetes balancing over every pod.
            missing: "no subset: spread over all pods",
        };
        rows.push(...viewRows(view, profiles, derive));
    }
    return rows;
}

/** Version shares of a rule's backends (weight 1 when unset, as the Gateway API defaults it). */
function backendShares(
    rule: HttpRouteRule,
    service: { name: string; versions: string[] },
    versionOf: ReadonlyMap<string, { app: string; version: string }>,
): { versions: Record<string, number>; note: string } {
    const refs = (rule.backendRefs ?? []).filter((b) => b.kind === undefined || b.kind === "Service");
    const weights = refs.map((b) => b.weight ?? 1);
    const total = weights.reduce((a, b) => a + b, 0);
    const versions: Record<string, number> = {};
    const notes: string[] = [];
    refs.forEach((b, i) => {
        if (total === 0 || weights[i] === 0) {
            return;
        }
        const share = (weights[i] * 100) / total;
        if (b.name === service.name) {
            notes.push("no subset: spread over all pods");
            const all = [...new Set(service.versions)];
            for (const v of all) {
                versions[v] = round((versions[v] ?? 0) + share / all.length);
            }
            return;
        }
        const version = versionOf.get(b.name);
        if (version === undefined) {
            notes.push(`backend ${b.name} undefined: 500`);
            return;
        }
        versions[version.version] = round((versions[version.version] ?? 0) + share);
    });
    return { versions, note: notes.join("; ") };
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
