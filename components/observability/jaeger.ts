/**
 * Jaeger v2 all-in-one, as Istio's addon runs it: one OpenTelemetry-Collector-based binary that
 * receives spans (OTLP, Jaeger, Zipkin), stores them and serves the query UI under /jaeger.
 *
 * The configuration is a typed object serialised with the `yaml` library; the Deployment and
 * Services are plain typed specs so tests can compare them with the URLs other addons use.
 */
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import { stringify } from "yaml";
import type { JaegerSettings } from "./addons/jaeger";
import { JAEGER, JaegerServiceSpec } from "./endpoints";
import { k8sResources } from "../shared/resources";
import { NO_SIDECAR } from "./values";

type Endpoint = { endpoint: string };

export interface JaegerBackend {
    memory?: { max_traces: number };
    badger?: {
        ephemeral: false;
        directories: { keys: string; values: string };
        ttl: { spans: string };
    };
}

/** The subset of Jaeger v2's collector configuration that this stack writes. */
export interface JaegerConfig {
    service: {
        extensions: string[];
        pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
        telemetry: {
            resource: { "service.name": string };
            metrics: {
                level: "detailed";
                readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[];
            };
            logs: { level: "info" };
        };
    };
    extensions: {
        jaeger_query: {
            base_path: string;
            storage: { traces: string };
            http: Endpoint;
            grpc: Endpoint;
        };
        jaeger_storage: { backends: Record<string, JaegerBackend> };
        remote_sampling: {
            file: { default_sampling_probability: number; reload_interval: string };
            http: Endpoint;
            grpc: Endpoint;
        };
        healthcheckv2: { use_v2: true; http: Endpoint };
        expvar: Endpoint;
        zpages: Endpoint;
    };
    receivers: {
        otlp: { protocols: { grpc: Endpoint; http: Endpoint } };
        jaeger: {
            protocols: {
                grpc: Endpoint;
                thrift_http: Endpoint;
                thrift_binary: Endpoint;
                thrift_compact: Endpoint;
            };
        };
        zipkin: Endpoint;
    };
    processors: { batch: Record<string, never> };
    exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

const STORE = "trace_store";
/** The image binds to localhost unless told otherwise; every listener must be reachable. */
const ANY = "0.0.0.0";

function on(port: number): Endpoint {
    return { endpoint: `${ANY}:${port}` };
}

function backend(s: JaegerSettings): JaegerBackend {
    if (s.storage === "memory") {
        return { memory: { max_traces: s.maxTraces } };
    }
    return {
        badger: {
            ephemeral: false,
            directories: { keys: `${JAEGER.dataDir}/keys`, values: `${JAEGER.dataDir}/values` },
            ttl: { spans: s.retention },
        },
    };
}

export function jaegerConfig(s: JaegerSettings): JaegerConfig {
    const p = JAEGER.ports;
    return {
        service: {
            extensions: [
                "jaeger_storage",
                "jaeger_query",
                "remote_sampling",
                "healthcheckv2",
                "expvar",
                "zpages",
            ],
            pipelines: {
                traces: {
                    receivers: ["otlp", "jaeger", "zipkin"],
                    processors: ["batch"],
                    exporters: ["jaeger_storage_exporter"],
                },
            },
            telemetry: {
                resource: { "service.name": JAEGER.app },
                metrics: {
                    level: "detailed",
                    readers: [{ pull: { exporter: { prometheus: { host: ANY, port: p.metrics } } } }],
                },
                logs: { level: "info" },
            },
        },
        extensions: {
            jaeger_query: {
                base_path: JAEGER.basePath,
                storage: { traces: STORE },
                http: on(p.queryHttp),
                grpc: on(p.queryGrpc),
            },
            jaeger_storage: { backends: { [STORE]: backend(s) } },
            remote_sampling: {
                // Sampling is decided by the proxies (Telemetry API); Jaeger keeps what it gets.
                file: { default_sampling_probability: 1, reload_interval: "1s" },
                http: on(p.samplingHttp),
                grpc: on(p.samplingGrpc),
            },
            healthcheckv2: { use_v2: true, http: on(p.health) },
            expvar: on(p.expvar),
            zpages: on(p.zpages),
        },
        receivers: {
            otlp: { protocols: { grpc: on(p.otlpGrpc), http: on(p.otlpHttp) } },
            jaeger: {
                protocols: {
                    grpc: on(p.jaegerGrpc),
                    thrift_http: on(p.thriftHttp),
                    thrift_binary: on(p.thriftBinary),
                    thrift_compact: on(p.thriftCompact),
                },
            },
            zipkin: on(p.zipkin),
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
    };
}

export function jaegerConfigYaml(s: JaegerSettings): string {
    return stringify(jaegerConfig(s), { lineWidth: 0 });
}

export const JAEGER_LABELS = { app: JAEGER.app } as const;

/** Name of the data PersistentVolumeClaim when persistence is on. */
export const JAEGER_PVC = "jaeger-data";

export function jaegerDeploymentSpec(
    s: JaegerSettings,
    configYaml: string,
): k8s.types.input.apps.v1.DeploymentSpec {
    const p = JAEGER.ports;
    const probe = { httpGet: { path: "/status", port: p.health } };
    const dataVolume: k8s.types.input.core.v1.Volume = s.persistence.enabled
        ? { name: "data", persistentVolumeClaim: { claimName: JAEGER_PVC } }
        : { name: "data", emptyDir: {} };
    return {
        replicas: 1,
        // Badger takes an exclusive lock on its directory; two pods must never overlap.
        strategy: { type: "Recreate" },
        selector: { matchLabels: { ...JAEGER_LABELS } },
        template: {
            metadata: {
                labels: { ...JAEGER_LABELS, ...NO_SIDECAR },
                annotations: {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": String(p.metrics),
                    // A config change must restart the pod: Jaeger reads its file only at start.
                    "checksum/config": createHash("sha256").update(configYaml).digest("hex"),
                },
            },
            spec: {
                securityContext: { fsGroup: JAEGER.uid, runAsNonRoot: true },
                containers: [
                    {
                        name: JAEGER.app,
                        image: s.image,
                        args: ["--config", `${JAEGER.configDir}/${JAEGER.configFile}`],
                        ports: Object.entries(p).map(([name, containerPort]) => ({
                            name: portName(name),
                            containerPort,
                            protocol: name.startsWith("thrift") && name !== "thriftHttp" ? "UDP" : "TCP",
                        })),
                        livenessProbe: probe,
                        readinessProbe: probe,
                        resources: k8sResources(s.resources),
                        volumeMounts: [
                            { name: "data", mountPath: JAEGER.dataDir },
                            { name: "config", mountPath: JAEGER.configDir, readOnly: true },
                        ],
                    },
                ],
                volumes: [dataVolume, { name: "config", configMap: { name: JAEGER.configMap } }],
            },
        },
    };
}

/** Container port names are limited to 15 characters of [a-z0-9-]. */
function portName(key: string): string {
    return key
        .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
        .slice(0, 15)
        .replace(/-$/, "");
}

export function jaegerServiceSpec(svc: JaegerServiceSpec): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: { ...JAEGER_LABELS },
        ports: svc.ports.map((x) => ({ ...x, protocol: "TCP" })),
    };
}
