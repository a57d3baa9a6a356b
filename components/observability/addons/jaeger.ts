/**
 * Jaeger: Istio's addon as plain resources (../jaeger has the specs), and the mesh-default
 * Telemetry that switches the tracing provider on once the collector exists.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { protectOpts } from "../../cluster/protection";
import { Telemetry } from "../../crds";
import { MESH_DEFAULT_TELEMETRY, TRACING_PROVIDER } from "../../shared/names";
import type { Addon, AddonContext } from "../addon";
import { JAEGER, JAEGER_SERVICES } from "../endpoints";
import {
    JAEGER_LABELS,
    JAEGER_PVC,
    jaegerConfigYaml,
    jaegerDeploymentSpec,
    jaegerServiceSpec,
} from "../jaeger";

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

export const jaeger: Addon = {
    name: "jaeger",
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
};
