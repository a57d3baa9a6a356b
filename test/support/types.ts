/**
 * Pulumi type tokens the tests look resources up by, read from the SDK classes and from the
 * program's typed custom-resource classes rather than retyped in every test file.
 */
import * as certmanager from "@pulumi/kubernetes-cert-manager";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import {
    AuthorizationPolicy,
    Certificate,
    ClusterIssuer,
    DestinationRule,
    Gateway,
    HTTPRoute,
    KubernetesGateway,
    PeerAuthentication,
    ServiceEntry,
    Telemetry,
    VirtualService,
} from "../../components/crds";

/** The token an SDK class registers its resources under (the field @pulumi/policy matches on too). */
function tokenOf(cls: object): string {
    const token = (cls as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") {
        throw new Error("SDK class without a __pulumiType");
    }
    return token;
}

export const CHART = tokenOf(k8s.helm.v4.Chart);
export const NAMESPACE = tokenOf(k8s.core.v1.Namespace);
export const SECRET = tokenOf(k8s.core.v1.Secret);
export const SERVICE = tokenOf(k8s.core.v1.Service);
export const DEPLOYMENT = tokenOf(k8s.apps.v1.Deployment);
export const DAEMONSET = tokenOf(k8s.apps.v1.DaemonSet);
export const PASSWORD = tokenOf(random.RandomPassword);
export const CERT_MANAGER = tokenOf(certmanager.CertManager);

export const VIRTUAL_SERVICE = VirtualService.pulumiType;
export const DESTINATION_RULE = DestinationRule.pulumiType;
export const ISTIO_GATEWAY = Gateway.pulumiType;
export const SERVICE_ENTRY = ServiceEntry.pulumiType;
export const PEER_AUTHENTICATION = PeerAuthentication.pulumiType;
export const AUTHORIZATION_POLICY = AuthorizationPolicy.pulumiType;
export const TELEMETRY = Telemetry.pulumiType;
export const CERTIFICATE = Certificate.pulumiType;
export const CLUSTER_ISSUER = ClusterIssuer.pulumiType;
export const HTTP_ROUTE = HTTPRoute.pulumiType;
/** A Gateway API Gateway (waypoints, Gateway API ingress); ISTIO_GATEWAY is networking.istio.io's. */
export const KUBERNETES_GATEWAY = KubernetesGateway.pulumiType;
/** Every Kubernetes provider resource, explicit or default, is registered under this token. */
export const PROVIDER = `pulumi:providers:${tokenOf(k8s.Provider)}`;
