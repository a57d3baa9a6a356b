/**
 * What the TLS component declares, as plain data built from the validated config: the cert-manager
 * chart values, the issuer chain for each issuer type and the ingress Certificate.
 *
 * Pure functions, so every environment's objects can be asserted on (and schema-validated) without
 * the engine; the component only turns this data into resources and wires their order.
 */
import type { CertificateSpec, ClusterIssuerSpec } from "../crds/certManager";
import { ISTIO_INGRESS_CLASS } from "../shared/names";
import { AcmeServer, CertManagerSettings, IssuerConfig, TlsConfig } from "./config";

/** Secret (in the gateway namespace) holding the ingress certificate: the Gateway's credentialName. */
export const INGRESS_CERT_SECRET = "istio-mesh-ingress-tls";

export const ACME_DIRECTORY: Record<AcmeServer, string> = {
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
    production: "https://acme-v02.api.letsencrypt.org/directory",
};

/** The dev root: self-signed, then used as the CA that signs the ingress certificate. */
export const DEV_CA = {
    selfSignedIssuer: "istio-mesh-selfsigned",
    certificate: "istio-mesh-ca",
    secret: "istio-mesh-ca",
    issuer: "istio-mesh-ca",
    commonName: "istio-mesh development CA",
    // A root that browsers and curl are told to trust by hand; ten years so it is done once.
    duration: "87600h",
} as const;

export interface IssuerRef {
    name: string;
    kind: "ClusterIssuer" | "Issuer";
    group: "cert-manager.io";
}

/** One ClusterIssuer this program creates; `role` names its Pulumi resource. */
export interface ClusterIssuerPlan {
    role: string;
    name: string;
    spec: ClusterIssuerSpec;
}

/** The issuer chain for one issuer type, in creation order. */
export interface IssuerPlan {
    /** Issuers created before the CA certificate (the self-signed root issuer). */
    rootIssuers: ClusterIssuerPlan[];
    /** The CA certificate (in cert-manager's namespace), when the chain has one. */
    caCertificate?: { name: string; spec: CertificateSpec };
    /** Issuers created after the CA certificate is Ready (they read its Secret). */
    issuers: ClusterIssuerPlan[];
    /** What the ingress Certificate references. */
    ingressIssuer: IssuerRef;
}

/**
 * What the CertManager component is given. Keys that the component has a typed field for
 * (`global`, `startupapicheck`) must be passed typed: its Go side copies every typed field into
 * the Helm values, unset ones as nil, over `helmOptions.values` (pulumi-go-helmbase
 * `InitDefaults`), so the same keys under `helmOptions.values` would never reach the chart.
 * Only keys without a typed field (`crds`) go under `helmOptions.values`. All of them are keys
 * the chart's values.schema.json declares.
 */
export interface CertManagerChartArgs {
    global: { leaderElection: { namespace: string } };
    startupapicheck: { enabled: boolean; timeout: string };
    values: { crds: { enabled: boolean; keep: boolean } };
}

export function certManagerArgs(s: CertManagerSettings): CertManagerChartArgs {
    return {
        // Some clusters forbid writing leases to kube-system (GKE Autopilot).
        global: { leaderElection: { namespace: s.namespace } },
        // The post-install hook that completes only once the webhook answers; with Helm waiting
        // for it, the release (and so the Issuers after it) cannot win the race with the webhook.
        startupapicheck: { enabled: true, timeout: "5m" },
        // The non-deprecated replacement of installCRDs; keep: uninstalling the chart must not
        // garbage-collect every Certificate and Issuer with the CRDs.
        values: { crds: { enabled: true, keep: true } },
    };
}

export function acmeIssuerName(server: AcmeServer): string {
    return `letsencrypt-${server}`;
}

const clusterIssuerRef = (name: string): IssuerRef => ({
    name,
    kind: "ClusterIssuer",
    group: "cert-manager.io",
});

export function issuerPlan(issuer: IssuerConfig): IssuerPlan {
    switch (issuer.type) {
        case "selfSigned":
            return {
                rootIssuers: [
                    { role: "selfsigned-issuer", name: DEV_CA.selfSignedIssuer, spec: { selfSigned: {} } },
                ],
                caCertificate: {
                    name: DEV_CA.certificate,
                    spec: {
                        isCA: true,
                        commonName: DEV_CA.commonName,
                        secretName: DEV_CA.secret,
                        duration: DEV_CA.duration,
                        privateKey: { algorithm: "ECDSA", size: 256 },
                        issuerRef: clusterIssuerRef(DEV_CA.selfSignedIssuer),
                    },
                },
                issuers: [
                    { role: "ca-issuer", name: DEV_CA.issuer, spec: { ca: { secretName: DEV_CA.secret } } },
                ],
                ingressIssuer: clusterIssuerRef(DEV_CA.issuer),
            };
        case "acme": {
            const name = acmeIssuerName(issuer.server);
            return {
                rootIssuers: [],
                issuers: [
                    {
                        role: "acme-issuer",
                        name,
                        spec: {
                            acme: {
                                server: ACME_DIRECTORY[issuer.server],
                                email: issuer.email,
                                privateKeySecretRef: { name: `${name}-account-key` },
                                // `class` (the ingress.class annotation) rather than
                                // ingressClassName: istiod serves annotated Ingresses without an
                                // IngressClass object, which the Istio charts do not install.
                                solvers: [{ http01: { ingress: { class: ISTIO_INGRESS_CLASS } } }],
                            },
                        },
                    },
                ],
                ingressIssuer: clusterIssuerRef(name),
            };
        }
        case "existing":
            return {
                rootIssuers: [],
                issuers: [],
                ingressIssuer: { name: issuer.name, kind: issuer.kind, group: "cert-manager.io" },
            };
    }
}

/** The certificate the ingress gateway serves, for every configured host. */
export function ingressCertificateSpec(cfg: Pick<TlsConfig, "hosts">, issuerRef: IssuerRef): CertificateSpec {
    return {
        secretName: INGRESS_CERT_SECRET,
        dnsNames: [...cfg.hosts],
        issuerRef,
        // Duration and renewal are left to cert-manager's defaults (renew at 2/3 of the lifetime),
        // which follow whatever lifetime the CA or Let's Encrypt actually grants.
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    };
}

/**
 * Whether `pulumi up` should wait for the ingress Certificate to be Ready. Only for the in-cluster
 * CA, which issues in seconds: an ACME order needs DNS to point at a load balancer that this very
 * update may have created, and an existing issuer's latency is unknown. Istio serves the HTTPS
 * server as soon as the Secret appears, so not waiting is safe.
 */
export function waitsForCertificate(issuer: IssuerConfig): boolean {
    return issuer.type === "selfSigned";
}
