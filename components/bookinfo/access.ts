/**
 * Bookinfo's access settings. The policies themselves come from the generic builder
 * (applications/access.ts) from who calls whom in the catalogue: the ingress gateway to
 * productpage (any method: sign-in is a POST), productpage to details, reviews and ratings (the
 * latter for its REST API), reviews v2/v3 to ratings, ratings v2 to MongoDB. A version that is not
 * deployed gets no access.
 */
import { accessPolicies as applicationPolicies } from "../applications/access";
import type { PolicyDefinition } from "../applications/access";
import { ACCESS_MODES, AccessMode } from "../applications/model";
import { bookinfoDenies, bookinfoServices } from "./application";
import { Workload } from "./catalogue";

export { ACCESS_MODES };
export type { AccessMode, PolicyDefinition };

export interface AccessSettings {
    mode: AccessMode;
    /** The lab rule: ratings refuses every call from reviews v3 (its page then shows no ratings). */
    denyRatingsFromReviewsV3: boolean;
}

export interface AccessContext {
    namespace: string;
    /** The ingress gateway's identity: its namespace and ServiceAccount (the chart names it after the release). */
    gateway: { namespace: string; serviceAccount: string };
    workloads: readonly Workload[];
}

/** Bookinfo's policies for the chosen mode, as the Application component creates them. */
export function accessPolicies(settings: AccessSettings, ctx: AccessContext): PolicyDefinition[] {
    return applicationPolicies({
        mode: settings.mode,
        namespace: ctx.namespace,
        services: bookinfoServices(ctx.workloads),
        ingress: { service: "productpage" },
        denies: bookinfoDenies(settings, ctx.workloads),
        gateway: ctx.gateway,
    });
}
