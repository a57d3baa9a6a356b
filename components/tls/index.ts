export { IngressTls, RELEASE_ANNOTATION } from "./ingressTls";
export { httpsUrls } from "./access";
export type { IngressTlsArgs } from "./ingressTls";
export type { GatewayTls } from "../shared/ingress";
export { parseTlsConfig } from "./config";
export type { IssuerConfig, TlsConfig } from "./config";
export { dnsNameCovers, dnsNameProblem, gatewayTlsIssues, uncoveredHosts } from "./hosts";
export {
    ACME_DIRECTORY,
    DEV_CA,
    INGRESS_CERT_SECRET,
    certManagerArgs,
    ingressCertificateSpec,
    issuerPlan,
} from "./specs";
