/**
 * From routes to Istio objects: the VirtualService and DestinationRule of each HTTP service.
 * Pure functions, tested without the Pulumi engine.
 */
import type { DestinationRuleSpec, VirtualServiceSpec } from "../crds";
import { Resilience, Route, RouteMatch, ServiceSpec, StringMatch, isHttp } from "./model";

type HttpRoute = NonNullable<VirtualServiceSpec["http"]>[number];
type MatchRequest = NonNullable<HttpRoute["match"]>[number];

/** The one form a StringMatch uses (config validation guarantees exactly one). */
export function stringMatch(m: StringMatch): StringMatch {
    return m.exact !== undefined
        ? { exact: m.exact }
        : m.prefix !== undefined
          ? { prefix: m.prefix }
          : { regex: m.regex };
}

function matchSpec(m: RouteMatch): MatchRequest {
    const out: MatchRequest = {};
    if (m.headers !== undefined) {
        out.headers = Object.fromEntries(
            Object.entries(m.headers).map(([name, h]) => [name, stringMatch(h)]),
        );
    }
    if (m.uri !== undefined) {
        out.uri = stringMatch(m.uri);
    }
    return out;
}

/** The versions a route sends traffic to (weight above zero). */
export function routedVersions(routes: readonly Route[]): string[] {
    const out: string[] = [];
    for (const r of routes) {
        for (const [version, weight] of Object.entries(r.weights)) {
            if (weight > 0 && !out.includes(version)) {
                out.push(version);
            }
        }
    }
    return out;
}

export function httpRoute(service: string, rule: Route): HttpRoute {
    const destinations = Object.entries(rule.weights).filter(([, w]) => w > 0);
    const route: HttpRoute = {
        route: destinations.map(([subset, weight]) => ({
            destination: { host: service, subset },
            // A single destination takes all traffic; Istio wants no weight then.
            ...(destinations.length > 1 ? { weight } : {}),
        })),
    };
    if (rule.match) {
        route.match = [matchSpec(rule.match)];
    }
    const { delay, abort } = rule.fault ?? {};
    if (delay || abort) {
        route.fault = {
            ...(delay
                ? { delay: { fixedDelay: delay.fixedDelay, percentage: { value: delay.percent } } }
                : {}),
            ...(abort
                ? { abort: { httpStatus: abort.httpStatus, percentage: { value: abort.percent } } }
                : {}),
        };
    }
    if (rule.timeout !== undefined) {
        route.timeout = rule.timeout;
    }
    if (rule.retries !== undefined) {
        route.retries = {
            attempts: rule.retries.attempts,
            ...(rule.retries.perTryTimeout !== undefined
                ? { perTryTimeout: rule.retries.perTryTimeout }
                : {}),
            ...(rule.retries.retryOn !== undefined ? { retryOn: rule.retries.retryOn } : {}),
        };
    }
    return route;
}

/**
 * The one VirtualService of a service. A service without routes still gets one, routing to the
 * host without a subset (every pod, as plain Kubernetes would), so that there is always exactly one
 * VirtualService per host and adding routes later only ever updates it.
 */
export function virtualServiceSpec(
    service: string,
    routes: readonly Route[] | undefined,
): VirtualServiceSpec {
    return {
        hosts: [service],
        http:
            routes === undefined
                ? [{ route: [{ destination: { host: service } }] }]
                : routes.map((rule) => httpRoute(service, rule)),
    };
}

/** Connection pool and outlier detection as a DestinationRule traffic policy. */
export function trafficPolicy(r: Resilience): NonNullable<DestinationRuleSpec["trafficPolicy"]> {
    const od = r.outlierDetection;
    return {
        ...(r.maxConnections !== undefined
            ? { connectionPool: { tcp: { maxConnections: r.maxConnections } } }
            : {}),
        ...(od !== undefined
            ? {
                  outlierDetection: {
                      ...(od.consecutive5xxErrors !== undefined
                          ? { consecutive5xxErrors: od.consecutive5xxErrors }
                          : {}),
                      ...(od.interval !== undefined ? { interval: od.interval } : {}),
                      ...(od.baseEjectionTime !== undefined ? { baseEjectionTime: od.baseEjectionTime } : {}),
                  },
              }
            : {}),
    };
}

/** One subset per deployed version (the `version` label every Deployment carries), plus resilience. */
export function destinationRuleSpec(
    service: string,
    versions: readonly string[],
    resilience?: Resilience,
): DestinationRuleSpec {
    const policy = resilience === undefined ? undefined : trafficPolicy(resilience);
    return {
        host: service,
        ...(policy !== undefined && Object.keys(policy).length > 0 ? { trafficPolicy: policy } : {}),
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

export interface ServiceRouting {
    service: string;
    destinationRule: DestinationRuleSpec;
    virtualService: VirtualServiceSpec;
}

/**
 * The DestinationRule and VirtualService of every HTTP service, checked for consistency. Config
 * validation rules out an inconsistency, so one here is a bug in the builders, reported before
 * anything is declared.
 */
export function routingObjects(application: string, services: readonly ServiceSpec[]): ServiceRouting[] {
    const out = services.filter(isHttp).map((s) => ({
        service: s.name,
        destinationRule: destinationRuleSpec(
            s.name,
            s.versions.map((v) => v.name),
            s.resilience,
        ),
        virtualService: virtualServiceSpec(s.name, s.routes),
    }));
    const problems = subsetIssues(
        out.map((s) => s.virtualService),
        out.map((s) => s.destinationRule),
    );
    if (problems.length > 0) {
        throw new Error(`${application}: routing is inconsistent:\n  ${problems.join("\n  ")}`);
    }
    return out;
}
