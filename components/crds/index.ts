/**
 * Typed Istio custom resources.
 *
 * Specs are typed by `@kubernetes-models/istio`, generated from Istio's own CRD schemas, so a
 * misspelt field is a compile error rather than a rejected object on the cluster. Each class keeps
 * the `kubernetes:<apiVersion>:<kind>` type token of `CustomResource`, which is what the policy pack
 * matches on.
 */
import { typed } from "./typed";
import type { IAuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import type { IPeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication";
import type { IDestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import type { IGateway } from "@kubernetes-models/istio/networking.istio.io/v1/Gateway";
import type { IServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry";
import type { IVirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import type { ITelemetry } from "@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry";

export type AuthorizationPolicySpec = NonNullable<IAuthorizationPolicy["spec"]>;
export type PeerAuthenticationSpec = NonNullable<IPeerAuthentication["spec"]>;
export type DestinationRuleSpec = NonNullable<IDestinationRule["spec"]>;
export type GatewaySpec = NonNullable<IGateway["spec"]>;
export type ServiceEntrySpec = NonNullable<IServiceEntry["spec"]>;
export type VirtualServiceSpec = NonNullable<IVirtualService["spec"]>;
export type TelemetrySpec = NonNullable<ITelemetry["spec"]>;

export const AuthorizationPolicy = typed<AuthorizationPolicySpec>(
    "security.istio.io/v1",
    "AuthorizationPolicy",
);
export const PeerAuthentication = typed<PeerAuthenticationSpec>("security.istio.io/v1", "PeerAuthentication");
export const DestinationRule = typed<DestinationRuleSpec>("networking.istio.io/v1", "DestinationRule");
export const Gateway = typed<GatewaySpec>("networking.istio.io/v1", "Gateway");
export const ServiceEntry = typed<ServiceEntrySpec>("networking.istio.io/v1", "ServiceEntry");
export const VirtualService = typed<VirtualServiceSpec>("networking.istio.io/v1", "VirtualService");
export const Telemetry = typed<TelemetrySpec>("telemetry.istio.io/v1", "Telemetry");
export { Certificate, ClusterIssuer, Issuer } from "./certManager";
export { GATEWAY_API_VERSION, HTTPRoute, KubernetesGateway, ReferenceGrant } from "./gatewayApi";
export type { HTTPRouteSpec, KubernetesGatewaySpec, ReferenceGrantSpec } from "./gatewayApi";
export type { TypedResourceArgs } from "./typed";
