/**
 * Ambient data plane policies: in a namespace labelled `istio.io/dataplane-mode=ambient`, ztunnel
 * enforces L4 only, and every L7 object (an AuthorizationPolicy with HTTP attributes, an HTTPRoute
 * bound to a Service) does something only when a waypoint enforces it. Missing that, Istio still
 * accepts the object: an ALLOW rule with HTTP attributes silently never matches (every call is
 * denied), a DENY rule silently drops them, and a route is silently not applied.
 *
 * Sources, Istio 1.30: istio.io "Use Layer 7 features" and "Configure waypoint proxies";
 * istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/authorization.go (what ztunnel gets) and
 * pilot/pkg/model/policyattachment.go (a waypoint applies only `targetRefs` policies).
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    Props,
    TYPE,
    asList,
    asRecord,
    asString,
    at,
    describe,
    isKind,
    metadataOf,
    namespaceOf,
} from "./lib/objects";

const GATEWAY_API = "gateway.networking.k8s.io";
const DATAPLANE_MODE_LABEL = "istio.io/dataplane-mode";
const USE_WAYPOINT_LABEL = "istio.io/use-waypoint";
const USE_WAYPOINT_NAMESPACE_LABEL = "istio.io/use-waypoint-namespace";
const WAYPOINT_CLASS = "istio-waypoint";

/**
 * What ztunnel cannot match: istiod's lists when it translates a policy for ztunnel (1.30.3
 * authorization.go, `httpOperations`, `httpSources`, `l4WhenAttributes`). The pack is deployed on
 * its own, so it keeps its copy; a test holds it equal to the program's (applications/access.ts).
 */
export const L7_OPERATION_FIELDS = ["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"];
export const L7_SOURCE_FIELDS = [
    "requestPrincipals",
    "notRequestPrincipals",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
];
export const L4_CONDITION_KEYS = [
    "source.ip",
    "source.namespace",
    "source.principal",
    "destination.ip",
    "destination.port",
];

/** The L7 attributes a policy uses (and CUSTOM/AUDIT actions, which only a waypoint applies). */
export function l7AttributesOf(spec: Props): string[] {
    const found = new Set<string>();
    const action = asString(spec.action);
    if (action === "CUSTOM" || action === "AUDIT") {
        found.add(`action ${action}`);
    }
    const nonEmpty = (v: unknown) => asList(v).length > 0;
    for (const rule of asList(spec.rules)) {
        for (const to of asList(at(rule, "to"))) {
            L7_OPERATION_FIELDS.filter((f) => nonEmpty(at(to, "operation", f))).forEach((f) => found.add(f));
        }
        for (const from of asList(at(rule, "from"))) {
            L7_SOURCE_FIELDS.filter((f) => nonEmpty(at(from, "source", f))).forEach((f) => found.add(f));
        }
        for (const when of asList(at(rule, "when"))) {
            const key = asString(at(when, "key"));
            if (key !== undefined && !L4_CONDITION_KEYS.includes(key)) {
                found.add(key);
            }
        }
    }
    return [...found];
}

interface Ref {
    group: string;
    kind: string;
    name: string;
    namespace?: string;
}

function refsOf(list: unknown): Ref[] {
    return asList(list).map((r) => ({
        group: asString(at(r, "group")) ?? "",
        kind: asString(at(r, "kind")) ?? "",
        name: asString(at(r, "name")) ?? "",
        namespace: asString(at(r, "namespace")),
    }));
}

/** What the stack declares about ambient namespaces, their waypoints and enrolments. */
class AmbientView {
    private readonly nsLabels = new Map<string, Record<string, string>>();
    private readonly waypoints = new Set<string>();
    private readonly serviceLabels = new Map<string, Record<string, string>>();

    constructor(resources: PolicyResource[]) {
        for (const r of resources) {
            const p = r.props as Props;
            const m = metadataOf(p);
            if (r.type === TYPE.namespace || r.type === TYPE.namespacePatch) {
                this.nsLabels.set(m.name ?? r.name, m.labels ?? {});
            } else if (r.type === TYPE.service) {
                this.serviceLabels.set(`${namespaceOf(p)}/${m.name ?? r.name}`, m.labels ?? {});
            } else if (
                isKind(r.type, GATEWAY_API, "Gateway") &&
                at(p, "spec", "gatewayClassName") === WAYPOINT_CLASS
            ) {
                this.waypoints.add(`${namespaceOf(p)}/${m.name ?? r.name}`);
            }
        }
    }

    isAmbient(ns: string): boolean {
        return this.nsLabels.get(ns)?.[DATAPLANE_MODE_LABEL] === "ambient";
    }

    hasWaypoint(ns: string, name: string): boolean {
        return this.waypoints.has(`${ns}/${name}`);
    }

    /**
     * Why the Service has no waypoint to enforce its L7 objects, or undefined when it has one: the
     * Service's own `istio.io/use-waypoint` label wins over its namespace's (istio.io "Configure
     * waypoint proxies"); `none` opts it out.
     */
    serviceProblem(ns: string, service: string): string | undefined {
        const labels = this.serviceLabels.get(`${ns}/${service}`);
        if (labels === undefined) {
            return `Service ${ns}/${service} is not declared in this stack`;
        }
        const own = labels[USE_WAYPOINT_LABEL];
        const nsLabels = this.nsLabels.get(ns) ?? {};
        const from = own !== undefined ? labels : nsLabels;
        const name = own ?? nsLabels[USE_WAYPOINT_LABEL];
        if (name === undefined || name === "none") {
            return `Service ${ns}/${service} is not enrolled in a waypoint (no ${USE_WAYPOINT_LABEL} label on it or on namespace ${ns})`;
        }
        const wpNs = from[USE_WAYPOINT_NAMESPACE_LABEL] ?? ns;
        if (!this.hasWaypoint(wpNs, name)) {
            return `Service ${ns}/${service} uses waypoint ${wpNs}/${name}, but the stack declares no Gateway ${wpNs}/${name} of class ${WAYPOINT_CLASS}`;
        }
        return undefined;
    }
}

export const l7PolicyHasWaypoint: StackValidationPolicy = {
    name: "ambient-l7-has-waypoint",
    description:
        "In ambient namespaces, every L7 object has a waypoint to enforce it: AuthorizationPolicies with HTTP " +
        "attributes target an enrolled Service or a declared istio-waypoint Gateway (never a selector, which " +
        "ztunnel enforces at L4), and HTTPRoutes bound to a Service route through that Service's waypoint.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const view = new AmbientView(args.resources);
        for (const r of args.resources) {
            const p = r.props as Props;
            const ns = namespaceOf(p);
            if (!view.isAmbient(ns)) {
                continue;
            }
            const what = describe(r.type, p, r.name);
            if (isKind(r.type, "security.istio.io", "AuthorizationPolicy")) {
                const spec = asRecord(p.spec) ?? {};
                const l7 = l7AttributesOf(spec);
                if (l7.length === 0) {
                    continue;
                }
                const refs = refsOf(
                    spec.targetRefs ?? (spec.targetRef !== undefined ? [spec.targetRef] : []),
                );
                if (refs.length === 0) {
                    reportViolation(
                        `${what} in ambient namespace ${ns} matches L7 attributes (${l7.join(", ")}) but selects ` +
                            `workloads, so ztunnel enforces it at L4: an ALLOW rule with them never matches and a DENY ` +
                            `rule drops them. Fix: target the waypoint (targetRefs: the Service, or the Gateway of class ` +
                            `${WAYPOINT_CLASS}) and allow the waypoint's identity at the workload.`,
                        r.urn,
                    );
                    continue;
                }
                for (const ref of refs) {
                    const problem =
                        ref.kind === "Service" && (ref.group === "" || ref.group === "core")
                            ? view.serviceProblem(ns, ref.name)
                            : ref.kind === "Gateway" &&
                                ref.group === GATEWAY_API &&
                                !view.hasWaypoint(ns, ref.name)
                              ? `the stack declares no Gateway ${ns}/${ref.name} of class ${WAYPOINT_CLASS}`
                              : undefined;
                    if (problem !== undefined) {
                        reportViolation(
                            `${what} matches L7 attributes (${l7.join(", ")}) for ${ref.kind} ${ref.name}, but ` +
                                `${problem}: nothing enforces it. Fix: deploy a waypoint in ${ns} and label the Service ` +
                                `(or the namespace) ${USE_WAYPOINT_LABEL}=<waypoint>.`,
                            r.urn,
                        );
                    }
                }
            } else if (isKind(r.type, GATEWAY_API, "HTTPRoute")) {
                for (const ref of refsOf(at(p, "spec", "parentRefs"))) {
                    if (ref.kind !== "Service" || (ref.group !== "" && ref.group !== "core")) {
                        continue;
                    }
                    const problem = view.serviceProblem(ref.namespace ?? ns, ref.name);
                    if (problem !== undefined) {
                        reportViolation(
                            `${what} is bound to Service ${ref.name} in ambient namespace ${ns}, but ${problem}: ` +
                                `ztunnel does not apply HTTP routes, so the route is ignored. Fix: deploy a waypoint ` +
                                `and label the Service (or the namespace) ${USE_WAYPOINT_LABEL}=<waypoint>.`,
                            r.urn,
                        );
                    }
                }
            }
        }
    },
};

export const ambientPolicies = [l7PolicyHasWaypoint];
