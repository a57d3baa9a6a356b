/**
 * Access control for Bookinfo as AuthorizationPolicies (the Mixer deny rules of old tutorials were
 * removed from Istio in 2020). Identities are the workloads' ServiceAccounts, matched with the
 * `serviceAccounts` source field (`<namespace>/<name>`, Istio 1.25 and later), which, unlike
 * `principals`, does not depend on the mesh's trust domain. The CRD refuses it next to
 * `principals` or `namespaces` in the same source, so every source here uses it alone.
 */
import type { AuthorizationPolicySpec } from "../crds";
import { HTTP_PORT, MONGODB, Workload } from "./catalogue";

export const ACCESS_MODES = ["open", "zero-trust"] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface AccessSettings {
    mode: AccessMode;
    /** The lab rule: ratings refuses every call from reviews v3 (its page then shows no ratings). */
    denyRatingsFromReviewsV3: boolean;
}

export interface PolicyDefinition {
    /** metadata.name of the AuthorizationPolicy. */
    name: string;
    spec: AuthorizationPolicySpec;
}

export interface AccessContext {
    namespace: string;
    /** The ingress gateway's identity: its namespace and ServiceAccount (the chart names it after the release). */
    gateway: { namespace: string; serviceAccount: string };
    workloads: readonly Workload[];
}

/** The ServiceAccounts (as `<ns>/<sa>`) of the deployed workloads that call `app`. */
function callers(ctx: AccessContext, app: string): string[] {
    const sas = ctx.workloads
        .filter((w) => w.calls.includes(app))
        .map((w) => `${ctx.namespace}/${w.serviceAccount}`);
    return [...new Set(sas)];
}

function appSelector(app: string): AuthorizationPolicySpec["selector"] {
    return { matchLabels: { app } };
}

/** Read-only HTTP access for the given callers; an app nobody calls gets no allow rule at all. */
function httpViewer(app: string, serviceAccounts: string[]): PolicyDefinition {
    return {
        name: `${app}-viewer`,
        spec: {
            selector: appSelector(app),
            action: "ALLOW",
            rules: [
                {
                    from: [{ source: { serviceAccounts } }],
                    to: [{ operation: { methods: ["GET", "HEAD"], ports: [String(HTTP_PORT)] } }],
                },
            ],
        },
    };
}

/**
 * The policies for the chosen mode. `zero-trust`: deny everything in the namespace (an ALLOW
 * policy with no rules), then allow exactly the calls Bookinfo makes: the ingress gateway to
 * productpage (any method: sign-in is a POST), productpage to details, reviews and ratings (the
 * latter for its REST API), reviews v2/v3 to ratings, ratings v2 to MongoDB. The callers come from the workload catalogue, so a version that
 * is not deployed gets no access.
 */
export function accessPolicies(settings: AccessSettings, ctx: AccessContext): PolicyDefinition[] {
    const out: PolicyDefinition[] = [];
    const apps = new Set<string>(ctx.workloads.map((w) => w.app));
    if (settings.mode === "zero-trust") {
        out.push({ name: "allow-nothing", spec: {} });
        out.push({
            name: "productpage-ingress",
            spec: {
                selector: appSelector("productpage"),
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
                        to: [{ operation: { ports: [String(HTTP_PORT)] } }],
                    },
                ],
            },
        });
        for (const app of ["details", "reviews", "ratings"]) {
            const from = callers(ctx, app);
            if (apps.has(app) && from.length > 0) {
                out.push(httpViewer(app, from));
            }
        }
        const dbClients = callers(ctx, MONGODB.service);
        if (apps.has(MONGODB.service) && dbClients.length > 0) {
            out.push({
                name: `${MONGODB.service}-clients`,
                spec: {
                    selector: appSelector(MONGODB.service),
                    action: "ALLOW",
                    // Plain TCP: only connection-level conditions (identity, port) apply.
                    rules: [
                        {
                            from: [{ source: { serviceAccounts: dbClients } }],
                            to: [{ operation: { ports: [String(MONGODB.port)] } }],
                        },
                    ],
                },
            });
        }
    }
    const reviewsV3 = ctx.workloads.find((w) => w.app === "reviews" && w.version === "v3");
    if (settings.denyRatingsFromReviewsV3 && reviewsV3 !== undefined) {
        // DENY is evaluated before ALLOW, so this holds in both modes. It is expressible only
        // because reviews v3 runs under its own ServiceAccount (see catalogue.ts).
        out.push({
            name: "ratings-deny-reviews-v3",
            spec: {
                selector: appSelector("ratings"),
                action: "DENY",
                rules: [
                    {
                        from: [
                            { source: { serviceAccounts: [`${ctx.namespace}/${reviewsV3.serviceAccount}`] } },
                        ],
                    },
                ],
            },
        });
    }
    return out;
}
