import { quantityValue } from "../../config/quantity";
import { ConfigReader, DNS_LABEL, QUANTITY, SEMVER } from "../../config/reader";
import { ResourceSettings, readResources } from "../shared/resources";
import { KIALI_CHART_ROLES } from "./viewers";

/** Kubernetes requests and limits of one addon; an empty limit means "no limit". */
export type AddonResources = ResourceSettings;

/** A PersistentVolumeClaim instead of an emptyDir; an unset `storageClass` is the cluster default. */
export interface Persistence {
    enabled: boolean;
    size: string;
    storageClass?: string;
}

/** Exposure of one UI through the Istio ingress gateway on a host ("*" = any) under its path. */
export interface Ingress {
    enabled: boolean;
    host: string;
}

export interface ChartSource {
    version: string;
    repository: string;
}

export interface PrometheusSettings {
    enabled: boolean;
    chart: ChartSource;
    retention: string;
    /** "" means no size-based retention. */
    retentionSize: string;
    persistence: Persistence;
    resources: AddonResources;
}

export interface GrafanaSettings {
    enabled: boolean;
    chart: ChartSource;
    /** Anonymous Viewer access; never allowed together with ingress exposure. */
    anonymous: boolean;
    /** Base URL of a mirror of Istio's dashboard files; unset downloads them from GitHub. */
    dashboardsSource?: string;
    persistence: Persistence;
    resources: AddonResources;
    ingress: Ingress;
}

export const JAEGER_STORAGES = ["memory", "badger"] as const;
export type JaegerStorage = (typeof JAEGER_STORAGES)[number];

export interface JaegerSettings {
    enabled: boolean;
    image: string;
    storage: JaegerStorage;
    /** Traces kept by the memory backend. */
    maxTraces: number;
    /** Span time-to-live of the badger backend, a Go duration such as 72h. */
    retention: string;
    persistence: Persistence;
    resources: AddonResources;
    ingress: Ingress;
}

export const KIALI_STRATEGIES = ["token", "openid", "anonymous"] as const;
export type KialiStrategy = (typeof KIALI_STRATEGIES)[number];

export interface KialiOpenId {
    clientId: string;
    issuerUri: string;
    usernameClaim: string;
    disableRbac: boolean;
}

export interface KialiSettings {
    enabled: boolean;
    chart: ChartSource;
    strategy: KialiStrategy;
    /** One ServiceAccount with a long-lived token per name (token strategy). */
    viewers: string[];
    /** ClusterRole the viewers are bound to (by default the stack's own read-only role). */
    viewerRole: string;
    /** Also grant viewers pod port-forwarding (Kiali's proxy log-level control); off by default. */
    viewerPortForward: boolean;
    /** Part of the token Secrets' names: changing it replaces every viewer token. */
    tokenRotation?: string;
    openid?: KialiOpenId;
    resources: AddonResources;
    ingress: Ingress;
}

export interface ObservabilityConfig {
    enabled: boolean;
    prometheus: PrometheusSettings;
    grafana: GrafanaSettings;
    jaeger: JaegerSettings;
    kiali: KialiSettings;
}

/** Top-level secret config key holding the Kiali OIDC client secret (read with getSecret). */
export const KIALI_OIDC_SECRET_KEY = "kialiOidcClientSecret";

/** `secret:<name>:<key>` references in Kiali values are mounted by the chart from this version on. */
export const KIALI_MIN_CHART = [2, 21] as const;

const REPOSITORY = {
    pattern: /^(https?|oci):\/\/\S+$/,
    patternHint: "an http(s):// or oci:// repository URL",
};
const VERSION = { pattern: SEMVER, patternHint: "a pinned chart version such as 1.2.3" };
const HOST = {
    pattern: /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/,
    maxLength: 253,
    patternHint:
        'a DNS host name such as kiali.example.com, "*.example.com" or "*" (labels of at most 63 characters)',
};
const STORAGE_CLASS = {
    pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    patternHint: "a StorageClass name, or empty for the cluster default",
};
/** Image reference with an explicit tag or digest, never `latest`. */
const PINNED_IMAGE = /^[a-z0-9./_-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$/;

function persistence(r: ConfigReader, prefix: string): Persistence {
    const size = r.string(`${prefix}.size`, {
        pattern: QUANTITY,
        patternHint: "a Kubernetes quantity such as 10Gi",
    });
    if (size === "") {
        r.error(`${prefix}.size`, "must not be empty");
    } else if (quantityValue(size) === 0) {
        // The API server requires a claim's storage request to be positive
        // (kubernetes pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimSpec).
        r.error(
            `${prefix}.size`,
            `${JSON.stringify(size)} is not allowed; a volume size must be greater than zero`,
        );
    }
    return {
        enabled: r.bool(`${prefix}.enabled`),
        size,
        storageClass: r.optionalString(`${prefix}.storageClass`, STORAGE_CLASS),
    };
}

function chart(r: ConfigReader, prefix: string): ChartSource {
    const version = r.string(`${prefix}.chartVersion`, VERSION);
    if (version === "") {
        r.error(`${prefix}.chartVersion`, "must be set: every chart is pinned");
    }
    return { version, repository: r.string(`${prefix}.chartRepository`, REPOSITORY) };
}

function ingress(r: ConfigReader, prefix: string): Ingress {
    const host = r.string(`${prefix}.ingress.host`, HOST);
    if (host === "") {
        r.error(`${prefix}.ingress.host`, 'must not be empty; use "*" for any host');
    }
    return { enabled: r.bool(`${prefix}.ingress.enabled`), host };
}

function parsePrometheus(r: ConfigReader): PrometheusSettings {
    const p = "observability.prometheus";
    return {
        enabled: r.bool(`${p}.enabled`),
        chart: chart(r, p),
        retention: r.string(`${p}.retention`, {
            pattern: /^[0-9]+(y|w|d|h|m|s)$/,
            patternHint: "a Prometheus duration such as 15d or 12h",
        }),
        retentionSize: r.string(`${p}.retentionSize`, {
            pattern: /^[0-9]+(B|KB|MB|GB|TB|PB)$/,
            patternHint: "a size such as 5GB, or empty for no size limit",
        }),
        persistence: persistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
    };
}

function parseGrafana(r: ConfigReader): GrafanaSettings {
    const p = "observability.grafana";
    const settings: GrafanaSettings = {
        enabled: r.bool(`${p}.enabled`),
        chart: chart(r, p),
        anonymous: r.bool(`${p}.anonymous`),
        dashboardsSource: r.optionalString(`${p}.dashboards.source`, {
            pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
            patternHint:
                "the http(s):// URL of a directory holding Istio's dashboard files (e.g. https://mirror.example.com/istio/dashboards), or empty for GitHub",
        }),
        persistence: persistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: ingress(r, p),
    };
    if (settings.anonymous && settings.ingress.enabled) {
        r.error(
            `${p}.anonymous`,
            `true is not allowed while ${p}.ingress.enabled is true: anonymous Grafana must stay behind kubectl port-forward`,
        );
    }
    return settings;
}

function parseJaeger(r: ConfigReader): JaegerSettings {
    const p = "observability.jaeger";
    const image = r.string(`${p}.image`, {
        pattern: PINNED_IMAGE,
        patternHint: "an image with a pinned tag or digest, e.g. docker.io/jaegertracing/jaeger:2.14.0",
    });
    if (/:latest$/.test(image)) {
        r.error(`${p}.image`, `${JSON.stringify(image)} is not pinned; give an explicit version tag`);
    } else if (/\/all-in-one:|:1\.[0-9]+/.test(image)) {
        r.error(
            `${p}.image`,
            `${JSON.stringify(image)} is a Jaeger v1 image; v1 is no longer published, use jaegertracing/jaeger:2.x`,
        );
    }
    const settings: JaegerSettings = {
        enabled: r.bool(`${p}.enabled`),
        image,
        storage: r.choice(`${p}.storage`, JAEGER_STORAGES),
        maxTraces: r.int(`${p}.maxTraces`, { min: 1000, max: 10_000_000 }),
        retention: r.string(`${p}.retention`, {
            pattern: /^[0-9]+(h|m)$/,
            patternHint: "a duration in hours or minutes such as 72h",
        }),
        persistence: persistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: ingress(r, p),
    };
    if (settings.persistence.enabled && settings.storage === "memory") {
        r.error(
            `${p}.persistence.enabled`,
            `true needs ${p}.storage "badger": the memory backend keeps nothing on disk`,
        );
    }
    return settings;
}

function parseKiali(r: ConfigReader): KialiSettings {
    const p = "observability.kiali";
    const source = chart(r, p);
    const [major, minor] = source.version.split(".").map(Number);
    if (
        SEMVER.test(source.version) &&
        (major < KIALI_MIN_CHART[0] || (major === KIALI_MIN_CHART[0] && minor < KIALI_MIN_CHART[1]))
    ) {
        r.error(
            `${p}.chartVersion`,
            `${source.version} is too old; the signing key and Grafana credentials are mounted from Secrets by kiali-server ${KIALI_MIN_CHART.join(".")}.0 or later`,
        );
    }
    const given = r.string(`${p}.auth.strategy`);
    const strategy = KIALI_STRATEGIES.find((x) => x === given) ?? "token";
    if (strategy !== given) {
        const hint =
            given === "login" ? " (Kiali removed the username/passphrase login strategy in 1.23)" : "";
        r.error(
            `${p}.auth.strategy`,
            `${JSON.stringify(given)} is not allowed; allowed values: ${KIALI_STRATEGIES.join(", ")}${hint}`,
        );
    }
    const viewers = r.stringList(`${p}.auth.viewers`, {
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label (letters, digits, '-')",
    });
    const viewerRole = r.string(`${p}.auth.viewerRole`, {
        pattern: /^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/,
        patternHint: "a ClusterRole name such as kiali-viewer",
    });
    if (KIALI_CHART_ROLES.includes(viewerRole)) {
        r.error(
            `${p}.auth.viewerRole`,
            `${JSON.stringify(viewerRole)} is the kiali-server chart's role for Kiali's own ServiceAccount (it allows port-forwarding to any pod${viewerRole === KIALI_CHART_ROLES[0] ? " and writes" : ""}); ` +
                `leave the default (the stack's read-only kiali-ui-viewer) or name a ClusterRole of your own; for port-forwarding set ${p}.auth.viewerPortForward`,
        );
    }
    const viewerPortForward = r.bool(`${p}.auth.viewerPortForward`);
    const tokenRotation = r.optionalString(`${p}.auth.tokenRotation`, {
        pattern: /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/,
        patternHint: "a short lowercase label (at most 20 letters, digits or '-') such as 2026-12, or empty",
    });
    const clientId = r.string(`${p}.auth.openid.clientId`);
    const issuerUri = r.string(`${p}.auth.openid.issuerUri`, {
        pattern: /^https:\/\/\S+$/,
        patternHint: "an https:// issuer URL",
    });
    const usernameClaim = r.string(`${p}.auth.openid.usernameClaim`);
    const disableRbac = r.bool(`${p}.auth.openid.disableRbac`);
    const kiali: KialiSettings = {
        enabled: r.bool(`${p}.enabled`),
        chart: source,
        strategy,
        viewers,
        viewerRole,
        viewerPortForward,
        tokenRotation,
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: ingress(r, p),
    };
    if (strategy === "openid") {
        kiali.openid = { clientId, issuerUri, usernameClaim, disableRbac };
        if (clientId === "") {
            r.error(`${p}.auth.openid.clientId`, 'must be set when auth.strategy is "openid"');
        }
        if (issuerUri === "") {
            r.error(`${p}.auth.openid.issuerUri`, 'must be set when auth.strategy is "openid"');
        }
        if (!r.isSet(KIALI_OIDC_SECRET_KEY)) {
            r.error(
                KIALI_OIDC_SECRET_KEY,
                `must be set when ${p}.auth.strategy is "openid": pulumi config set --secret ${KIALI_OIDC_SECRET_KEY} <client secret>`,
            );
        }
    }
    if (strategy !== "token" && viewers.length > 0) {
        r.error(
            `${p}.auth.viewers`,
            `viewer tokens are only used by the "token" strategy, not ${JSON.stringify(strategy)}`,
        );
    }
    if (strategy === "anonymous" && kiali.ingress.enabled) {
        r.error(
            `${p}.auth.strategy`,
            `"anonymous" is not allowed while ${p}.ingress.enabled is true: it would publish Kiali without a login`,
        );
    }
    return kiali;
}

export function parseObservabilityConfig(r: ConfigReader): ObservabilityConfig {
    const cfg: ObservabilityConfig = {
        enabled: r.bool("observability.enabled"),
        prometheus: parsePrometheus(r),
        grafana: parseGrafana(r),
        jaeger: parseJaeger(r),
        kiali: parseKiali(r),
    };
    if (cfg.enabled && !cfg.prometheus.enabled) {
        for (const addon of ["grafana", "kiali"] as const) {
            if (cfg[addon].enabled) {
                r.error(
                    `observability.${addon}.enabled`,
                    "true needs observability.prometheus.enabled: its metrics come from that Prometheus",
                );
            }
        }
    }
    return cfg;
}
