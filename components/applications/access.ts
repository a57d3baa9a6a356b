/**
 * Access control as AuthorizationPolicies, derived from who calls whom. Identities are the
 * workloads' ServiceAccounts, matched with the `serviceAccounts` source field (`<namespace>/<name>`,
 * Istio 1.25 and later), which, unlike `principals`, does not depend on the mesh's trust domain.
 * The CRD refuses it next to `principals` or `namespaces` in the same source, so every source here
 * uses it alone.
 *
 * In ambient, one set of rules is written in two places (istio.io "Use Layer 7 features" and
 * "Enforce authorization policies", ambient getting started, at Istio 1.30):
 * - ztunnel enforces policies that select workloads (`selector`, or none: namespace-wide), at L4
 *   only. It drops an ALLOW rule with an HTTP attribute (the rule never matches) and enforces a DENY
 *   rule without its HTTP attributes (istio/istio 1.30.3
 *   pilot/pkg/serviceregistry/ambient/authorization.go, `handleRule`).
 * - the waypoint enforces only policies with `targetRefs` (never a selector:
 *   pilot/pkg/model/policyattachment.go, `ShouldAttachPolicy`), with the real caller's identity.
 * - once a Service is enrolled in the waypoint, ztunnel at its pods sees the waypoint's identity,
 *   not the caller's: the workload policy must admit the waypoint's ServiceAccount, and the callers
 *   are checked at the waypoint. istiod can synthesise that allow (`PILOT_AUTO_ALLOW_WAYPOINT_POLICY`),
 *   but it is off by default; here it is written out.
 */
import type { AuthorizationPolicySpec } from "../crds";
import type { DataPlane } from "../istio/config";
import { WAYPOINT } from "../shared/names";
import { AccessMode, DenyRule, IngressSpec, ServiceSpec, isHttp } from "./model";

export type AuthorizationRule = NonNullable<AuthorizationPolicySpec["rules"]>[number];

/**
 * Fields that only an L7 proxy can match, as istiod lists them when it translates a policy for
 * ztunnel (istio/istio 1.30.3 pilot/pkg/serviceregistry/ambient/authorization.go, `httpOperations`,
 * `httpSources` and `l4WhenAttributes`). A `when` condition on any other key is L7 too.
 */
export const L7_OPERATION_FIELDS = [
    "hosts",
    "notHosts",
    "methods",
    "notMethods",
    "paths",
    "notPaths",
] as const;
export const L7_SOURCE_FIELDS = [
    "requestPrincipals",
    "notRequestPrincipals",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
] as const;
export const L4_CONDITION_KEYS = [
    "source.ip",
    "source.namespace",
    "source.principal",
    "destination.ip",
    "destination.port",
] as const;

/** Where a rule can be enforced: L4 by ztunnel (or any proxy), L7 only by a sidecar or a waypoint. */
export type RuleLayer = "L4" | "L7";

/** The L7 attributes a rule uses (`methods`, `when request.headers[x]`, ...), in rule order. */
export function l7Attributes(rule: AuthorizationRule): string[] {
    const found = new Set<string>();
    const nonEmpty = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
    for (const to of rule.to ?? []) {
        const op = (to.operation ?? {}) as Record<string, unknown>;
        L7_OPERATION_FIELDS.filter((f) => nonEmpty(op[f])).forEach((f) => found.add(f));
    }
    for (const from of rule.from ?? []) {
        const src = (from.source ?? {}) as Record<string, unknown>;
        L7_SOURCE_FIELDS.filter((f) => nonEmpty(src[f])).forEach((f) => found.add(f));
    }
    for (const when of rule.when ?? []) {
        if (!(L4_CONDITION_KEYS as readonly string[]).includes(when.key)) {
            found.add(when.key);
        }
    }
    return [...found];
}

/** Whether ztunnel can enforce the rule as written (L4) or it needs an L7 proxy (L7). */
export function ruleLayer(rule: AuthorizationRule): RuleLayer {
    return l7Attributes(rule).length > 0 ? "L7" : "L4";
}

/**
 * A policy's layer: L7 when any rule is, or when its action is one ztunnel cannot apply (CUSTOM
 * and AUDIT need a waypoint: istio.io "Migrate policies", ambient migration guide).
 */
export function policyLayer(spec: AuthorizationPolicySpec): RuleLayer {
    if (spec.action === "CUSTOM" || spec.action === "AUDIT") {
        return "L7";
    }
    return (spec.rules ?? []).some((r) => ruleLayer(r) === "L7") ? "L7" : "L4";
}

/**
 * The identity of a namespace's waypoint: istiod deploys it under a ServiceAccount named after
 * the Gateway (class istio-waypoint has no name suffix; istio/istio 1.30.3
 * pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go, `ServiceAccount: ... defaultName`).
 */
export function waypointServiceAccount(namespace: string): string {
    return `${namespace}/${WAYPOINT.name}`;
}

/** A waypoint policy's target: one Service of the namespace (a Service-attached policy). */
export function serviceTarget(service: string): NonNullable<AuthorizationPolicySpec["targetRefs"]>[number] {
    return { kind: "Service", group: "", name: service };
}

export interface PolicyDefinition {
    /** metadata.name of the AuthorizationPolicy. */
    name: string;
    spec: AuthorizationPolicySpec;
}

export interface AccessContext {
    mode: AccessMode;
    namespace: string;
    services: readonly ServiceSpec[];
    ingress?: Pick<IngressSpec, "service">;
    denies: readonly DenyRule[];
    /** The ingress gateway's identity: its namespace and ServiceAccount (the chart names it after the release). */
    gateway: { namespace: string; serviceAccount: string };
    /** Absent: sidecar. */
    dataPlane?: DataPlane;
    /** In ambient: the services enrolled in the namespace's waypoint (see waypoint.ts). */
    waypointServices?: readonly string[];
}

/** The ServiceAccounts (as `<ns>/<sa>`) of the deployed versions that call `service`. */
export function callers(namespace: string, services: readonly ServiceSpec[], service: string): string[] {
    const sas = services
        .flatMap((s) => s.versions)
        .filter((v) => v.calls.includes(service))
        .map((v) => `${namespace}/${v.serviceAccount}`);
    return [...new Set(sas)];
}

function ingressPolicyName(service: string): string {
    return `${service}-ingress`;
}

function selector(app: string): AuthorizationPolicySpec["selector"] {
    return { matchLabels: { app } };
}

/**
 * `zero-trust`: deny everything in the namespace (an ALLOW policy with no rules), then allow the
 * ingress gateway to the ingress service and, per service, exactly the identities of the versions
 * that call it (HTTP services: the methods given, or any; TCP services: connection-level conditions
 * only). A service nobody calls gets no allow rule at all. DENY rules apply in every mode (Istio
 * evaluates DENY before ALLOW).
 */
export function accessPolicies(ctx: AccessContext): PolicyDefinition[] {
    const policies = workloadPolicies(ctx);
    return ctx.dataPlane === "ambient" ? ambientPolicies(ctx, policies) : policies;
}

/** The policies as a sidecar enforces them: every one on the destination workloads (`selector`). */
export function workloadPolicies(ctx: AccessContext): PolicyDefinition[] {
    const out: PolicyDefinition[] = [];
    if (ctx.mode === "zero-trust") {
        out.push({ name: "allow-nothing", spec: {} });
        const entry = ctx.services.find((s) => s.name === ctx.ingress?.service);
        if (entry !== undefined) {
            out.push({
                name: ingressPolicyName(entry.name),
                spec: {
                    selector: selector(entry.name),
                    action: "ALLOW",
                    rules: [
                        {
                            from: [
                                {
                                    source: {
                                        serviceAccounts: [
                                            `${ctx.gateway.namespace}/${ctx.gateway.serviceAccount}`,
                                        ],
                                    },
                                },
                            ],
                            to: [{ operation: { ports: [String(entry.targetPort)] } }],
                        },
                    ],
                },
            });
        }
        for (const s of ctx.services) {
            const from = callers(ctx.namespace, ctx.services, s.name);
            if (from.length === 0) {
                continue;
            }
            const methods = isHttp(s) ? s.callers?.methods : undefined;
            out.push({
                name: s.callers?.policyName ?? `${s.name}-callers`,
                spec: {
                    selector: selector(s.name),
                    action: "ALLOW",
                    rules: [
                        {
                            from: [{ source: { serviceAccounts: from } }],
                            to: [
                                {
                                    operation: {
                                        ...(methods ? { methods } : {}),
                                        ports: [String(s.targetPort)],
                                    },
                                },
                            ],
                        },
                    ],
                },
            });
        }
    }
    for (const d of ctx.denies) {
        out.push({
            name: d.name,
            spec: {
                selector: selector(d.service),
                action: "DENY",
                rules: [
                    {
                        from: [
                            {
                                source: {
                                    serviceAccounts: d.serviceAccounts.map((sa) => `${ctx.namespace}/${sa}`),
                                },
                            },
                        ],
                    },
                ],
            },
        });
    }
    return out;
}

/** The service a workload policy applies to (its `app` selector); undefined: namespace-wide. */
export function selectedService(spec: AuthorizationPolicySpec): string | undefined {
    return spec.selector?.matchLabels?.app;
}

/**
 * The same access in ambient. For a service enrolled in the waypoint, its callers (L4 or L7) are
 * checked at the waypoint (`targetRefs` to the Service), and ztunnel at its pods admits the
 * waypoint (zero-trust) and still refuses the DENY identities, should they call a pod directly.
 * Ingress from the gateway stays on the workload: an ingress gateway skips service waypoints (the
 * Service would need `istio.io/ingress-use-waypoint`). Other services keep their L4 policies on
 * the workloads; an L7 policy on a service outside the waypoint could not be enforced, which
 * {@link waypointServices} rules out, so meeting one here is a bug.
 */
function ambientPolicies(ctx: AccessContext, policies: PolicyDefinition[]): PolicyDefinition[] {
    const enrolled = new Set(ctx.waypointServices ?? []);
    const out: PolicyDefinition[] = [];
    const admitted = new Set<string>();
    for (const p of policies) {
        const service = selectedService(p.spec);
        const ingress = ctx.ingress !== undefined && p.name === ingressPolicyName(ctx.ingress.service);
        if (service === undefined || ingress || !enrolled.has(service)) {
            if (policyLayer(p.spec) === "L7") {
                throw new Error(
                    `${ctx.namespace}: AuthorizationPolicy ${p.name} matches L7 attributes, which only a waypoint enforces, but ${service ?? "the namespace"} is not enrolled in one`,
                );
            }
            out.push(p);
            continue;
        }
        const deny = p.spec.action === "DENY";
        const rest: AuthorizationPolicySpec = { ...p.spec };
        delete rest.selector;
        out.push({
            // A DENY stays on the workload under its name too: one name per object in a namespace.
            name: deny ? `${p.name}-waypoint` : p.name,
            spec: {
                ...rest,
                targetRefs: [serviceTarget(service)],
                // The Service target scopes the policy to the Service, whose one port is the port the
                // workload rule named; a port at the waypoint is the Service's, not the container's.
                ...(rest.rules !== undefined ? { rules: rest.rules.map(withoutPorts) } : {}),
            },
        });
        if (deny) {
            out.push(p);
        } else if (ctx.mode === "zero-trust" && !admitted.has(service)) {
            admitted.add(service);
            const s = ctx.services.find((x) => x.name === service);
            out.push({
                name: `${service}-via-waypoint`,
                spec: {
                    selector: { matchLabels: { app: service } },
                    action: "ALLOW",
                    rules: [
                        {
                            from: [{ source: { serviceAccounts: [waypointServiceAccount(ctx.namespace)] } }],
                            ...(s ? { to: [{ operation: { ports: [String(s.targetPort)] } }] } : {}),
                        },
                    ],
                },
            });
        }
    }
    return out;
}

function withoutPorts(rule: AuthorizationRule): AuthorizationRule {
    if (rule.to === undefined) {
        return rule;
    }
    const to = rule.to.flatMap((t) => {
        const operation = { ...t.operation };
        delete operation.ports;
        return Object.keys(operation).length > 0 ? [{ operation }] : [];
    });
    const out: AuthorizationRule = { ...rule };
    delete out.to;
    return to.length > 0 ? { ...out, to } : out;
}
