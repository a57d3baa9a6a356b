/**
 * `istio-mesh:applications`: the teams' own applications, described in stack config and validated
 * like every other section: every problem at once, each naming its full key path, the value given
 * and what is allowed; a misspelt key is refused with the closest known key.
 *
 * It is a free-form map (application names are the user's), so its keys cannot be declared in
 * Pulumi.yaml; the defaults of its optional keys are written once, here ({@link DEFAULTS}), and
 * documented in docs/applications.md.
 */
import { ConfigReader, DNS_LABEL, QUANTITY, editDistance, show } from "../../config/reader";
import { dnsNameProblem } from "../tls/hosts";
import { egressName } from "./egress";
import {
    ACCESS_MODES,
    AccessMode,
    ApplicationSpec,
    DataPlane,
    EGRESS_TLS,
    EgressSpec,
    EgressTls,
    IngressSpec,
    PROTOCOLS,
    Protocol,
    Resilience,
    Route,
    RouteMatch,
    ServiceSpec,
    StringMatch,
    VersionSpec,
    isHttp,
} from "./model";
import { WAYPOINT } from "../shared/names";
import { gammaIssues, versionServiceName } from "./gamma";
import { waypointServices } from "./waypoint";
import { applicationDataPlane } from "../istio/config";
import { DURATION, durationMs, validHeaderMatch } from "./rules";

export { durationMs };

export const SECTION = "applications";

/** What an optional key means when it is left out. */
export const DEFAULTS = {
    access: "zero-trust" as AccessMode,
    protocol: "http" as Protocol,
    replicas: 1,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    paths: ["/"],
    egressPort: 443,
    egressTls: "passthrough" as EgressTls,
};

const APP_KEYS = [
    "namespace",
    "dataPlane",
    "access",
    "services",
    "ingress",
    "routes",
    "resilience",
    "egress",
] as const;
const SERVICE_KEYS = [
    "image",
    "port",
    "targetPort",
    "protocol",
    "versions",
    "calls",
    "replicas",
    "env",
    "resources",
    "healthPath",
] as const;
const ROUTE_KEYS = ["match", "weights", "timeout", "retries", "fault"] as const;
const MATCH_KEYS = ["headers", "uri", "userAgent"] as const;
const STRING_MATCH_KEYS = ["exact", "prefix", "regex"] as const;
const RETRY_KEYS = ["attempts", "perTryTimeout", "retryOn"] as const;
const FAULT_KEYS = ["delay", "abort"] as const;
const RESILIENCE_KEYS = ["maxConnections", "outlierDetection"] as const;
const OUTLIER_KEYS = ["consecutive5xxErrors", "interval", "baseEjectionTime"] as const;
const INGRESS_KEYS = ["service", "hosts", "paths"] as const;
const EGRESS_KEYS = ["host", "port", "tls"] as const;

/** Image repository without tag or digest: `[registry[:port]/]path`, lowercase path components. */
const REPOSITORY =
    /^([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*(:[0-9]+)?\/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/;
/** An image tag (OCI distribution spec). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Kubernetes Service names are DNS-1035 labels: a letter first. */
const SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Ports the injected sidecar itself listens on (Istio "Ports used by Istio"); an app cannot use them. */
const SIDECAR_PORTS = [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Envoy retry conditions (x-envoy-retry-on and x-envoy-retry-grpc-on), comma-separated. */
const RETRY_ON = [
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "envoy-ratelimited",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];
/** Names of the program's own components: an application of the same name would share their URNs. */
const RESERVED_NAMES = ["bookinfo", "cluster", "istio", "tls", "observability"];
const LABEL_HINT = "a lowercase DNS label (letters, digits, '-')";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Validating reads of one free-form value; every problem goes to the reader's issue list. */
class Shape {
    constructor(private readonly r: ConfigReader) {}

    error(path: string, message: string): void {
        this.r.error(path, message);
    }

    /** A map with only the given keys (unknown ones refused, with the closest known key). */
    object(path: string, v: unknown, keys: readonly string[] | undefined, example: string): Obj | undefined {
        if (!isObj(v)) {
            this.error(path, `expected ${example}, got ${show(v)}`);
            return undefined;
        }
        if (keys !== undefined) {
            for (const k of Object.keys(v)) {
                if (!keys.includes(k)) {
                    const hint = closest(k, keys);
                    this.error(
                        `${path}.${k}`,
                        `unknown key${hint ? `; did you mean '${hint}'?` : ""} (allowed: ${keys.join(", ")})`,
                    );
                }
            }
        }
        return v;
    }

    string(path: string, v: unknown, rule: { pattern?: RegExp; hint?: string } = {}): string | undefined {
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
            this.error(path, `expected ${rule.hint ?? "a string"}, got ${show(v)}`);
            return undefined;
        }
        const s = String(v);
        if (s === "" || (rule.pattern && !rule.pattern.test(s))) {
            this.error(path, `${show(v)} is not valid; expected ${rule.hint ?? "a non-empty string"}`);
            return undefined;
        }
        return s;
    }

    int(path: string, v: unknown, min: number, max: number, what = "a whole number"): number | undefined {
        const n =
            typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
            this.error(path, `${show(v)} is not valid; expected ${what} from ${min} to ${max}`);
            return undefined;
        }
        return n;
    }

    percent(path: string, v: unknown): number | undefined {
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        if (!Number.isFinite(n) || n <= 0 || n > 100) {
            this.error(path, `${show(v)} is not valid; expected a percentage above 0 and at most 100`);
            return undefined;
        }
        return n;
    }

    duration(path: string, v: unknown): string | undefined {
        return this.string(path, v, { pattern: DURATION, hint: "a duration such as 500ms, 2s or 1m" });
    }

    list(path: string, v: unknown, example: string): unknown[] | undefined {
        if (!Array.isArray(v)) {
            this.error(path, `expected ${example}, got ${show(v)}`);
            return undefined;
        }
        return v as unknown[];
    }
}

function stringMatch(sh: Shape, path: string, v: unknown, forms: readonly string[]): StringMatch | undefined {
    const o = sh.object(path, v, forms, `one of ${forms.join(", ")}, e.g. {prefix: /api}`);
    if (o === undefined) {
        return undefined;
    }
    const given = forms.filter((f) => o[f] !== undefined);
    if (given.length !== 1) {
        sh.error(path, `needs exactly one of ${forms.join(", ")}, got ${show(v)}`);
        return undefined;
    }
    const value = sh.string(`${path}.${given[0]}`, o[given[0]]);
    return value === undefined ? undefined : { [given[0]]: value };
}

function parseMatch(sh: Shape, path: string, v: unknown): RouteMatch | undefined {
    const o = sh.object(path, v, MATCH_KEYS, "a map of headers, uri and userAgent");
    if (o === undefined) {
        return undefined;
    }
    const out: RouteMatch = {};
    const headers: Record<string, StringMatch> = {};
    if (o.headers !== undefined) {
        const h = sh.object(
            `${path}.headers`,
            o.headers,
            undefined,
            `a map of header name to value, e.g. {x-canary: "true"}`,
        );
        for (const [name, raw] of Object.entries(h ?? {})) {
            const at = `${path}.headers.${name}`;
            const m = isObj(raw)
                ? stringMatch(sh, at, raw, STRING_MATCH_KEYS)
                : { exact: sh.string(at, raw) };
            if (m === undefined || Object.values(m).some((x) => x === undefined)) {
                continue;
            }
            const problem = validHeaderMatch(name, m);
            if (problem) {
                sh.error(at, problem);
                continue;
            }
            headers[name] = m;
        }
    }
    if (o.userAgent !== undefined) {
        const regex = sh.string(`${path}.userAgent`, o.userAgent, { hint: "a regular expression" });
        if (regex !== undefined) {
            const problem = validHeaderMatch("user-agent", { regex });
            if (problem) {
                sh.error(`${path}.userAgent`, problem);
            } else if (o.headers !== undefined && isObj(o.headers) && "user-agent" in o.headers) {
                sh.error(`${path}.userAgent`, "is given as well as headers.user-agent; give one");
            } else {
                headers["user-agent"] = { regex };
            }
        }
    }
    if (Object.keys(headers).length > 0) {
        out.headers = headers;
    }
    if (o.uri !== undefined) {
        const uri = stringMatch(sh, `${path}.uri`, o.uri, STRING_MATCH_KEYS);
        if (uri !== undefined) {
            const value = uri.exact ?? uri.prefix;
            if (value !== undefined && !value.startsWith("/")) {
                sh.error(`${path}.uri`, `${show(value)} is not valid; expected a path starting with "/"`);
            } else {
                out.uri = uri;
            }
        }
    }
    if (Object.keys(o).length === 0) {
        sh.error(path, "is empty; leave `match` out for a catch-all route");
    }
    return out;
}

function parseRoute(sh: Shape, path: string, v: unknown, versions: readonly string[]): Route | undefined {
    const o = sh.object(path, v, ROUTE_KEYS, "a route such as {weights: {v1: 90, v2: 10}}");
    if (o === undefined) {
        return undefined;
    }
    const route: Route = { weights: {} };
    if (o.match !== undefined) {
        route.match = parseMatch(sh, `${path}.match`, o.match);
    }
    const wPath = `${path}.weights`;
    const w =
        o.weights === undefined
            ? undefined
            : sh.object(wPath, o.weights, undefined, "a map of version to weight, e.g. {v1: 90, v2: 10}");
    if (o.weights === undefined) {
        sh.error(wPath, `is missing; give the share per version, e.g. {${versions[0] ?? "v1"}: 100}`);
    }
    if (w !== undefined) {
        let ok = true;
        for (const [version, raw] of Object.entries(w)) {
            const n = sh.int(`${wPath}.${version}`, raw, 0, 100, "a whole-number weight");
            if (n === undefined) {
                ok = false;
                continue;
            }
            if (!versions.includes(version)) {
                sh.error(
                    `${wPath}.${version}`,
                    `routes to version ${show(version)}, which is not deployed (versions: ${versions.join(", ") || "none"})`,
                );
                ok = false;
            }
            route.weights[version] = n;
        }
        const total = Object.values(route.weights).reduce((a, b) => a + b, 0);
        if (Object.keys(w).length === 0) {
            sh.error(wPath, "is empty; give the share per version, weights adding up to 100");
        } else if (ok && total !== 100) {
            sh.error(wPath, `${show(w)} adds up to ${total}; the weights must add up to 100`);
        }
    }
    if (o.timeout !== undefined) {
        route.timeout = sh.duration(`${path}.timeout`, o.timeout);
    }
    if (o.retries !== undefined) {
        const rp = `${path}.retries`;
        const r = sh.object(
            rp,
            o.retries,
            RETRY_KEYS,
            `{attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,reset"}`,
        );
        const attempts = r?.attempts === undefined ? undefined : sh.int(`${rp}.attempts`, r.attempts, 0, 100);
        if (r !== undefined && r.attempts === undefined) {
            sh.error(`${rp}.attempts`, "is missing; give the number of retries (0 turns retries off)");
        }
        const perTryTimeout =
            r?.perTryTimeout === undefined ? undefined : sh.duration(`${rp}.perTryTimeout`, r.perTryTimeout);
        let retryOn: string | undefined;
        if (r?.retryOn !== undefined) {
            retryOn = sh.string(`${rp}.retryOn`, r.retryOn, {
                hint: "comma-separated Envoy retry conditions",
            });
            const unknown = (retryOn ?? "")
                .split(",")
                .map((x) => x.trim())
                .filter((x) => x !== "" && !RETRY_ON.includes(x) && !/^[0-9]{3}$/.test(x));
            if (unknown.length > 0) {
                sh.error(
                    `${rp}.retryOn`,
                    `${show(r.retryOn)}: unknown condition(s) ${unknown.join(", ")}; allowed: ${RETRY_ON.join(", ")} or HTTP status codes`,
                );
                retryOn = undefined;
            }
        }
        if (attempts !== undefined) {
            route.retries = {
                attempts,
                ...(perTryTimeout !== undefined ? { perTryTimeout } : {}),
                ...(retryOn !== undefined ? { retryOn } : {}),
            };
        }
        if (
            perTryTimeout !== undefined &&
            route.timeout !== undefined &&
            durationMs(perTryTimeout) >= durationMs(route.timeout)
        ) {
            sh.error(
                `${rp}.perTryTimeout`,
                `${show(perTryTimeout)} is not below the route timeout ${show(route.timeout)}; one attempt would use up the whole call`,
            );
        }
    }
    if (o.fault !== undefined) {
        const fp = `${path}.fault`;
        const f = sh.object(
            fp,
            o.fault,
            FAULT_KEYS,
            "{delay: {fixedDelay: 2s, percent: 10}} or {abort: {httpStatus: 503, percent: 5}}",
        );
        if (f !== undefined) {
            const fault: Route["fault"] = {};
            if (f.delay !== undefined) {
                const d = sh.object(
                    `${fp}.delay`,
                    f.delay,
                    ["fixedDelay", "percent"],
                    "{fixedDelay: 2s, percent: 10}",
                );
                const fixedDelay = d && sh.duration(`${fp}.delay.fixedDelay`, d.fixedDelay);
                const percent = d && sh.percent(`${fp}.delay.percent`, d.percent);
                if (fixedDelay !== undefined && percent !== undefined) {
                    fault.delay = { fixedDelay, percent };
                }
            }
            if (f.abort !== undefined) {
                const a = sh.object(
                    `${fp}.abort`,
                    f.abort,
                    ["httpStatus", "percent"],
                    "{httpStatus: 503, percent: 5}",
                );
                const httpStatus =
                    a && sh.int(`${fp}.abort.httpStatus`, a.httpStatus, 200, 599, "an HTTP status");
                const percent = a && sh.percent(`${fp}.abort.percent`, a.percent);
                if (httpStatus !== undefined && percent !== undefined) {
                    fault.abort = { httpStatus, percent };
                }
            }
            if (f.delay === undefined && f.abort === undefined) {
                sh.error(fp, "is empty; give delay or abort");
            }
            route.fault = fault;
        }
    }
    return route;
}

function parseRoutes(sh: Shape, path: string, v: unknown, versions: readonly string[]): Route[] | undefined {
    const list = sh.list(path, v, "a list of routes, the catch-all last");
    if (list === undefined) {
        return undefined;
    }
    if (list.length === 0) {
        sh.error(path, "is empty; leave the service out of routes to spread traffic over all its pods");
        return undefined;
    }
    const routes = list.map((x, i) => parseRoute(sh, `${path}[${i}]`, x, versions));
    routes.forEach((r, i) => {
        if (r === undefined) {
            return;
        }
        if (i < routes.length - 1 && r.match === undefined) {
            sh.error(
                `${path}[${i}]`,
                `matches every request, so the routes after it (${path}[${i + 1}] on) are never used`,
            );
        }
        if (i === routes.length - 1 && r.match !== undefined) {
            sh.error(
                `${path}[${i}].match`,
                "the last route must match every request (no match), or other requests get 404",
            );
        }
    });
    return routes.every((r) => r !== undefined) ? routes : undefined;
}

function parseResources(sh: Shape, path: string, v: unknown): ServiceSpec["resources"] {
    const o = sh.object(path, v, ["requests", "limits"], "{requests: {cpu, memory}, limits: {cpu, memory}}");
    const part = (key: "requests" | "limits"): Record<string, string> => {
        const raw = o?.[key];
        if (raw === undefined) {
            return {};
        }
        const p = sh.object(`${path}.${key}`, raw, ["cpu", "memory"], "{cpu: 100m, memory: 128Mi}") ?? {};
        const out: Record<string, string> = {};
        for (const k of ["cpu", "memory"]) {
            if (p[k] !== undefined) {
                const q = sh.string(`${path}.${key}.${k}`, p[k], {
                    pattern: QUANTITY,
                    hint: "a Kubernetes quantity such as 100m or 256Mi",
                });
                if (q !== undefined) {
                    out[k] = q;
                }
            }
        }
        return out;
    };
    const requests = { ...DEFAULTS.resources.requests, ...part("requests") };
    const limits = { ...DEFAULTS.resources.limits, ...part("limits") };
    return { requests, limits };
}

function parseService(sh: Shape, path: string, name: string, v: unknown): ServiceSpec | undefined {
    const o = sh.object(
        path,
        v,
        SERVICE_KEYS,
        "a service such as {image: ghcr.io/acme/web, port: 8080, versions: {v1: 1.0.0}}",
    );
    if (o === undefined) {
        return undefined;
    }
    if (!SERVICE_NAME.test(name) || name.length > 63) {
        sh.error(
            path,
            `${show(name)} is not a valid service name; expected a lowercase DNS-1035 label (a letter first, then letters, digits, '-')`,
        );
    }
    let image: string | undefined;
    if (o.image === undefined) {
        sh.error(`${path}.image`, "is missing; give the image repository, e.g. ghcr.io/acme/shop-web");
    } else if (
        typeof o.image === "string" &&
        /[:@][^/]*$/.test(o.image) &&
        !/^[^/]+:[0-9]+\/[^:@]+$/.test(o.image)
    ) {
        sh.error(
            `${path}.image`,
            `${show(o.image)} includes a tag or digest; give the repository only (the versions give the tags)`,
        );
    } else {
        image = sh.string(`${path}.image`, o.image, {
            pattern: REPOSITORY,
            hint: "an image repository such as ghcr.io/acme/shop-web (lowercase, no tag)",
        });
    }
    const port = o.port === undefined ? undefined : sh.int(`${path}.port`, o.port, 1, 65535, "a port");
    if (o.port === undefined) {
        sh.error(`${path}.port`, "is missing; give the port the service listens on");
    }
    const targetPort =
        o.targetPort === undefined ? port : sh.int(`${path}.targetPort`, o.targetPort, 1, 65535, "a port");
    if (targetPort !== undefined && SIDECAR_PORTS.includes(targetPort)) {
        sh.error(
            `${path}.${o.targetPort === undefined ? "port" : "targetPort"}`,
            `${targetPort} is a port the Istio sidecar listens on (${SIDECAR_PORTS.join(", ")}); the container must use another`,
        );
    }
    let protocol: Protocol = DEFAULTS.protocol;
    if (o.protocol !== undefined) {
        if ((PROTOCOLS as readonly unknown[]).includes(o.protocol)) {
            protocol = o.protocol as Protocol;
        } else {
            sh.error(
                `${path}.protocol`,
                `${show(o.protocol)} is not allowed; allowed values: ${PROTOCOLS.join(", ")}`,
            );
        }
    }
    const replicas =
        o.replicas === undefined ? DEFAULTS.replicas : sh.int(`${path}.replicas`, o.replicas, 0, 1000);
    const env: Record<string, string> = {};
    if (o.env !== undefined) {
        for (const [k, raw] of Object.entries(
            sh.object(`${path}.env`, o.env, undefined, "a map of variable name to value") ?? {},
        )) {
            if (!ENV_NAME.test(k)) {
                sh.error(
                    `${path}.env.${k}`,
                    `${show(k)} is not a valid environment variable name (letters, digits, '_')`,
                );
            }
            const s =
                typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean"
                    ? String(raw)
                    : undefined;
            if (s === undefined) {
                sh.error(`${path}.env.${k}`, `expected a string, got ${show(raw)}`);
            } else {
                env[k] = s;
            }
        }
    }
    const calls: string[] = [];
    if (o.calls !== undefined) {
        const list = sh.list(`${path}.calls`, o.calls, "a list of service names") ?? [];
        list.forEach((c, i) => {
            const s = sh.string(`${path}.calls[${i}]`, c, { hint: "a service name" });
            if (s !== undefined) {
                calls.push(s);
            }
        });
    }
    const healthPath =
        o.healthPath === undefined
            ? undefined
            : sh.string(`${path}.healthPath`, o.healthPath, {
                  pattern: /^\/\S*$/,
                  hint: 'an HTTP path such as "/healthz"',
              });
    if (healthPath !== undefined && protocol === "tcp") {
        sh.error(`${path}.healthPath`, "is an HTTP probe but the service's protocol is tcp");
    }
    const versions: VersionSpec[] = [];
    const vo =
        o.versions === undefined
            ? undefined
            : sh.object(
                  `${path}.versions`,
                  o.versions,
                  undefined,
                  `a map of version to image tag, e.g. {v1: "1.4.0"}`,
              );
    if (o.versions === undefined || (vo !== undefined && Object.keys(vo).length === 0)) {
        sh.error(
            `${path}.versions`,
            `${o.versions === undefined ? "is missing" : "is empty"}; give at least one version and its image tag, e.g. {v1: "1.4.0"}`,
        );
    }
    for (const [version, tag] of Object.entries(vo ?? {})) {
        const at = `${path}.versions.${version}`;
        if (!DNS_LABEL.test(version) || version.length > 63 - name.length - 1) {
            sh.error(
                at,
                `${show(version)} is not a valid version name; expected ${LABEL_HINT} (it names the Deployment ${name}-${version})`,
            );
            continue;
        }
        const t = sh.string(at, tag, { pattern: TAG, hint: "an image tag such as 1.4.0" });
        if (t !== undefined && image !== undefined) {
            versions.push({ name: version, image: `${image}:${t}`, serviceAccount: name, env, calls });
        }
    }
    if (image === undefined || port === undefined || targetPort === undefined || replicas === undefined) {
        return undefined;
    }
    return {
        name,
        port,
        targetPort,
        protocol,
        portName: protocol,
        versions,
        replicas,
        resources:
            o.resources === undefined
                ? DEFAULTS.resources
                : parseResources(sh, `${path}.resources`, o.resources),
        ...(healthPath !== undefined ? { healthPath } : {}),
        scratch: [],
    };
}

function parseResilience(sh: Shape, path: string, v: unknown): Resilience | undefined {
    const o = sh.object(path, v, RESILIENCE_KEYS, "{maxConnections: 100, outlierDetection: {...}}");
    if (o === undefined) {
        return undefined;
    }
    const out: Resilience = {};
    if (o.maxConnections !== undefined) {
        out.maxConnections = sh.int(`${path}.maxConnections`, o.maxConnections, 1, 1_000_000);
    }
    if (o.outlierDetection !== undefined) {
        const op = `${path}.outlierDetection`;
        const od = sh.object(
            op,
            o.outlierDetection,
            OUTLIER_KEYS,
            "{consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}",
        );
        if (od !== undefined) {
            out.outlierDetection = {
                ...(od.consecutive5xxErrors !== undefined
                    ? {
                          consecutive5xxErrors: sh.int(
                              `${op}.consecutive5xxErrors`,
                              od.consecutive5xxErrors,
                              1,
                              1000,
                          ),
                      }
                    : {}),
                ...(od.interval !== undefined
                    ? { interval: sh.duration(`${op}.interval`, od.interval) }
                    : {}),
                ...(od.baseEjectionTime !== undefined
                    ? { baseEjectionTime: sh.duration(`${op}.baseEjectionTime`, od.baseEjectionTime) }
                    : {}),
            };
        }
    }
    return out;
}

function parseIngress(
    sh: Shape,
    path: string,
    v: unknown,
    services: readonly string[],
): IngressSpec | undefined {
    const o = sh.object(path, v, INGRESS_KEYS, "{service: web, hosts: [shop.example.com]}");
    if (o === undefined) {
        return undefined;
    }
    const service = sh.string(`${path}.service`, o.service, { hint: "the name of one of its services" });
    if (service !== undefined && !services.includes(service)) {
        sh.error(
            `${path}.service`,
            `${show(service)} is not one of the application's services (${services.join(", ") || "none"})`,
        );
    }
    const hosts: string[] = [];
    const list =
        o.hosts === undefined ? undefined : sh.list(`${path}.hosts`, o.hosts, "a list of host names");
    if (list === undefined || list.length === 0) {
        sh.error(
            `${path}.hosts`,
            `${list === undefined && o.hosts === undefined ? "is missing" : "is empty"}; give the host names it answers for, e.g. [shop.example.com]`,
        );
    }
    (list ?? []).forEach((h, i) => {
        const s = sh.string(`${path}.hosts[${i}]`, h, { hint: "a host name" });
        if (s === undefined) {
            return;
        }
        const problem = s === "*" ? undefined : dnsNameProblem(s);
        if (problem) {
            sh.error(`${path}.hosts[${i}]`, `${show(s)} is not a valid host: ${problem}`);
        } else if (hosts.includes(s)) {
            sh.error(`${path}.hosts[${i}]`, `${show(s)} is listed twice`);
        } else {
            hosts.push(s);
        }
    });
    const paths: IngressSpec["paths"] = [];
    const rawPaths =
        o.paths === undefined
            ? DEFAULTS.paths
            : (sh.list(`${path}.paths`, o.paths, `a list of paths such as ["/", "/api"]`) ?? []);
    rawPaths.forEach((p, i) => {
        const at = `${path}.paths[${i}]`;
        if (isObj(p)) {
            const m = stringMatch(sh, at, p, ["exact", "prefix"]);
            const value = m?.exact ?? m?.prefix;
            if (m !== undefined && value !== undefined && value.startsWith("/")) {
                paths.push(m);
            } else if (m !== undefined) {
                sh.error(at, `${show(value)} is not valid; expected a path starting with "/"`);
            }
            return;
        }
        const s = sh.string(at, p, {
            pattern: /^\/\S*$/,
            hint: 'a path prefix starting with "/" (or {exact: /path})',
        });
        if (s !== undefined) {
            paths.push({ prefix: s });
        }
    });
    if (o.paths !== undefined && rawPaths.length === 0) {
        sh.error(`${path}.paths`, `is empty; leave it out for "/" (everything)`);
    }
    return service === undefined ? undefined : { service, hosts, paths };
}

function parseEgress(sh: Shape, path: string, v: unknown): EgressSpec[] {
    const list = sh.list(path, v, "a list of {host, port, tls}") ?? [];
    const out: EgressSpec[] = [];
    list.forEach((e, i) => {
        const at = `${path}[${i}]`;
        const o = sh.object(at, e, EGRESS_KEYS, "{host: api.stripe.com, port: 443, tls: passthrough}");
        if (o === undefined) {
            return;
        }
        const host = sh.string(`${at}.host`, o.host, { hint: "a host name such as api.stripe.com" });
        const problem =
            host === undefined
                ? undefined
                : host.includes("*")
                  ? "a wildcard lets the application reach any host; name each host it calls"
                  : dnsNameProblem(host);
        if (problem) {
            sh.error(`${at}.host`, `${show(host)} is not allowed: ${problem}`);
        }
        const port =
            o.port === undefined ? DEFAULTS.egressPort : sh.int(`${at}.port`, o.port, 1, 65535, "a port");
        let tls: EgressTls = DEFAULTS.egressTls;
        if (o.tls !== undefined) {
            if ((EGRESS_TLS as readonly unknown[]).includes(o.tls)) {
                tls = o.tls as EgressTls;
            } else {
                sh.error(
                    `${at}.tls`,
                    `${show(o.tls)} is not allowed; allowed values: ${EGRESS_TLS.join(", ")}`,
                );
            }
        }
        if (tls === "originate" && port === 80) {
            sh.error(
                `${at}.port`,
                "80 is where the application sends plain HTTP for TLS origination; give the host's TLS port (443)",
            );
        }
        if (host !== undefined && !problem && out.some((x) => x.host === host)) {
            sh.error(`${at}.host`, `${show(host)} is listed twice`);
        } else if (host !== undefined && !problem && port !== undefined) {
            out.push({ name: egressName(host), host, port, tls });
        }
    });
    return out;
}

/**
 * What the ambient data plane cannot do with this description, each at its key: routes that have
 * no HTTPRoute form (gamma.ts {@link gammaIssues}), names that the ambient objects would take
 * twice (per-version Services, the waypoint's Service), and TLS origination, which is a
 * sidecar's job.
 */
function ambientIssues(sh: Shape, path: string, app: Omit<ApplicationSpec, "dataPlane">): void {
    const names = new Set(app.services.map((s) => s.name));
    for (const s of app.services) {
        for (const issue of s.routes === undefined ? [] : gammaIssues(s.routes)) {
            const at =
                issue.index === undefined
                    ? `${path}.routes.${s.name}`
                    : `${path}.routes.${s.name}[${issue.index}]${issue.field ? `.${issue.field}` : ""}`;
            sh.error(
                at,
                `${issue.message}; ${issue.fix}, or keep the application on sidecars with ${path}.dataPlane "sidecar" (in ambient mode, docs/ambient.md)`,
            );
        }
        for (const v of isHttp(s) ? s.versions : []) {
            const svc = versionServiceName(s.name, v.name);
            if (names.has(svc)) {
                sh.error(
                    `${path}.services.${s.name}.versions.${v.name}`,
                    `in ambient mode makes the per-version Service ${show(svc)}, the name of another service of ${app.name}; rename the version or the service`,
                );
            }
        }
    }
    if (waypointServices(app).length > 0 && names.has(WAYPOINT.name)) {
        sh.error(
            `${path}.services.${WAYPOINT.name}`,
            `is the name of the waypoint (and of the Service istiod creates for it) that routes, resilience and L7 access rules need in ambient mode; rename the service`,
        );
    }
    app.egress.forEach((e, i) => {
        if (e.tls === "originate") {
            sh.error(
                `${path}.egress[${i}].tls`,
                `"originate" needs a sidecar to open TLS to ${e.host}, and ambient pods have none; let the application speak TLS itself (tls: passthrough) (docs/ambient.md)`,
            );
        }
    });
}

function parseApplication(
    sh: Shape,
    name: string,
    v: unknown,
    meshDataPlane: DataPlane,
): ApplicationSpec | undefined {
    const path = `${SECTION}.${name}`;
    const o = sh.object(path, v, APP_KEYS, "an application such as {services: {...}, ingress: {...}}");
    if (o === undefined) {
        return undefined;
    }
    const plane = applicationDataPlane(o.dataPlane, meshDataPlane);
    if ("error" in plane) {
        sh.error(`${path}.dataPlane`, plane.error);
    }
    const dataPlane = "dataPlane" in plane ? plane.dataPlane : meshDataPlane;
    if (!DNS_LABEL.test(name) || name.length > 63) {
        sh.error(path, `${show(name)} is not a valid application name; expected ${LABEL_HINT}`);
    } else if (RESERVED_NAMES.includes(name)) {
        sh.error(
            path,
            `${show(name)} is the name of a component of this program (${RESERVED_NAMES.join(", ")}); choose another application name`,
        );
    }
    const namespace =
        o.namespace === undefined
            ? name
            : (sh.string(`${path}.namespace`, o.namespace, { pattern: DNS_LABEL, hint: LABEL_HINT }) ?? name);
    let access: AccessMode = DEFAULTS.access;
    if (o.access !== undefined) {
        if ((ACCESS_MODES as readonly unknown[]).includes(o.access)) {
            access = o.access as AccessMode;
        } else {
            sh.error(
                `${path}.access`,
                `${show(o.access)} is not allowed; allowed values: ${ACCESS_MODES.join(", ")}`,
            );
        }
    }
    const so = sh.object(`${path}.services`, o.services, undefined, "a map of service name to service");
    if (so !== undefined && Object.keys(so).length === 0) {
        sh.error(`${path}.services`, "is empty; describe at least one service");
    }
    const names = Object.keys(so ?? {});
    const services: ServiceSpec[] = [];
    for (const [sname, raw] of Object.entries(so ?? {})) {
        const s = parseService(sh, `${path}.services.${sname}`, sname, raw);
        if (s !== undefined) {
            services.push(s);
        }
        const calls = isObj(raw) && Array.isArray(raw.calls) ? raw.calls : [];
        calls.forEach((c, i) => {
            if (typeof c === "string" && !names.includes(c)) {
                const hint = closest(c, names);
                sh.error(
                    `${path}.services.${sname}.calls[${i}]`,
                    `${show(c)} is not a service of ${name}${hint ? `; did you mean '${hint}'?` : ""} (services: ${names.join(", ")})`,
                );
            }
        });
    }
    const versionsOf = (service: string): string[] => {
        const raw = so?.[service];
        return isObj(raw) && isObj(raw.versions) ? Object.keys(raw.versions) : [];
    };
    const serviceKey = (key: string, service: string): boolean => {
        if (!names.includes(service)) {
            const hint = closest(service, names);
            sh.error(
                `${path}.${key}.${service}`,
                `${show(service)} is not a service of ${name}${hint ? `; did you mean '${hint}'?` : ""} (services: ${names.join(", ")})`,
            );
            return false;
        }
        return true;
    };
    if (o.routes !== undefined) {
        for (const [service, raw] of Object.entries(
            sh.object(`${path}.routes`, o.routes, undefined, "a map of service name to routes") ?? {},
        )) {
            if (!serviceKey("routes", service)) {
                continue;
            }
            const routes = parseRoutes(sh, `${path}.routes.${service}`, raw, versionsOf(service));
            const s = services.find((x) => x.name === service);
            if (s !== undefined && s.protocol === "tcp") {
                sh.error(
                    `${path}.routes.${service}`,
                    "routes are HTTP rules but the service's protocol is tcp",
                );
            } else if (s !== undefined && routes !== undefined) {
                s.routes = routes;
            }
        }
    }
    if (o.resilience !== undefined) {
        for (const [service, raw] of Object.entries(
            sh.object(`${path}.resilience`, o.resilience, undefined, "a map of service name to settings") ??
                {},
        )) {
            if (!serviceKey("resilience", service)) {
                continue;
            }
            const r = parseResilience(sh, `${path}.resilience.${service}`, raw);
            const s = services.find((x) => x.name === service);
            if (s !== undefined && s.protocol === "tcp") {
                sh.error(
                    `${path}.resilience.${service}`,
                    "is set on a tcp service; resilience applies to the HTTP services' DestinationRules",
                );
            } else if (s !== undefined && r !== undefined) {
                s.resilience = r;
            }
        }
    }
    const ingress =
        o.ingress === undefined ? undefined : parseIngress(sh, `${path}.ingress`, o.ingress, names);
    // Names the builders derive must stay unique: Deployments `<service>-<version>`, and the
    // ingress VirtualService `<app>-ingress` next to one VirtualService per service.
    const deployments = new Map<string, string>();
    for (const s of services) {
        for (const v of s.versions) {
            const d = `${s.name}-${v.name}`;
            const other = deployments.get(d);
            if (other !== undefined) {
                sh.error(
                    `${path}.services.${s.name}.versions.${v.name}`,
                    `makes the Deployment ${show(d)}, as ${other} does; rename the version or the service`,
                );
            } else {
                deployments.set(d, `${path}.services.${s.name}.versions.${v.name}`);
            }
        }
    }
    if (ingress !== undefined && names.includes(`${name}-ingress`)) {
        sh.error(
            `${path}.services.${name}-ingress`,
            `is the name of the application's ingress route (${name}-ingress); rename the service`,
        );
    }
    const egress = o.egress === undefined ? [] : parseEgress(sh, `${path}.egress`, o.egress);
    const app = { name, namespace, services, ...(ingress ? { ingress } : {}), access, denies: [], egress };
    if (dataPlane === "ambient") {
        ambientIssues(sh, path, app);
    }
    return { ...app, dataPlane };
}

/**
 * Reads and validates `applications`; absent means none. Each application runs on `dataPlane`
 * (`mesh.dataPlane`), checked against what that data plane can express.
 */
export function parseApplicationsConfig(r: ConfigReader, dataPlane: DataPlane): ApplicationSpec[] {
    const raw = r.structured(SECTION);
    // Not a map: config/index.ts reports the section given as one value.
    if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return [];
    }
    const sh = new Shape(r);
    const apps = sh.object(SECTION, raw, undefined, "a map of application name to application");
    return Object.entries(apps ?? {})
        .map(([name, v]) => parseApplication(sh, name, v, dataPlane))
        .filter((a): a is ApplicationSpec => a !== undefined);
}

/** A host some other part of the stack already answers for, and which key names it. */
export interface Taken {
    value: string;
    by: string;
}

/**
 * Cross-section check: a host is answered by one application only (Bookinfo included). The
 * namespaces are checked with every other namespace the stack creates (config/namespaces.ts).
 */
export function applicationConflicts(
    r: ConfigReader,
    apps: readonly ApplicationSpec[],
    takenHosts: readonly Taken[],
): void {
    const hosts = [...takenHosts];
    for (const app of apps) {
        app.ingress?.hosts.forEach((h, i) => {
            const hostKey = `${SECTION}.${app.name}.ingress.hosts[${i}]`;
            const dup = hosts.find((t) => t.value === h);
            if (dup) {
                r.error(
                    hostKey,
                    `${show(h)} is already answered by ${dup.by}; a host belongs to one application`,
                );
            } else {
                hosts.push({ value: h, by: hostKey });
            }
        });
    }
}

/** The candidate with the smallest edit distance, if it is close enough to be a plausible typo. */
function closest(key: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestScore = Infinity;
    for (const c of candidates) {
        const d = editDistance(key.toLowerCase(), c.toLowerCase());
        if (d < bestScore) {
            bestScore = d;
            best = c;
        }
    }
    return best !== undefined && bestScore <= Math.max(3, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * What applications cannot do yet with the stack's egress gateway (docs/ambient.md): egress
 * through it is a VirtualService that only sidecars apply, so ambient pods would go out directly.
 * Refused rather than deployed half-working. Their ingress works with either `gateway.api`.
 */
export function applicationModeIssues(
    r: ConfigReader,
    apps: readonly ApplicationSpec[],
    mode: { egressGateway?: unknown },
): void {
    for (const app of apps) {
        if (app.dataPlane === "ambient" && mode.egressGateway !== undefined && app.egress.length > 0) {
            r.error(
                `${SECTION}.${app.name}.egress`,
                `with mesh.dataPlane "ambient", egress through mesh.egressGateway is not built: its routing is a VirtualService that only sidecars apply, so the calls would leave without the gateway. Leave egress out, or set mesh.egressGateway.enabled to false (docs/ambient.md)`,
            );
        }
    }
}
