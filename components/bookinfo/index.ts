export { Bookinfo, ingressHosts } from "./bookinfo";
export { PRODUCT_PAGE_PATH, productPageAccess, productPageUrl } from "./ingress";
export type { ProductPageAccess } from "./ingress";
export type { BookinfoArgs, BookinfoTls } from "./bookinfo";
export { parseBookinfoConfig, selectableWorkloads } from "./config";
export type { BookinfoConfig } from "./config";
export { REQUEST_PROFILES, explainRoutes, formatRoutesTable, formatShares } from "./explain";
export type { RouteRow, SpecObject } from "./explain";
export { VARIANTS, VARIANT_NAMES, CUSTOM_VARIANT } from "./variants";
