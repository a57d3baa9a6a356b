import { RequestProfile, explainRoutes as explainApplicationRoutes } from "../applications/explain";
import type { RouteRow, SpecObject } from "../applications/explain";
import type { DestinationRuleSpec, VirtualServiceSpec } from "../crds";
import { REQUEST_PROFILES } from "./variants";

export { bookinfo, ingressHosts } from "./bookinfo";
export { PRODUCT_PAGE_PATH, productPageAccess, productPageUrl } from "./ingress";
export type { ProductPageAccess } from "./ingress";
export type { BookinfoArgs, BookinfoTls } from "./bookinfo";
export { bookinfoApplication } from "./application";
export { parseBookinfoConfig, selectableWorkloads } from "./config";
export type { BookinfoConfig } from "./config";
export { formatRoutesTable, formatShares } from "../applications/explain";
export type { RouteRow, SpecObject } from "../applications/explain";
export { VARIANTS, VARIANT_NAMES, CUSTOM_VARIANT, REQUEST_PROFILES } from "./variants";

/** The route explainer with the two kinds of request the Istio tasks compare. */
export function explainRoutes(
    virtualServices: readonly SpecObject<VirtualServiceSpec>[],
    destinationRules: readonly SpecObject<DestinationRuleSpec>[],
    profiles: readonly RequestProfile[] = REQUEST_PROFILES,
): RouteRow[] {
    return explainApplicationRoutes(virtualServices, destinationRules, profiles);
}
