/**
 * Who may call whom, computed from AuthorizationPolicies as the proxies enforce them, so that the
 * sidecar and ambient forms of the same access can be compared call by call. The model follows
 * Istio 1.30: a sidecar applies every policy that selects its workload (or none: namespace-wide)
 * with all attributes; in ambient, a waypoint applies only the policies that target the called
 * Service, with the caller's identity, and ztunnel at the pods applies the selecting ones at L4
 * (an ALLOW rule with an L7 attribute never matches, a DENY rule drops its L7 attributes), seeing
 * the waypoint's identity for traffic the waypoint forwarded. An ingress gateway skips service
 * waypoints. Only the fields the program writes are modelled; any other field fails the test.
 */
import type { AuthorizationPolicySpec } from "../../components/crds";
import { AuthorizationRule, ruleLayer } from "../../components/applications/access";

export interface CallSite {
    /** The Service name (the pods carry `app: <name>`). */
    service: string;
    port: number;
    targetPort: number;
}

export interface Call {
    /** `<namespace>/<serviceAccount>`. */
    from: string;
    to: string;
    method: string;
}

export interface MeshView {
    namespace: string;
    dataPlane: "sidecar" | "ambient";
    /** Ambient: the Services enrolled in the waypoint (read from their labels). */
    enrolled: ReadonlySet<string>;
    /** Ambient: the waypoint's identity. */
    waypoint: string;
    /** Identities that reach Services as an ingress gateway does (skipping service waypoints). */
    ingressGateways: ReadonlySet<string>;
    services: readonly CallSite[];
}

type Spec = AuthorizationPolicySpec;
const SOURCE_FIELDS = new Set(["serviceAccounts"]);
const OPERATION_FIELDS = new Set(["ports", "methods"]);

function check(known: Set<string>, obj: object, what: string): void {
    for (const k of Object.keys(obj)) {
        if (!known.has(k)) {
            throw new Error(`the access model does not know ${what}.${k}`);
        }
    }
}

function ruleMatches(
    rule: AuthorizationRule,
    identity: string,
    port: number,
    method: string,
    l7: boolean,
): boolean {
    if ((rule.when ?? []).length > 0) {
        throw new Error("the access model does not know `when`");
    }
    const fromOk =
        rule.from === undefined ||
        rule.from.some(({ source = {} }) => {
            check(SOURCE_FIELDS, source, "source");
            return source.serviceAccounts === undefined || source.serviceAccounts.includes(identity);
        });
    const toOk =
        rule.to === undefined ||
        rule.to.some(({ operation = {} }) => {
            check(OPERATION_FIELDS, operation, "operation");
            const ports = operation.ports === undefined || operation.ports.includes(String(port));
            const methods = !l7 || operation.methods === undefined || operation.methods.includes(method);
            return ports && methods;
        });
    return fromOk && toOk;
}

/** One proxy's decision over the policies that apply to it; `l4Only` is ztunnel's. */
function decide(policies: Spec[], identity: string, port: number, method: string, l4Only: boolean): boolean {
    const matches = (p: Spec) =>
        (p.rules ?? []).some((r) => {
            if (l4Only && ruleLayer(r) === "L7" && p.action !== "DENY") {
                return false;
            }
            return ruleMatches(r, identity, port, method, !l4Only);
        });
    if (policies.some((p) => p.action === "DENY" && matches(p))) {
        return false;
    }
    const allows = policies.filter((p) => (p.action ?? "ALLOW") === "ALLOW");
    return allows.length === 0 || allows.some(matches);
}

function selecting(policies: Spec[], service: string): Spec[] {
    return policies.filter(
        (p) =>
            (p.targetRefs ?? []).length === 0 &&
            (p.selector?.matchLabels === undefined || p.selector.matchLabels.app === service),
    );
}

function targeting(policies: Spec[], service: string): Spec[] {
    return policies.filter((p) =>
        (p.targetRefs ?? []).some(
            (t) => t.kind === "Service" && (t.group ?? "") === "" && t.name === service,
        ),
    );
}

export function allowed(policies: Spec[], mesh: MeshView, call: Call): boolean {
    const site = mesh.services.find((s) => s.service === call.to);
    if (site === undefined) {
        throw new Error(`no service ${call.to}`);
    }
    if (mesh.dataPlane === "sidecar") {
        return decide(selecting(policies, call.to), call.from, site.targetPort, call.method, false);
    }
    let identity = call.from;
    if (mesh.enrolled.has(call.to) && !mesh.ingressGateways.has(call.from)) {
        if (!decide(targeting(policies, call.to), call.from, site.port, call.method, false)) {
            return false;
        }
        identity = mesh.waypoint;
    }
    return decide(selecting(policies, call.to), identity, site.targetPort, call.method, true);
}

/** Every allowed call among these callers, services and methods, as `from -> to method` lines. */
export function allowedCalls(
    policies: Spec[],
    mesh: MeshView,
    callers: string[],
    methods: string[],
): string[] {
    const out: string[] = [];
    for (const from of callers) {
        for (const s of mesh.services) {
            for (const method of methods) {
                if (allowed(policies, mesh, { from, to: s.service, method })) {
                    out.push(`${from} -> ${s.service} ${method}`);
                }
            }
        }
    }
    return out.sort();
}
