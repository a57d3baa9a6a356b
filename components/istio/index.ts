export { ControlPlane, ignoreIstiodOwnedWebhookFields } from "./controlPlane";
export type { ControlPlaneArgs } from "./controlPlane";
export { gatewayAccess } from "./access";
export type { GatewayAccess } from "./access";
export { parseIstioConfig } from "./config";
export type { AppNamespace, IstioConfig } from "./config";
export { baseValues, gatewayValues, istiodValues, meshConfig } from "./values";
