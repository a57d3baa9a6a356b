export { ControlPlane, ignoreIstiodOwnedWebhookFields } from "./controlPlane";
export type { ControlPlaneArgs } from "./controlPlane";
export {
    gatewayAccess,
    gatewayShellOrigin,
    ingressOrigin,
    ingressPorts,
    isDescribed,
    kubeContext,
    kubectlArgs,
    kubectlCommand,
    shellWord,
} from "./access";
export type { GatewayAccess, IngressPorts, LoadBalancerStatus } from "./access";
export { parseIstioConfig } from "./config";
export type { AppNamespace, IstioConfig } from "./config";
export { baseValues, gatewayValues, istiodValues, meshConfig } from "./values";
