import * as certmanager from "@pulumi/kubernetes-cert-manager";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { protectOpts } from "../cluster/protection";
import { Certificate, ClusterIssuer } from "../crds";
import type { GatewayTls } from "../shared/ingress";
import { TlsConfig } from "./config";
import {
    INGRESS_CERT_SECRET,
    certManagerArgs,
    ingressCertificateSpec,
    issuerPlan,
    waitsForCertificate,
} from "./specs";

/** The `tls.*` settings IngressTls reads (`enabled` and the production checks stay in config). */
export type IngressTlsSettings = Pick<TlsConfig, "hosts" | "issuer" | "httpsRedirect" | "certManager">;

export interface IngressTlsArgs {
    config: IngressTlsSettings;
    provider: k8s.Provider;
    /** Namespace of the ingress gateway, where Istio reads `credentialName` Secrets from. */
    gatewayNamespace: pulumi.Input<string>;
    /** `cluster.protect`: protect cert-manager's namespace and release (the owner of its CRDs). */
    protect?: boolean;
}

/** Annotation that carries the cert-manager release into each cert-manager object (see below). */
export const RELEASE_ANNOTATION = "istio-mesh/cert-manager-release";
const WAIT_FOR_READY = { "pulumi.com/waitFor": "condition=Ready" };
/** cert-manager objects are rejected until its webhook serves; Ready waits include issuance. */
const CUSTOM_TIMEOUTS = { create: "15m", update: "15m" };

/**
 * HTTPS at the ingress: cert-manager from the jetstack chart, the issuer chain the config asks
 * for, and one Certificate for all configured hosts in the gateway namespace.
 *
 * Ordering: cert-manager's admission webhook rejects Issuers and Certificates until it serves
 * (pulumi-kubernetes-cert-manager#18). Every cert-manager object therefore (1) dependsOn the
 * CertManager component, (2) carries an annotation computed from its `status` output, a data
 * dependency that cannot resolve before the Helm release, which waits for the startupapicheck hook
 * (it succeeds only once the webhook answers), has completed, and (3) gets generous timeouts.
 */
export class IngressTls extends pulumi.ComponentResource {
    public readonly certManager: certmanager.CertManager;
    public readonly certificate: InstanceType<typeof Certificate>;
    /** The Secret holding the certificate, in the gateway namespace. */
    public readonly credentialName: pulumi.Output<string>;
    /** What the Bookinfo Gateway (and any other Gateway on these hosts) is given. */
    public readonly gatewayTls: GatewayTls;

    constructor(name: string, args: IngressTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:tls:IngressTls", name, {}, opts);
        const cfg = args.config;
        const k8sOpts = { parent: this, provider: args.provider };

        const namespace = new k8s.core.v1.Namespace(
            `${name}-cert-manager-namespace`,
            { metadata: { name: cfg.certManager.namespace } },
            { ...k8sOpts, ...protectOpts(args.protect ?? false) },
        );
        const chart = certManagerArgs(cfg.certManager);
        this.certManager = new certmanager.CertManager(
            `${name}-cert-manager`,
            {
                global: chart.global,
                startupapicheck: chart.startupapicheck,
                helmOptions: {
                    name: "cert-manager",
                    chart: "cert-manager",
                    version: cfg.certManager.version,
                    repositoryOpts: { repo: cfg.certManager.chartRepository },
                    namespace: namespace.metadata.name,
                    values: chart.values,
                    // Helm waits for the workloads and the startupapicheck hook before the
                    // release (and so the component's `status`) completes.
                    skipAwait: false,
                    timeout: 600,
                },
            },
            // A remote component: the Kubernetes provider is handed to its Helm release. The
            // chart keeps its CRDs on uninstall (crds.keep); protected, the release itself cannot
            // be uninstalled by a destroy or a rename.
            { parent: this, providers: [args.provider], ...protectOpts(args.protect ?? false) },
        );

        const release = this.certManager.status;
        const ordered = (waitForReady: boolean): k8s.types.input.meta.v1.ObjectMeta["annotations"] => ({
            [RELEASE_ANNOTATION]: pulumi.interpolate`${release.namespace}/${release.name}`,
            ...(waitForReady ? WAIT_FOR_READY : {}),
        });
        const crOpts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
            ...k8sOpts,
            dependsOn: [this.certManager, ...dependsOn],
            customTimeouts: CUSTOM_TIMEOUTS,
        });

        const plan = issuerPlan(cfg.issuer);
        const roots = plan.rootIssuers.map(
            (i) =>
                new ClusterIssuer(
                    `${name}-${i.role}`,
                    { metadata: { name: i.name, annotations: ordered(false) }, spec: i.spec },
                    crOpts([]),
                ),
        );
        const ca = plan.caCertificate
            ? new Certificate(
                  `${name}-ca-certificate`,
                  {
                      metadata: {
                          name: plan.caCertificate.name,
                          // A ClusterIssuer reads its CA Secret from cert-manager's namespace.
                          namespace: namespace.metadata.name,
                          annotations: ordered(true),
                      },
                      spec: plan.caCertificate.spec,
                  },
                  crOpts(roots),
              )
            : undefined;
        const issuers = plan.issuers.map(
            (i) =>
                new ClusterIssuer(
                    `${name}-${i.role}`,
                    { metadata: { name: i.name, annotations: ordered(false) }, spec: i.spec },
                    crOpts(ca ? [ca] : []),
                ),
        );

        this.certificate = new Certificate(
            `${name}-ingress-certificate`,
            {
                metadata: {
                    name: "ingress",
                    namespace: args.gatewayNamespace,
                    annotations: ordered(waitsForCertificate(cfg.issuer)),
                },
                spec: ingressCertificateSpec(cfg, plan.ingressIssuer),
            },
            crOpts(issuers),
        );

        // Derived from the Certificate so that a Gateway using the name depends on it.
        this.credentialName = this.certificate.urn.apply(() => INGRESS_CERT_SECRET);
        this.gatewayTls = {
            credentialName: this.credentialName,
            hosts: [...cfg.hosts],
            httpsRedirect: cfg.httpsRedirect,
            dependsOn: [this.certificate],
        };
        this.registerOutputs({
            credentialName: this.credentialName,
            certManagerRelease: release,
        });
    }
}
