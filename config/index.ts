import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, parseClusterConfig } from "../components/cluster/config";
import { BookinfoConfig, parseBookinfoConfig } from "../components/bookinfo/config";
import { IstioConfig, parseIstioConfig } from "../components/istio/config";
import {
    KIALI_OIDC_SECRET_KEY,
    ObservabilityConfig,
    parseObservabilityConfig,
} from "../components/observability/config";
import { httpsHosts } from "../components/observability/access";
import { TlsConfig, parseTlsConfig } from "../components/tls/config";
import { gatewayTlsIssues } from "../components/tls/hosts";
import { dataPlaneIssues } from "../components/istio/support";
import { ConfigError, ConfigIssue, ConfigReader, RawConfig } from "./reader";

export { ConfigError, formatIssues } from "./reader";
export type { ConfigIssue, RawConfig } from "./reader";

/** The whole validated stack configuration, one section per concern. */
export interface StackConfig {
    stack: string;
    cluster: ClusterConfig;
    istio: IstioConfig;
    observability: ObservabilityConfig;
    bookinfo: BookinfoConfig;
    tls: TlsConfig;
}

/** The structured config keys this program owns (each one object in the stack file). */
export const CONFIG_SECTIONS = [
    "cluster",
    "istio",
    "istiod",
    "ztunnel",
    "cni",
    "gateway",
    "mesh",
    "observability",
    "bookinfo",
    "tls",
] as const;

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates the raw stack config (project defaults already applied, as the Pulumi CLI does) and
 * returns either the typed config or every problem found. Pure: no Pulumi engine needed.
 */
export function parseStackConfig(raw: RawConfig, stack: string): ParseResult {
    const r = new ConfigReader(raw);
    for (const key of Object.keys(raw)) {
        const head = key.split(".")[0];
        if (key.includes(".") && (CONFIG_SECTIONS as readonly string[]).includes(head)) {
            // `pulumi config set istio.version x` without --path creates a flat key that the
            // program would otherwise ignore in favour of the default.
            r.error(key, `was set as a flat key; set it with \`pulumi config set --path ${key} <value>\``);
        }
    }
    const config: StackConfig = {
        stack,
        cluster: parseClusterConfig(r),
        istio: parseIstioConfig(r),
        observability: parseObservabilityConfig(r),
        bookinfo: parseBookinfoConfig(r),
        tls: parseTlsConfig(r),
    };
    r.rejectUnknownKeys(CONFIG_SECTIONS);
    if (config.bookinfo.enabled) {
        const taken = [
            config.istio.rootNamespace,
            config.istio.gateway.namespace,
            ...config.istio.namespaces.map((n) => n.name),
        ];
        if (taken.includes(config.bookinfo.namespace)) {
            r.error(
                "bookinfo.namespace",
                `${JSON.stringify(config.bookinfo.namespace)} is already used by istio.rootNamespace, gateway.namespace or mesh.namespaces; Bookinfo needs a namespace of its own`,
            );
        }
    }
    for (const issue of dataPlaneIssues(config)) {
        r.error(issue.key, issue.message);
    }
    if (config.tls.enabled) {
        // Every host a Gateway serves with the ingress certificate must be one the certificate
        // covers, or browsers fail the handshake: Bookinfo serves tls.hosts, the addon UIs their
        // named hosts.
        for (const issue of gatewayTlsIssues(httpsHosts(config.observability), config.tls.hosts)) {
            r.error(issue.key, issue.message);
        }
    }
    return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, config };
}

/**
 * Reads this project's config from the running Pulumi program. Values arrive as strings (objects
 * as JSON); secret keys are left out here and read with `getSecret` by the code that needs them.
 * Throws a {@link ConfigError} listing every problem, before any resource is declared.
 */
export function readStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        const [ns, name] = key.split(":", 2);
        if (ns !== project) {
            continue;
        }
        // Only the structured sections are decoded. Other keys are secrets: the parser learns only
        // whether they are set, and readStackSecrets hands their values on as Pulumi secrets.
        raw[name] = (CONFIG_SECTIONS as readonly string[]).includes(name)
            ? decode(value)
            : value === ""
              ? ""
              : SET;
    }
    const result = parseStackConfig(raw, pulumi.getStack());
    if (!result.ok) {
        throw new ConfigError(result.issues, pulumi.getStack());
    }
    return result.config;
}

/** Stands for a secret's value while the config is validated. */
const SET = "[set]";

/** Secret config values, as Pulumi secrets, for the components that need them. */
export interface StackSecrets {
    /** The Kiali OIDC client secret (openid strategy only). */
    kialiOidcClientSecret?: pulumi.Output<string>;
}

export function readStackSecrets(cfg: StackConfig): StackSecrets {
    const config = new pulumi.Config();
    return {
        kialiOidcClientSecret:
            cfg.observability.enabled &&
            cfg.observability.kiali.enabled &&
            cfg.observability.kiali.strategy === "openid"
                ? config.requireSecret(KIALI_OIDC_SECRET_KEY)
                : undefined,
    };
}

function decode(value: string): unknown {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}
