export { Application, servedTlsHosts } from "./application";
export type { ApplicationArgs } from "./application";
export { accessPolicies, callers, l7Attributes, policyLayer, ruleLayer } from "./access";
export type { AccessContext, PolicyDefinition } from "./access";
export { egressName, egressObjects } from "./egress";
export {
    ANONYMOUS,
    explainRoutes,
    formatApplicationsTable,
    formatRoutesTable,
    formatShares,
    profilesFrom,
} from "./explain";
export type { ApplicationRouteRow, RouteRow, SpecObject } from "./explain";
export { gatewaySpec, ingressAccess, ingressEntryPath, ingressHosts, ingressRouteSpec } from "./ingress";
export type { IngressAccess } from "./ingress";
export * from "./model";
export {
    destinationRuleSpec,
    routedVersions,
    routingObjects,
    subsetIssues,
    virtualServiceSpec,
} from "./routing";
export { l7AccessServices, needsWaypoint, routingNeedsWaypoint, waypointServices } from "./waypoint";
