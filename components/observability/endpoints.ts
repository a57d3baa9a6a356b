/**
 * Names and ports of every addon Service, written once. The chart values that create the Services
 * (fullnameOverride, service ports, instance names) and the URLs the other addons use to reach them
 * are both built from these, so a renamed Service cannot leave Kiali or Grafana pointing at nothing.
 */
import { JAEGER_COLLECTOR, serviceFqdn } from "../shared/names";

export const PROMETHEUS = { release: "prometheus", service: "prometheus", port: 9090 } as const;

export const GRAFANA = {
    release: "grafana",
    service: "grafana",
    port: 3000,
    /** Sub-path Grafana serves from, so one gateway host can carry every UI. */
    path: "/grafana",
    adminSecret: "grafana-admin",
    userKey: "admin-user",
    passwordKey: "admin-password",
    adminUser: "admin",
    /** Fixed so Kiali (and any future datasource consumer) can refer to it. */
    datasourceUid: "prometheus",
    datasourceName: "Prometheus",
    dashboardFolder: "istio",
} as const;

export const KIALI = {
    release: "kiali",
    /** `deployment.instance_name`: the chart names its Service, ServiceAccount and roles after it. */
    instance: "kiali",
    port: 20001,
    webRoot: "/kiali",
    viewerRole: "kiali-viewer",
    signingKeySecret: "kiali-signing-key",
    signingKeyKey: "key",
    /** `deployment.secret_name`, mounted at /kiali-secret; Kiali reads the OIDC client secret there. */
    oidcSecret: "kiali",
    oidcSecretKey: "oidc-secret",
} as const;

export const JAEGER = {
    app: "jaeger",
    configMap: "jaeger",
    configFile: "config.yaml",
    configDir: "/jaeger-configuration",
    dataDir: "/badger",
    /** The image runs as this user; the data volume is group-owned by it. */
    uid: 10001,
    basePath: "/jaeger",
    ports: {
        queryHttp: 16686,
        queryGrpc: 16685,
        otlpGrpc: JAEGER_COLLECTOR.otlpGrpcPort,
        otlpHttp: 4318,
        jaegerGrpc: 14250,
        thriftHttp: 14268,
        thriftCompact: 6831,
        thriftBinary: 6832,
        zipkin: 9411,
        samplingHttp: 5778,
        samplingGrpc: 5779,
        health: 13133,
        metrics: 8888,
        expvar: 27777,
        zpages: 27778,
    },
} as const;

export interface ServicePortSpec {
    name: string;
    port: number;
    targetPort: number;
}

export interface JaegerServiceSpec {
    name: string;
    ports: ServicePortSpec[];
}

const p = JAEGER.ports;

/** The three Services of Istio's Jaeger addon: query UI/API, Zipkin API, span ingestion. */
export const JAEGER_SERVICES = {
    query: {
        name: "tracing",
        ports: [
            { name: "http-query", port: 80, targetPort: p.queryHttp },
            { name: "grpc-query", port: p.queryGrpc, targetPort: p.queryGrpc },
        ],
    },
    zipkin: {
        name: "zipkin",
        ports: [{ name: "http-query", port: p.zipkin, targetPort: p.zipkin }],
    },
    collector: {
        name: JAEGER_COLLECTOR.service,
        ports: [
            { name: "jaeger-collector-http", port: p.thriftHttp, targetPort: p.thriftHttp },
            { name: "jaeger-collector-grpc", port: p.jaegerGrpc, targetPort: p.jaegerGrpc },
            { name: "http-zipkin", port: p.zipkin, targetPort: p.zipkin },
            // The `grpc-` prefix makes Istio treat the port as gRPC; the tracing provider needs that.
            { name: "grpc-otel", port: p.otlpGrpc, targetPort: p.otlpGrpc },
            { name: "http-otel", port: p.otlpHttp, targetPort: p.otlpHttp },
        ],
    },
} as const satisfies Record<string, JaegerServiceSpec>;

function portOf(svc: JaegerServiceSpec, name: string): number {
    const found = svc.ports.find((x) => x.name === name);
    if (!found) {
        throw new Error(`Service ${svc.name} has no port ${name}`);
    }
    return found.port;
}

/** In-cluster base URLs, derived from the Services above. */
export function prometheusUrl(ns: string): string {
    return `http://${serviceFqdn(PROMETHEUS.service, ns)}:${PROMETHEUS.port}`;
}

export function grafanaInternalUrl(ns: string): string {
    return `http://${serviceFqdn(GRAFANA.service, ns)}:${GRAFANA.port}`;
}

/** Kiali queries Jaeger over gRPC; the URL keeps the query base path, as Kiali expects. */
export function jaegerQueryGrpcUrl(ns: string): string {
    const q = JAEGER_SERVICES.query;
    return `http://${serviceFqdn(q.name, ns)}:${portOf(q, "grpc-query")}${JAEGER.basePath}`;
}

export function jaegerQueryHttpPort(): number {
    return portOf(JAEGER_SERVICES.query, "http-query");
}
