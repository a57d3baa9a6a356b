/**
 * The mesh's one root of trust, held by one stack: Istio's plug-in CA (`cacerts`), as in istio.io
 * "Plug in CA Certificates" and istio/istio tools/certs (Makefile.selfsigned.mk, common.mk, read
 * at 1.30.3): an RSA 4096 root, and per cluster an intermediate CA (CA:true, path length 0, SAN
 * istiod.<ns>.svc) whose chain is the intermediate followed by the root.
 *
 * Why plug-in CA and not cert-manager with istio-csr: the root key then lives in exactly one
 * place (this component's state in the root stack, a secret, protected), nothing of it is copied
 * into any cluster, offline review sees every certificate the program issues, and istiod keeps its
 * own CA server; istio-csr would need the root (or an issuer holding it) reachable from every
 * cluster's cert-manager, and istio.io recommends it only for new clusters "until Certificate
 * Authority rotation is supported".
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { MeshTrust, PluginCa } from "./peers";

export interface MeshRootCaArgs {
    meshId: string;
    /** The cluster stacks that get an intermediate, as the root stack's config names them. */
    clusters: string[];
    /** Raising it replaces every intermediate: new keys, same root. */
    generation: number;
    intermediateValidityHours: number;
    /** The root namespace, whose istiod's Service DNS name each intermediate carries. */
    rootNamespace: string;
}

/**
 * How long before expiry an intermediate is renewed: the last quarter of its validity (for the
 * default 8760 h, about 91 days; at the 24 h minimum of multicluster.trust.intermediateValidityHours,
 * 6 h, so always within the validity). From then on each `up` of the root stack issues a new
 * certificate for the same key (the tls provider's `readyForRenewal` replaces it), and each peer's
 * next `up` writes it to its `cacerts` (docs/multicluster.md, "Rotating trust").
 */
export function earlyRenewalHours(validityHours: number): number {
    return Math.floor(validityHours / 4);
}

/** The root's lifetime, as Istio's tooling gives it (ROOTCA_DAYS 3650). */
const ROOT_VALIDITY_HOURS = 3650 * 24;

export class MeshRootCa extends pulumi.ComponentResource {
    /** Root certificate and one plug-in CA per cluster stack (secret). */
    public readonly trust: pulumi.Output<MeshTrust>;

    constructor(name: string, args: MeshRootCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:multicluster:MeshRootCa", name, {}, opts);
        // Deleting the root key would orphan every cluster's trust: it is protected whatever the
        // stack's cluster.protect says (docs/multicluster.md says how to retire a mesh).
        const rootKey = new tls.PrivateKey(
            `${name}-root-key`,
            { algorithm: "RSA", rsaBits: 4096 },
            { parent: this, protect: true },
        );
        const rootCert = new tls.SelfSignedCert(
            `${name}-root-cert`,
            {
                privateKeyPem: rootKey.privateKeyPem,
                subject: { organization: "Istio", organizationalUnit: args.meshId, commonName: "Root CA" },
                isCaCertificate: true,
                validityPeriodHours: ROOT_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            },
            { parent: this, protect: true },
        );
        const clusters: Record<string, pulumi.Output<PluginCa>> = {};
        for (const cluster of args.clusters) {
            const id = `${name}-${cluster.replace(/[^A-Za-z0-9-]/g, "-")}`;
            // A new generation replaces the key, and with it the request and the certificate it
            // signs (their inputs change); `npm run diff` shows the trigger's change.
            const rotation = { parent: this, replacementTrigger: args.generation };
            const key = new tls.PrivateKey(`${id}-key`, { algorithm: "RSA", rsaBits: 4096 }, rotation);
            const csr = new tls.CertRequest(
                `${id}-csr`,
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: {
                        organization: "Istio",
                        organizationalUnit: args.meshId,
                        commonName: "Intermediate CA",
                        locality: cluster,
                    },
                    dnsNames: [`istiod.${args.rootNamespace}.svc`],
                },
                { parent: this },
            );
            const cert = new tls.LocallySignedCert(
                `${id}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: rootKey.privateKeyPem,
                    caCertPem: rootCert.certPem,
                    isCaCertificate: true,
                    maxPathLength: 0,
                    validityPeriodHours: args.intermediateValidityHours,
                    earlyRenewalHours: earlyRenewalHours(args.intermediateValidityHours),
                    allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                },
                rotation,
            );
            clusters[cluster] = pulumi
                .all([cert.certPem, key.privateKeyPem, rootCert.certPem])
                .apply(([caCert, caKey, root]) => ({
                    caCert,
                    caKey,
                    rootCert: root,
                    certChain: `${caCert.trimEnd()}\n${root.trimEnd()}\n`,
                }));
        }
        this.trust = pulumi.secret(
            pulumi.all([rootCert.certPem, pulumi.all(clusters)]).apply(([root, c]) => ({
                rootCert: root,
                clusters: c,
            })),
        );
        this.registerOutputs({ trust: this.trust });
    }
}
