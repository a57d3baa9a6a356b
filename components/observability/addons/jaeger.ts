/**
 * Jaeger: its settings, Istio's addon as plain resources (../jaeger has the specs), and the
 * mesh-default Telemetry that switches the tracing provider on once the collector exists.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "../../../config/reader";
import { protectOpts } from "../../cluster/protection";
import { Telemetry } from "../../crds";
import { MESH_DEFAULT_TELEMETRY, TRACING_PROVIDER } from "../../shared/names";
import { readResources } from "../../shared/resources";
import type { Addon, AddonContext } from "../addon";
import { JAEGER, JAEGER_SERVICES, jaegerQueryHttpPort } from "../endpoints";
import {
    JAEGER_LABELS,
    JAEGER_PVC,
    jaegerConfigYaml,
    jaegerDeploymentSpec,
    jaegerServiceSpec,
} from "../jaeger";
import type { UiTarget } from "../links";
import {
    AddonResources,
    Ingress,
    ingressSwitch,
    Persistence,
    persistenceSwitch,
    readIngress,
    readPersistence,
} from "../settings";

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

/** Image reference with an explicit tag or digest, never `latest`. */
const PINNED_IMAGE = /^[a-z0-9./_-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$/;

function parse(r: ConfigReader, p: string): JaegerSettings {
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
        persistence: readPersistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: readIngress(r, p),
    };
    if (settings.persistence.enabled && settings.storage === "memory") {
        r.error(
            `${p}.persistence.enabled`,
            `true needs ${p}.storage "badger": the memory backend keeps nothing on disk`,
        );
    }
    return settings;
}

/** The query UI, under /jaeger. */
export const JAEGER_UI: UiTarget = {
    service: JAEGER_SERVICES.query.name,
    servicePort: jaegerQueryHttpPort(),
    localPort: JAEGER.ports.queryHttp,
    path: JAEGER.basePath,
};

/** The Jaeger workload and its Services; returns the collector Service. */
function jaegerWorkload(ctx: AddonContext): k8s.core.v1.Service {
    const { name, namespace, k8sOpts } = ctx;
    const s = ctx.config.jaeger;
    const labels = { ...JAEGER_LABELS };
    const configYaml = jaegerConfigYaml(s);
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-jaeger-config`,
        {
            metadata: { name: JAEGER.configMap, namespace, labels },
            data: { [JAEGER.configFile]: configYaml },
        },
        k8sOpts,
    );
    const deps: pulumi.Resource[] = [configMap];
    if (s.persistence.enabled) {
        deps.push(
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-jaeger-data`,
                {
                    metadata: { name: JAEGER_PVC, namespace, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        resources: { requests: { storage: s.persistence.size } },
                        ...(s.persistence.storageClass !== undefined
                            ? { storageClassName: s.persistence.storageClass }
                            : {}),
                    },
                },
                { ...k8sOpts, ...protectOpts(ctx.protect) },
            ),
        );
    }
    new k8s.apps.v1.Deployment(
        `${name}-jaeger`,
        {
            metadata: { name: JAEGER.app, namespace, labels },
            spec: jaegerDeploymentSpec(s, configYaml),
        },
        { ...k8sOpts, dependsOn: deps },
    );
    const service = (role: keyof typeof JAEGER_SERVICES): k8s.core.v1.Service =>
        new k8s.core.v1.Service(
            `${name}-jaeger-${role}`,
            {
                metadata: { name: JAEGER_SERVICES[role].name, namespace, labels },
                spec: jaegerServiceSpec(JAEGER_SERVICES[role]),
            },
            k8sOpts,
        );
    service("query");
    service("zipkin");
    return service("collector");
}

export const jaeger: Addon<"jaeger", JaegerSettings> = {
    name: "jaeger",
    parse,
    switches: (p) => [
        ingressSwitch(p),
        persistenceSwitch(p),
        {
            on: `${p}.storage`,
            active: (s) => s.storage === "memory",
            when: '"memory"',
            settings: [`${p}.maxTraces`],
        },
        {
            on: `${p}.storage`,
            active: (s) => s.storage === "badger",
            when: '"badger"',
            settings: [`${p}.retention`],
        },
    ],
    enabled: (cfg) => cfg.jaeger.enabled,
    build(ctx) {
        const collector = jaegerWorkload(ctx);
        new Telemetry(
            `${ctx.name}-telemetry`,
            {
                metadata: { name: MESH_DEFAULT_TELEMETRY, namespace: ctx.namespace },
                spec: {
                    tracing: [
                        {
                            providers: [{ name: TRACING_PROVIDER }],
                            randomSamplingPercentage: ctx.mesh.tracingSamplingPercent,
                        },
                    ],
                },
            },
            { ...ctx.k8sOpts, dependsOn: [...ctx.ready, collector] },
        );
    },
    ui: JAEGER_UI,
};
