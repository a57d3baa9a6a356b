/**
 * Access control as AuthorizationPolicies, derived from who calls whom. Identities are the
 * workloads' ServiceAccounts, matched with the `serviceAccounts` source field (`<namespace>/<name>`,
 * Istio 1.25 and later), which, unlike `principals`, does not depend on the mesh's trust domain.
 * The CRD refuses it next to `principals` or `namespaces` in the same source, so every source here
 * uses it alone.
 */
import type { AuthorizationPolicySpec } from "../crds";
import { AccessMode, DenyRule, IngressSpec, ServiceSpec, isHttp } from "./model";

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
}

/** The ServiceAccounts (as `<ns>/<sa>`) of the deployed versions that call `service`. */
export function callers(namespace: string, services: readonly ServiceSpec[], service: string): string[] {
    const sas = services
        .flatMap((s) => s.versions)
        .filter((v) => v.calls.includes(service))
        .map((v) => `${namespace}/${v.serviceAccount}`);
    return [...new Set(sas)];
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
    const out: PolicyDefinition[] = [];
    if (ctx.mode === "zero-trust") {
        out.push({ name: "allow-nothing", spec: {} });
        const entry = ctx.services.find((s) => s.name === ctx.ingress?.service);
        if (entry !== undefined) {
            out.push({
                name: `${entry.name}-ingress`,
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
