export { GATEWAY_API_CHANNEL, GatewayApiCrds, gatewayApiCrdsUrl } from "./crds";
export type { GatewayApiCrdsArgs } from "./crds";
