/**
 * From routing variants to Istio objects: layering, validation, and the VirtualService and
 * DestinationRule specs. Pure functions, tested without the Pulumi engine.
 */
import type { DestinationRuleSpec, VirtualServiceSpec } from "../crds";
import { DeployedVersions, SERVICES, ServiceName } from "./catalogue";
import { CUSTOM_VARIANT, HeaderMatch, RouteRule, ServiceRoutes, VARIANTS, VARIANT_NAMES } from "./variants";

/** A problem in the routing config, attributed to the layer (variant name) that caused it. */
export interface RoutingIssue {
    /** The variant (or `custom`) the problem comes from; undefined for the layered result. */
    layer?: string;
    service?: ServiceName;
    message: string;
}

/** The routes in effect once every layer is applied, with the layer each service's routes came from. */
export interface LayeredRoutes {
    routes: ServiceRoutes;
    origin: Partial<Record<ServiceName, string>>;
}

/**
 * Applies the variants in order, the way the Istio tasks apply one file after another: each later
 * variant replaces the routes of the services it names and leaves the others alone.
 */
export function layerVariants(
    names: readonly string[],
    custom: ServiceRoutes = {},
): { layered: LayeredRoutes; issues: RoutingIssue[] } {
    const issues: RoutingIssue[] = [];
    const layered: LayeredRoutes = { routes: {}, origin: {} };
    if (names.length === 0) {
        issues.push({ message: `is empty; list at least one variant (${validLayerNames()})` });
    }
    names.forEach((name) => {
        const variant = name === CUSTOM_VARIANT ? { routes: custom } : VARIANTS[name];
        if (variant === undefined) {
            issues.push({
                layer: name,
                message: `unknown routing variant ${JSON.stringify(name)}; valid variants: ${validLayerNames()}`,
            });
            return;
        }
        for (const service of SERVICES) {
            const rules = variant.routes[service];
            if (rules !== undefined) {
                layered.routes[service] = rules;
                layered.origin[service] = name;
            }
        }
    });
    return { layered, issues };
}

function validLayerNames(): string {
    return [...VARIANT_NAMES, CUSTOM_VARIANT].join(", ");
}

/** The versions each service's routes send traffic to (weight above zero). */
export function routedVersions(routes: ServiceRoutes): DeployedVersions {
    const out = Object.fromEntries(SERVICES.map((s) => [s, [] as string[]])) as DeployedVersions;
    for (const service of SERVICES) {
        for (const rule of routes[service] ?? []) {
            for (const [version, weight] of Object.entries(rule.split)) {
                if (weight > 0 && !out[service].includes(version)) {
                    out[service].push(version);
                }
            }
        }
    }
    return out;
}

/** HTTP header names as Envoy matches them: lowercase tokens. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers Envoy owns or rewrites; matching on them in a VirtualService does not do what it says. */
const RESERVED_HEADERS = ["host", ":authority", "content-length", "transfer-encoding"];
/** Istio durations as the v1 API accepts them (protobuf Duration). */
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

function validHeaderMatch(name: string, m: HeaderMatch): string | undefined {
    if (!HEADER_NAME.test(name)) {
        return `header ${JSON.stringify(name)} is not a valid header name (lowercase letters, digits, '-')`;
    }
    if (RESERVED_HEADERS.includes(name)) {
        return `header ${JSON.stringify(name)} cannot be matched on; Istio reserves it`;
    }
    const forms = (["exact", "prefix", "regex"] as const).filter((k) => m[k] !== undefined);
    if (forms.length !== 1) {
        return `header ${JSON.stringify(name)} needs exactly one of exact, prefix or regex (got ${forms.join(", ") || "none"})`;
    }
    const value = m[forms[0]];
    if (typeof value !== "string" || value === "") {
        return `header ${JSON.stringify(name)}: ${forms[0]} must be a non-empty string`;
    }
    if (forms[0] === "regex") {
        try {
            new RegExp(value);
        } catch {
            return `header ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid regular expression`;
        }
    }
    return undefined;
}

function validPercent(p: number): boolean {
    return Number.isFinite(p) && p > 0 && p <= 100;
}

/** Checks one service's rules on their own (shape, weights, matches, faults, timeouts). */
export function ruleIssues(rules: readonly RouteRule[]): string[] {
    const out: string[] = [];
    if (rules.length === 0) {
        return ["has no rules; give at least one route"];
    }
    rules.forEach((rule, i) => {
        const at = rules.length > 1 ? `rule ${i + 1}: ` : "";
        const entries = Object.entries(rule.split);
        if (entries.length === 0) {
            out.push(`${at}routes to no version`);
        }
        for (const [version, weight] of entries) {
            if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
                out.push(
                    `${at}weight of ${version} must be a whole number from 0 to 100, got ${JSON.stringify(weight)}`,
                );
            }
        }
        const total = entries.reduce((sum, [, w]) => sum + (Number.isFinite(w) ? w : 0), 0);
        if (entries.length > 0 && total !== 100) {
            const shown = entries.map(([v, w]) => `${v}=${w}`).join(", ");
            out.push(`${at}weights must add up to 100, got ${total} (${shown})`);
        }
        for (const [name, match] of Object.entries(rule.headers ?? {})) {
            const problem = validHeaderMatch(name, match);
            if (problem) {
                out.push(`${at}${problem}`);
            }
        }
        if (rule.headers !== undefined && Object.keys(rule.headers).length === 0) {
            out.push(`${at}has an empty header match; leave it out for a catch-all rule`);
        }
        if (rule.delay) {
            if (!DURATION.test(rule.delay.fixedDelay)) {
                out.push(
                    `${at}delay ${JSON.stringify(rule.delay.fixedDelay)} is not a duration such as 7s or 500ms`,
                );
            }
            if (!validPercent(rule.delay.percent)) {
                out.push(`${at}delay percentage must be above 0 and at most 100, got ${rule.delay.percent}`);
            }
        }
        if (rule.abort) {
            const s = rule.abort.httpStatus;
            if (!Number.isInteger(s) || s < 200 || s > 599) {
                out.push(`${at}abort status must be an HTTP status from 200 to 599, got ${s}`);
            }
            if (!validPercent(rule.abort.percent)) {
                out.push(`${at}abort percentage must be above 0 and at most 100, got ${rule.abort.percent}`);
            }
        }
        if (rule.timeout !== undefined && !DURATION.test(rule.timeout)) {
            out.push(`${at}timeout ${JSON.stringify(rule.timeout)} is not a duration such as 0.5s`);
        }
    });
    const last = rules[rules.length - 1];
    if (last.headers !== undefined) {
        out.push("the last rule must match every request (no headers), or other requests get 404");
    }
    rules.slice(0, -1).forEach((rule, i) => {
        if (rule.headers === undefined) {
            out.push(`rule ${i + 1} matches every request, so the rules after it are never used`);
        }
    });
    return out;
}

/**
 * Every problem with the layered routes: malformed rules (attributed to the layer that set them)
 * and routes to versions that are not deployed.
 */
export function routingIssues(layered: LayeredRoutes, deployed: DeployedVersions): RoutingIssue[] {
    const out: RoutingIssue[] = [];
    for (const service of SERVICES) {
        const rules = layered.routes[service];
        if (rules === undefined) {
            continue;
        }
        const layer = layered.origin[service];
        for (const message of ruleIssues(rules)) {
            out.push({ layer, service, message });
        }
        for (const version of routedVersions({ [service]: rules })[service]) {
            if (!deployed[service].includes(version)) {
                out.push({
                    layer,
                    service,
                    message: `routes to ${service} ${version}, which is not deployed (deployed: ${deployed[service].join(", ") || "none"})`,
                });
            }
        }
    }
    return out;
}

function headerSpec(headers: Record<string, HeaderMatch>): Record<string, HeaderMatch> {
    return Object.fromEntries(
        Object.entries(headers).map(([name, m]) => [
            name,
            m.exact !== undefined
                ? { exact: m.exact }
                : m.prefix !== undefined
                  ? { prefix: m.prefix }
                  : { regex: m.regex },
        ]),
    );
}

type HttpRoute = NonNullable<VirtualServiceSpec["http"]>[number];

function httpRoute(service: ServiceName, rule: RouteRule): HttpRoute {
    const destinations = Object.entries(rule.split).filter(([, w]) => w > 0);
    const route: HttpRoute = {
        route: destinations.map(([subset, weight]) => ({
            destination: { host: service, subset },
            // A single destination takes all traffic; Istio wants no weight then.
            ...(destinations.length > 1 ? { weight } : {}),
        })),
    };
    if (rule.headers) {
        route.match = [{ headers: headerSpec(rule.headers) }] as HttpRoute["match"];
    }
    if (rule.delay || rule.abort) {
        route.fault = {
            ...(rule.delay
                ? {
                      delay: {
                          fixedDelay: rule.delay.fixedDelay,
                          percentage: { value: rule.delay.percent },
                      },
                  }
                : {}),
            ...(rule.abort
                ? { abort: { httpStatus: rule.abort.httpStatus, percentage: { value: rule.abort.percent } } }
                : {}),
        };
    }
    if (rule.timeout !== undefined) {
        route.timeout = rule.timeout;
    }
    return route;
}

/**
 * The one VirtualService of a service. A service no variant names still gets one, routing to the
 * host without a subset (every pod, as plain Kubernetes would), so that there is always exactly one
 * VirtualService per host and switching variants only ever updates it.
 */
export function virtualServiceSpec(
    service: ServiceName,
    rules: readonly RouteRule[] | undefined,
): VirtualServiceSpec {
    return {
        hosts: [service],
        http:
            rules === undefined
                ? [{ route: [{ destination: { host: service } }] }]
                : rules.map((rule) => httpRoute(service, rule)),
    };
}

/** One subset per deployed version, selected by the `version` label every Deployment carries. */
export function destinationRuleSpec(service: ServiceName, versions: readonly string[]): DestinationRuleSpec {
    return {
        host: service,
        subsets: versions.map((v) => ({ name: v, labels: { version: v } })),
    };
}

/**
 * Cross-checks generated specs: every subset a VirtualService names must exist in the
 * DestinationRule for its host. A missing subset is a 503 (NR) on the cluster, not an apply error.
 */
export function subsetIssues(
    virtualServices: readonly VirtualServiceSpec[],
    destinationRules: readonly DestinationRuleSpec[],
): string[] {
    const subsets = new Map(
        destinationRules.map((dr) => [dr.host, new Set((dr.subsets ?? []).map((s) => s.name))]),
    );
    const out: string[] = [];
    for (const vs of virtualServices) {
        for (const http of vs.http ?? []) {
            for (const { destination } of http.route ?? []) {
                if (destination.subset === undefined) {
                    continue;
                }
                const known = subsets.get(destination.host);
                if (!known?.has(destination.subset)) {
                    out.push(
                        `${vs.hosts?.join(",")}: subset ${destination.subset} of ${destination.host} is not defined in its DestinationRule`,
                    );
                }
            }
        }
    }
    return out;
}

export interface RoutingObjects {
    /** Per service: its DestinationRule and its VirtualService (both named after the service). */
    services: {
        service: ServiceName;
        destinationRule: DestinationRuleSpec;
        virtualService: VirtualServiceSpec;
    }[];
}

/**
 * Every routing object of the application, checked for consistency. Config validation rules out an
 * inconsistency, so one here is a bug in the builders, reported before anything is declared.
 */
export function routingObjects(routes: ServiceRoutes, versions: DeployedVersions): RoutingObjects {
    const services = SERVICES.map((service) => ({
        service,
        destinationRule: destinationRuleSpec(service, versions[service]),
        virtualService: virtualServiceSpec(service, routes[service]),
    }));
    const problems = subsetIssues(
        services.map((s) => s.virtualService),
        services.map((s) => s.destinationRule),
    );
    if (problems.length > 0) {
        throw new Error(`Bookinfo routing is inconsistent:\n  ${problems.join("\n  ")}`);
    }
    return { services };
}
