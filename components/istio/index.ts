export { ControlPlane, ignoreIstiodOwnedWebhookFields } from "./controlPlane";
export type { ControlPlaneArgs } from "./controlPlane";
export { gatewayAccess, ingressOrigin, ingressPorts } from "./access";
export type { GatewayAccess, IngressPorts } from "./access";
export { parseIstioConfig } from "./config";
export type { AppNamespace, IstioConfig } from "./config";
export { baseValues, gatewayValues, istiodValues, meshConfig } from "./values";
