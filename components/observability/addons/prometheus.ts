/** Prometheus: the prometheus-community chart, scraped by nothing else of the stack but read by Grafana and Kiali. */
import type { ConfigReader } from "../../../config/reader";
import {
    ChartResourceDefaults,
    ChartResources,
    K8sResources,
    chartResources,
    readResources,
} from "../../shared/resources";
import type { Addon } from "../addon";
import { PROMETHEUS } from "../endpoints";
import {
    AddonResources,
    ChartSource,
    Persistence,
    persistenceSwitch,
    readChart,
    readPersistence,
} from "../settings";
import { HELPER_CONTAINER_RESOURCES, NO_SIDECAR, SCRAPE_INTERVAL } from "../values";

export interface PrometheusSettings {
    enabled: boolean;
    chart: ChartSource;
    retention: string;
    /** "" means no size-based retention. */
    retentionSize: string;
    persistence: Persistence;
    resources: AddonResources;
}

function parse(r: ConfigReader, p: string): PrometheusSettings {
    return {
        enabled: r.bool(`${p}.enabled`),
        chart: readChart(r, p),
        retention: r.string(`${p}.retention`, {
            pattern: /^[0-9]+(y|w|d|h|m|s)$/,
            patternHint: "a Prometheus duration such as 15d or 12h",
        }),
        retentionSize: r.string(`${p}.retentionSize`, {
            pattern: /^[0-9]+(B|KB|MB|GB|TB|PB)$/,
            patternHint: "a size such as 5GB, or empty for no size limit",
        }),
        persistence: readPersistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
    };
}

/**
 * The chart's `resources` default (an empty setting removes exactly this, see chartResources):
 * prometheus-community/helm-charts prometheus-28.13.0 values.yaml `server.resources: {}`.
 */
export const PROMETHEUS_RESOURCE_DEFAULTS: ChartResourceDefaults = {};

export interface PrometheusValues {
    alertmanager: { enabled: false };
    "kube-state-metrics": { enabled: false };
    "prometheus-node-exporter": { enabled: false };
    "prometheus-pushgateway": { enabled: false };
    configmapReload: { prometheus: { resources: K8sResources } };
    server: {
        fullnameOverride: string;
        service: { servicePort: number };
        global: { scrape_interval: string };
        retention: string;
        retentionSize: string;
        persistentVolume: { enabled: boolean; size?: string; storageClass?: string };
        podLabels: Record<string, string>;
        resources: ChartResources;
    };
}

function prometheusVolume(p: Persistence): PrometheusValues["server"]["persistentVolume"] {
    if (!p.enabled) {
        return { enabled: false };
    }
    return p.storageClass === undefined
        ? { enabled: true, size: p.size }
        : { enabled: true, size: p.size, storageClass: p.storageClass };
}

export function prometheusValues(s: PrometheusSettings): PrometheusValues {
    return {
        alertmanager: { enabled: false },
        "kube-state-metrics": { enabled: false },
        "prometheus-node-exporter": { enabled: false },
        "prometheus-pushgateway": { enabled: false },
        configmapReload: { prometheus: { resources: HELPER_CONTAINER_RESOURCES } },
        server: {
            // Without the override the Service would be <release>-server on port 80, not the
            // prometheus:9090 that Kiali and Grafana are pointed at.
            fullnameOverride: PROMETHEUS.service,
            service: { servicePort: PROMETHEUS.port },
            global: { scrape_interval: SCRAPE_INTERVAL },
            retention: s.retention,
            retentionSize: s.retentionSize,
            persistentVolume: prometheusVolume(s.persistence),
            podLabels: { ...NO_SIDECAR },
            resources: chartResources(s.resources, PROMETHEUS_RESOURCE_DEFAULTS),
        },
    };
}

export const prometheus: Addon<"prometheus", PrometheusSettings> = {
    name: "prometheus",
    parse,
    switches: (p) => [persistenceSwitch(p)],
    enabled: (cfg) => cfg.prometheus.enabled,
    build(ctx) {
        ctx.chart(
            "prometheus",
            PROMETHEUS.release,
            "prometheus",
            ctx.config.prometheus.chart,
            prometheusValues(ctx.config.prometheus),
        );
    },
    ui: {
        service: PROMETHEUS.service,
        servicePort: PROMETHEUS.port,
        localPort: PROMETHEUS.port,
        path: "",
    },
};
