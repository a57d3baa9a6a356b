import { ConfigReader, DNS_LABEL, show } from "../../config/reader";
import { dnsNameProblem } from "./hosts";

export const ISSUERS = ["selfSigned", "acme", "existing"] as const;
export const ACME_SERVERS = ["staging", "production"] as const;
export const ISSUER_KINDS = ["ClusterIssuer", "Issuer"] as const;

export type AcmeServer = (typeof ACME_SERVERS)[number];

/** Where the ingress certificate comes from. */
export type IssuerConfig =
    /** A self-signed root, a CA Certificate and a CA ClusterIssuer, all in-cluster. */
    | { type: "selfSigned" }
    /** Let's Encrypt through HTTP-01, answered by the Istio ingress gateway. */
    | { type: "acme"; server: AcmeServer; email: string }
    /** An issuer managed elsewhere; an `Issuer` must live in the gateway namespace. */
    | { type: "existing"; name: string; kind: (typeof ISSUER_KINDS)[number] };

export interface CertManagerSettings {
    /** Version of the jetstack cert-manager chart (always "v"-prefixed). */
    version: string;
    namespace: string;
    chartRepository: string;
}

export interface TlsConfig {
    enabled: boolean;
    /** Whether this stack is production (a self-signed issuer then needs an explicit opt-in). */
    production: boolean;
    /** DNS names served over HTTPS: the Certificate's dnsNames and the Gateway's TLS hosts. */
    hosts: string[];
    issuer: IssuerConfig;
    httpsRedirect: boolean;
    allowSelfSignedInProd: boolean;
    certManager: CertManagerSettings;
}

/** Jetstack publishes cert-manager charts with a leading "v" (v1.21.2). */
const CHART_VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Kubernetes object names (DNS-1123 subdomain), for an existing issuer. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseTlsConfig(r: ConfigReader): TlsConfig {
    const enabled = r.bool("tls.enabled");
    const production = r.bool("tls.production");
    const allowSelfSignedInProd = r.bool("tls.allowSelfSignedInProd");
    const httpsRedirect = r.bool("tls.httpsRedirect");
    const hosts = r.stringList("tls.hosts");
    hosts.forEach((host, i) => {
        const problem = dnsNameProblem(host);
        if (problem !== undefined) {
            r.error(`tls.hosts[${i}]`, `${show(host)} is not a valid DNS name: ${problem}`);
        }
    });

    const type = r.choice("tls.issuer", ISSUERS);
    // Every key is read (and type-checked) whatever the issuer, so a typo is never silently ignored.
    const server = r.choice("tls.acme.server", ACME_SERVERS);
    const email = r.string("tls.acme.email", {
        pattern: EMAIL,
        patternHint: "an e-mail address such as ops@example.com",
    });
    const existingName = r.string("tls.existingIssuer.name", {
        pattern: OBJECT_NAME,
        patternHint: "a Kubernetes object name (lowercase letters, digits, '-' and '.')",
    });
    const existingKind = r.choice("tls.existingIssuer.kind", ISSUER_KINDS);
    const certManager: CertManagerSettings = {
        version: r.string("tls.certManager.version", {
            pattern: CHART_VERSION,
            patternHint: "a jetstack chart version such as v1.21.2",
        }),
        namespace: r.string("tls.certManager.namespace", {
            pattern: DNS_LABEL,
            patternHint: "a lowercase DNS label (letters, digits, '-')",
            maxLength: 63,
        }),
        chartRepository: r.string("tls.certManager.chartRepository", {
            pattern: /^(https?|oci):\/\/\S+$/,
            patternHint: "an http(s):// or oci:// repository URL",
        }),
    };

    const issuer: IssuerConfig =
        type === "acme"
            ? { type, server, email }
            : type === "existing"
              ? { type, name: existingName, kind: existingKind }
              : { type };

    if (enabled) {
        requireComplete(r, { hosts, issuer, httpsRedirect, production, allowSelfSignedInProd });
    }
    return { enabled, production, hosts, issuer, httpsRedirect, allowSelfSignedInProd, certManager };
}

/** Rules that only matter once TLS is on (a stack may carry a prepared but disabled section). */
function requireComplete(
    r: ConfigReader,
    c: Pick<TlsConfig, "hosts" | "issuer" | "httpsRedirect" | "production" | "allowSelfSignedInProd">,
): void {
    if (c.hosts.length === 0) {
        r.error("tls.hosts", "must list at least one DNS name when tls.enabled is true");
    }
    const issuer = c.issuer;
    if (issuer.type === "selfSigned" && c.production && !c.allowSelfSignedInProd) {
        r.error(
            "tls.issuer",
            `"selfSigned" is refused when tls.production is true (browsers will not trust it); ` +
                `use acme or existing, or set tls.allowSelfSignedInProd to true to accept it`,
        );
    }
    if (issuer.type === "acme") {
        if (issuer.email === "") {
            r.error(
                "tls.acme.email",
                "must be set when tls.issuer is acme (Let's Encrypt sends expiry notices there)",
            );
        }
        c.hosts.forEach((host, i) => {
            if (host.startsWith("*.")) {
                r.error(
                    `tls.hosts[${i}]`,
                    `${show(host)}: Let's Encrypt issues wildcard names only through DNS-01, ` +
                        `which this program does not configure; use tls.issuer existing with a DNS-01 issuer`,
                );
            }
        });
        if (c.httpsRedirect) {
            r.error(
                "tls.httpsRedirect",
                "must be false when tls.issuer is acme: the HTTP-01 challenge is answered on port 80 " +
                    "and Istio applies a Gateway's HTTPS redirect to every path of the host, " +
                    "/.well-known/acme-challenge/ included (istio/istio#33593); " +
                    "use tls.issuer existing with a DNS-01 issuer to redirect",
            );
        }
    }
    if (issuer.type === "existing" && issuer.name === "") {
        r.error("tls.existingIssuer.name", "must be set when tls.issuer is existing");
    }
}
