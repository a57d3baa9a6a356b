/**
 * Typed Kubernetes Gateway API resources (standard channel, `gateway.networking.k8s.io/v1`).
 *
 * Specs are typed by `@kubernetes-models/gateway-api`, generated from the Gateway API CRDs, and
 * checked against the same schemas by the offline render (tools/lib/schemas.ts). The Istio
 * `Gateway` of `networking.istio.io` keeps the name `Gateway` in ./index; the Gateway API one is
 * `KubernetesGateway` here, as Istio's docs call it where both appear.
 */
import { typed } from "./typed";
import type { IGateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import type { IReferenceGrant } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/ReferenceGrant";

export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";

export type KubernetesGatewaySpec = NonNullable<IGateway["spec"]>;
export type HTTPRouteSpec = NonNullable<IHTTPRoute["spec"]>;
export type ReferenceGrantSpec = NonNullable<IReferenceGrant["spec"]>;

export const KubernetesGateway = typed<KubernetesGatewaySpec>(GATEWAY_API_VERSION, "Gateway");
export const HTTPRoute = typed<HTTPRouteSpec>(GATEWAY_API_VERSION, "HTTPRoute");
export const ReferenceGrant = typed<ReferenceGrantSpec>(GATEWAY_API_VERSION, "ReferenceGrant");
