/**
 * The same routes as Gateway API objects, for the ambient data plane: in-mesh routing there is an
 * HTTPRoute bound to the Service (GAMMA), programmed on the namespace's waypoint, with one
 * Service per version as its backends. Pure functions, tested without the Pulumi engine.
 *
 * Sources: kubernetes-sigs/gateway-api v1.5.1 (the pinned `gateway.crds.version`)
 * apis/v1/httproute_types.go and config/crd/standard; istio/istio release-1.30
 * pilot/pkg/config/kube/gateway/conversion.go (how istiod turns an HTTPRoute into Envoy routes).
 */
import type { DestinationRuleSpec, HTTPRouteSpec, KubernetesGatewaySpec } from "../crds";
import { WAYPOINT } from "../shared/names";
import { Route, RouteMatch, ServiceSpec, StringMatch, deploymentName, isHttp } from "./model";
import { trafficPolicy } from "./routing";
import { routingNeedsWaypoint } from "./waypoint";
import { DURATION, durationMs } from "./rules";

type Rule = NonNullable<HTTPRouteSpec["rules"]>[number];
type Match = NonNullable<Rule["matches"]>[number];

/** The Service of one version (`reviews-v1`): selector app + version, a backend of the HTTPRoute. */
export function versionServiceName(service: string, version: string): string {
    return deploymentName(service, version);
}

/**
 * The waypoint of a namespace as `istioctl waypoint generate --for service` writes it at Istio
 * 1.30 (istioctl/pkg/waypoint/waypoint.go): class `istio-waypoint`, one HBONE listener named
 * `mesh` on 15008, and `istio.io/waypoint-for: service` (the traffic it takes: addressed to
 * Services, which is what HTTPRoutes with a Service parent need).
 */
export const WAYPOINT_LABELS: Readonly<Record<string, string>> = { "istio.io/waypoint-for": "service" };

/**
 * A Gateway object is created long before istiod has deployed its proxy: pulumi-kubernetes has no
 * readiness logic for Gateway API kinds, so without this the enrolled Services (which depend on the
 * waypoint) would send their traffic to a proxy that is not running yet. istiod sets `Programmed`
 * once the waypoint's Deployment and Service exist (istio/istio release-1.30
 * pilot/pkg/config/kube/gateway/conversion.go), and the provider's `pulumi.com/waitFor` waits for it.
 */
export const WAYPOINT_ANNOTATIONS: Readonly<Record<string, string>> = {
    "pulumi.com/waitFor": "condition=Programmed",
};

export function waypointSpec(): KubernetesGatewaySpec {
    return {
        gatewayClassName: WAYPOINT.gatewayClassName,
        listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }],
    };
}

/** Gateway API durations (GEP-2257): up to four whole-number parts of at most five digits. */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/**
 * An Istio duration as a Gateway API duration ("0.5s" is "500ms"): the CRD refuses fractions, so
 * the value is written in whole hours, minutes, seconds and milliseconds. Undefined when it has
 * no such form (a fraction of a millisecond, or more than 99999 hours).
 */
export function gatewayDuration(d: string): string | undefined {
    if (!DURATION.test(d)) {
        return undefined;
    }
    // Decimal seconds are not exact in binary ("1.1s" is 1100.0000000000002 ms).
    const ms = Math.round(durationMs(d) * 1e6) / 1e6;
    if (!Number.isInteger(ms)) {
        return undefined;
    }
    if (ms === 0) {
        return "0s";
    }
    const parts: [number, string][] = [
        [Math.floor(ms / 3_600_000), "h"],
        [Math.floor(ms / 60_000) % 60, "m"],
        [Math.floor(ms / 1000) % 60, "s"],
        [ms % 1000, "ms"],
    ];
    const out = parts
        .filter(([n]) => n > 0)
        .map(([n, unit]) => `${n}${unit}`)
        .join("");
    return GATEWAY_DURATION.test(out) ? out : undefined;
}

/** RE2 text that matches exactly `s`. */
function escapeRegex(s: string): string {
    return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/**
 * A header prefix as a Gateway API match, which has no prefix form: a regular expression that
 * Istio, like VirtualService regexes, anchors at both ends (RE2 full match).
 */
export function prefixRegex(prefix: string): string {
    return `${escapeRegex(prefix)}.*`;
}

/** The inverse of {@link prefixRegex}: the prefix a regex written by it stands for. */
export function regexPrefix(regex: string): string | undefined {
    const m = /^((?:\\[\\^$.*+?()[\]{}|]|[^\\^$.*+?()[\]{}|])*)\.\*$/.exec(regex);
    return m === null ? undefined : m[1].replace(/\\(.)/g, "$1");
}

function headerMatches(headers: Record<string, StringMatch>): NonNullable<Match["headers"]> {
    return Object.entries(headers).map(([name, m]) =>
        m.exact !== undefined
            ? { type: "Exact" as const, name, value: m.exact }
            : {
                  type: "RegularExpression" as const,
                  name,
                  value: m.regex ?? prefixRegex(m.prefix ?? ""),
              },
    );
}

function pathMatch(uri: StringMatch): NonNullable<Match["path"]> {
    return uri.exact !== undefined
        ? { type: "Exact", value: uri.exact }
        : uri.regex !== undefined
          ? { type: "RegularExpression", value: uri.regex }
          : { type: "PathPrefix", value: uri.prefix ?? "/" };
}

function matchSpec(m: RouteMatch): Match {
    return {
        ...(m.uri !== undefined ? { path: pathMatch(m.uri) } : {}),
        ...(m.headers !== undefined && Object.keys(m.headers).length > 0
            ? { headers: headerMatches(m.headers) }
            : {}),
    };
}

/** One rule: the match, the weighted per-version backends, the request timeout. */
export function httpRouteRule(s: Pick<ServiceSpec, "name" | "port">, route: Route): Rule {
    const backends = Object.entries(route.weights).filter(([, w]) => w > 0);
    const timeout = route.timeout === undefined ? undefined : gatewayDuration(route.timeout);
    if (route.timeout !== undefined && timeout === undefined) {
        // Config validation refuses such a timeout in ambient mode; reaching here is a bug.
        throw new Error(`${s.name}: timeout ${route.timeout} has no Gateway API form`);
    }
    return {
        ...(route.match !== undefined ? { matches: [matchSpec(route.match)] } : {}),
        backendRefs: backends.map(([version, weight]) => ({
            name: versionServiceName(s.name, version),
            port: s.port,
            // A single backend takes all traffic, as in the VirtualService.
            ...(backends.length > 1 ? { weight } : {}),
        })),
        ...(timeout !== undefined ? { timeouts: { request: timeout } } : {}),
    };
}

/** The HTTPRoute of a routed service: bound to its Service and port (GAMMA), rules in order. */
export function httpRouteSpec(
    s: Pick<ServiceSpec, "name" | "port">,
    routes: readonly Route[],
): HTTPRouteSpec {
    return {
        parentRefs: [{ group: "", kind: "Service", name: s.name, port: s.port }],
        rules: routes.map((r) => httpRouteRule(s, r)),
    };
}

/**
 * How istiod orders the rules of the HTTPRoutes bound to one parent (conversion.go
 * `sortHTTPRoutes`, after the Gateway API's precedence rules): exact path before path prefix
 * before regex path, then the longer path, a method match, more header matches, more query
 * matches; list order only breaks ties. A rule without matches gets the CRD's default
 * (`PathPrefix /`). Returned: the rank of each rule, compared left to right, larger first.
 */
export function precedence(route: Route): number[] {
    const uri = route.match?.uri;
    const pathRank = uri === undefined ? 2 : uri.exact !== undefined ? 3 : uri.prefix !== undefined ? 2 : 1;
    const value = uri === undefined ? "/" : (uri.exact ?? uri.prefix ?? uri.regex ?? "");
    // istiod drops a trailing "/" from a prefix (not from "/" itself) before measuring it.
    const length =
        uri?.prefix !== undefined && value !== "/" ? value.replace(/\/$/, "").length : value.length;
    const headers = Object.keys(route.match?.headers ?? {}).length;
    return [pathRank, length, headers];
}

function compare(a: number[], b: number[]): number {
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
            return b[i] - a[i];
        }
    }
    return 0;
}

/** The order in which the waypoint tries the rules (indices into `routes`); stable on ties. */
export function waypointOrder(routes: readonly Route[]): number[] {
    return routes
        .map((r, i) => ({ i, key: precedence(r) }))
        .sort((a, b) => compare(a.key, b.key) || a.i - b.i)
        .map((x) => x.i);
}

/** Whether two string conditions can hold for the same value (regexes are assumed to). */
function mayOverlap(a: StringMatch | undefined, b: StringMatch | undefined): boolean {
    if (a === undefined || b === undefined || a.regex !== undefined || b.regex !== undefined) {
        return true;
    }
    if (a.exact !== undefined && b.exact !== undefined) {
        return a.exact === b.exact;
    }
    if (a.exact !== undefined) {
        return a.exact.startsWith(b.prefix ?? "");
    }
    if (b.exact !== undefined) {
        return b.exact.startsWith(a.prefix ?? "");
    }
    const [p, q] = [a.prefix ?? "", b.prefix ?? ""];
    return p.startsWith(q) || q.startsWith(p);
}

/** Whether one request can satisfy both matches (absent: every request). */
export function matchesMayOverlap(a: RouteMatch | undefined, b: RouteMatch | undefined): boolean {
    if (a === undefined || b === undefined) {
        return true;
    }
    if (!mayOverlap(a.uri, b.uri)) {
        return false;
    }
    const names = new Set([...Object.keys(a.headers ?? {}), ...Object.keys(b.headers ?? {})]);
    return [...names].every((n) => mayOverlap(a.headers?.[n], b.headers?.[n]));
}

/** Characters an Exact or PathPrefix path may hold (v1.5.1 CRD, HTTPPathMatch validation rules). */
const GATEWAY_PATH = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;

/** Why the API server would refuse this path as an Exact or PathPrefix match; undefined if it would not. */
export function gatewayPathProblem(path: string): string | undefined {
    if (path.length > 1024) {
        return "is longer than 1024 characters";
    }
    if (!GATEWAY_PATH.test(path)) {
        return "holds characters an HTTPRoute path may not (letters, digits, -/._~!$&'()*+,;=:@ and %XX)";
    }
    for (const bad of ["//", "/./", "/../", "%2f", "%2F"]) {
        if (path.includes(bad)) {
            return `contains ${JSON.stringify(bad)}, which an HTTPRoute path may not`;
        }
    }
    if (path.endsWith("/..") || path.endsWith("/.")) {
        return "ends with a dot segment, which an HTTPRoute path may not";
    }
    return undefined;
}

/** One reason a service's routes cannot be an HTTPRoute; `index` undefined: the list as a whole. */
export interface GammaIssue {
    index?: number;
    /** Below the route (`fault`, `retries`, `timeout`, `match.uri`); "" for the route itself. */
    field: string;
    /** What is wrong. */
    message: string;
    /** What to change in the routes (the caller adds other ways out). */
    fix: string;
}

/** Gateway API v1.5.1 CRD bounds: rules per HTTPRoute, header matches per match. */
export const MAX_RULES = 16;
const MAX_HEADER_MATCHES = 16;

/**
 * Why these routes, in this order, cannot be expressed as an HTTPRoute with the same effect;
 * empty when they can. Faults have no HTTPRoute equivalent; `retry` is experimental-channel only
 * at Gateway API v1.5.1 (absent from config/crd/standard, so the API server would drop it);
 * a path prefix matches whole path segments in the Gateway API (`/api` matches `/api/x`, not
 * `/apix`), characters in a VirtualService; and the waypoint orders rules by specificity (see
 * {@link precedence}), so a later rule that overlaps an earlier one and is more specific would
 * take its requests.
 */
export function gammaIssues(routes: readonly Route[]): GammaIssue[] {
    const out: GammaIssue[] = [];
    if (routes.length > MAX_RULES) {
        out.push({
            field: "",
            message: `has ${routes.length} routes; an HTTPRoute holds at most ${MAX_RULES} rules`,
            fix: `merge routes to at most ${MAX_RULES}`,
        });
    }
    routes.forEach((r, i) => {
        if (r.fault !== undefined) {
            out.push({
                index: i,
                field: "fault",
                message:
                    "fault injection has no Gateway API equivalent (in ambient mode routes are HTTPRoutes)",
                fix: "remove the fault",
            });
        }
        if (r.retries !== undefined) {
            out.push({
                index: i,
                field: "retries",
                message:
                    "HTTPRoute retries are in the Gateway API's experimental channel only (not in the standard " +
                    "CRDs this stack installs, which would drop them)",
                fix: "remove retries (the waypoint then applies Istio's default retry policy)",
            });
        }
        if (r.timeout !== undefined && gatewayDuration(r.timeout) === undefined) {
            out.push({
                index: i,
                field: "timeout",
                message: `${JSON.stringify(r.timeout)} has no Gateway API form (whole milliseconds, at most 99999h)`,
                fix: "round it to whole milliseconds",
            });
        }
        const uri = r.match?.uri;
        if (uri?.prefix !== undefined && uri.prefix !== "/") {
            out.push({
                index: i,
                field: "match.uri",
                message:
                    `prefix ${JSON.stringify(uri.prefix)}: an HTTPRoute path prefix matches whole path segments ` +
                    `("/api" matches /api/x, not /apix) while a VirtualService prefix matches characters, so the route ` +
                    `would not select the same requests`,
                fix: "match the path exactly, or by regex",
            });
        }
        const exact = uri?.exact === undefined ? undefined : gatewayPathProblem(uri.exact);
        if (exact !== undefined) {
            out.push({
                index: i,
                field: "match.uri",
                message: `${JSON.stringify(uri?.exact)} ${exact}`,
                fix: "match a normalised path",
            });
        }
        if (Object.keys(r.match?.headers ?? {}).length > MAX_HEADER_MATCHES) {
            out.push({
                index: i,
                field: "match.headers",
                message: `an HTTPRoute match holds at most ${MAX_HEADER_MATCHES} header conditions`,
                fix: `match on at most ${MAX_HEADER_MATCHES} headers`,
            });
        }
    });
    // A route whose match is refused already is left out of the order: no follow-on error.
    const refused = new Set(out.filter((x) => x.field.startsWith("match")).map((x) => x.index));
    const order = waypointOrder(routes);
    const position = new Map(order.map((idx, pos) => [idx, pos]));
    routes.forEach((later, j) => {
        const earlier = routes
            .slice(0, j)
            .map((_, i) => i)
            .find(
                (i) =>
                    !refused.has(i) &&
                    (position.get(j) ?? 0) < (position.get(i) ?? 0) &&
                    matchesMayOverlap(routes[i].match, later.match),
            );
        if (earlier !== undefined && !refused.has(j)) {
            out.push({
                index: j,
                field: "",
                message:
                    `would be tried before route [${earlier}] on the waypoint: HTTPRoute rules are ordered by ` +
                    `specificity (exact path, longer path prefix, regex path, more header matches), not list order, ` +
                    `and a request can match both, so the first match would change`,
                fix: "put the more specific route first, or make the two match disjoint requests",
            });
        }
    });
    return out;
}

/** What one HTTP service is in ambient mode. */
export interface AmbientRouting {
    service: string;
    /** Per-version Services, one per deployed version (as the subsets are in sidecar mode). */
    versionServices: { name: string; version: string }[];
    /** Absent without routes: Kubernetes balancing over every pod, on ztunnel alone. */
    httpRoute?: HTTPRouteSpec;
    /**
     * Resilience, by host: the service and each per-version Service, because the waypoint applies
     * a DestinationRule to the host it sends to, and an HTTPRoute sends to the per-version Services
     * (without subsets: in ambient mode nothing routes to one).
     */
    destinationRules: { name: string; spec: DestinationRuleSpec }[];
    /** Enrolled in the waypoint (`istio.io/use-waypoint` on its Service). */
    waypoint: boolean;
}

/**
 * The ambient objects of every HTTP service (config validation ruled out what has no form here).
 * `enrolled`: the services that pass the waypoint (waypoint.ts {@link waypointServices}, which also
 * counts L7 access rules); by default those that routing alone needs there.
 */
export function ambientRouting(
    services: readonly ServiceSpec[],
    enrolled: readonly string[] = services.filter(routingNeedsWaypoint).map((s) => s.name),
): AmbientRouting[] {
    return services.filter(isHttp).map((s) => {
        const versionServices = s.versions.map((v) => ({
            name: versionServiceName(s.name, v.name),
            version: v.name,
        }));
        const policy = s.resilience === undefined ? undefined : trafficPolicy(s.resilience);
        const hosts = [s.name, ...(s.routes !== undefined ? versionServices.map((v) => v.name) : [])];
        return {
            service: s.name,
            versionServices,
            ...(s.routes !== undefined ? { httpRoute: httpRouteSpec(s, s.routes) } : {}),
            destinationRules:
                policy === undefined || Object.keys(policy).length === 0
                    ? []
                    : hosts.map((host) => ({ name: host, spec: { host, trafficPolicy: policy } })),
            waypoint: enrolled.includes(s.name),
        };
    });
}
