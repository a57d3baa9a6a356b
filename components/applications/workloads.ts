/**
 * Kubernetes objects for an application's services: ServiceAccount, Deployment (one per version)
 * and Service arguments. Pure functions (the namespace may be an Output).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ServiceSpec, VersionSpec, deploymentName } from "./model";

/** The labels every pod carries; Istio's subsets and telemetry read `app` and `version`. */
export function podLabels(s: ServiceSpec, v: VersionSpec): Record<string, string> {
    return { app: s.name, version: v.name };
}

/**
 * The Pod Security "restricted" profile: non-root, no privilege escalation, no capabilities,
 * the runtime's default seccomp profile. (The injected sidecar brings its own security context.)
 */
export function restrictedSecurityContext(s: ServiceSpec): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        ...(s.runAsUser !== undefined ? { runAsUser: s.runAsUser, runAsGroup: s.runAsUser } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

function volumeName(path: string): string {
    return path.replace(/^\//, "").replace(/[^a-z0-9]+/g, "-");
}

/** HTTP services with a health path answer GET on it; anything else is probed on its port. */
function probes(
    s: ServiceSpec,
): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const action =
        s.healthPath !== undefined
            ? { httpGet: { path: s.healthPath, port: s.targetPort } }
            : { tcpSocket: { port: s.targetPort } };
    return {
        // JVMs and databases can take a minute on a cold node; allow up to 5.
        startupProbe: { ...action, periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...action, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...action, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
    };
}

export function serviceAccountArgs(
    s: ServiceSpec,
    serviceAccount: string,
    namespace: pulumi.Input<string>,
): k8s.core.v1.ServiceAccountArgs {
    return {
        metadata: { name: serviceAccount, namespace, labels: { account: s.name } },
        // Application workloads have no business with the Kubernetes API.
        automountServiceAccountToken: false,
    };
}

export function deploymentArgs(
    s: ServiceSpec,
    v: VersionSpec,
    namespace: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
    const labels = podLabels(s, v);
    const env = Object.entries(v.env).map(([name, value]) => ({ name, value }));
    return {
        metadata: { name: deploymentName(s.name, v.name), namespace, labels },
        spec: {
            replicas: s.replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels, ...(s.annotations ? { annotations: s.annotations } : {}) },
                spec: {
                    serviceAccountName: v.serviceAccount,
                    // Set per container, not for the pod: the injected istio-init container
                    // must run as root with NET_ADMIN to install its iptables rules.
                    ...(s.runAsUser !== undefined ? { securityContext: { fsGroup: s.runAsUser } } : {}),
                    containers: [
                        {
                            name: s.name,
                            image: v.image,
                            imagePullPolicy: "IfNotPresent",
                            ...(s.args ? { args: s.args } : {}),
                            ...(env.length > 0 ? { env } : {}),
                            ports: [{ name: s.portName, containerPort: s.targetPort }],
                            resources: s.resources,
                            securityContext: restrictedSecurityContext(s),
                            ...probes(s),
                            ...(s.scratch.length > 0
                                ? {
                                      volumeMounts: s.scratch.map((mountPath) => ({
                                          name: volumeName(mountPath),
                                          mountPath,
                                      })),
                                  }
                                : {}),
                        },
                    ],
                    ...(s.scratch.length > 0
                        ? { volumes: s.scratch.map((path) => ({ name: volumeName(path), emptyDir: {} })) }
                        : {}),
                },
            },
        },
    };
}

/** The pods of a Service: every version of the service, or (`version` given) one version's. */
export function serviceSelector(s: ServiceSpec, version?: string): Record<string, string> {
    return version === undefined ? { app: s.name } : { app: s.name, version };
}

/**
 * One Service per service, selecting every version (routing between versions is Istio's job).
 * `labels` adds to its own (the waypoint enrolment in ambient mode).
 */
export function serviceArgs(
    s: ServiceSpec,
    namespace: pulumi.Input<string>,
    labels: Record<string, string> = {},
): k8s.core.v1.ServiceArgs {
    return {
        metadata: { name: s.name, namespace, labels: { app: s.name, service: s.name, ...labels } },
        spec: {
            selector: serviceSelector(s),
            ports: [{ name: s.portName, port: s.port, targetPort: s.targetPort }],
        },
    };
}

/**
 * The Service of one version (ambient mode): the backend an HTTPRoute weights, as Istio's
 * samples/bookinfo/platform/kube/bookinfo-versions.yaml has them (same port and port name).
 */
export function versionServiceArgs(
    s: ServiceSpec,
    version: { name: string; version: string },
    namespace: pulumi.Input<string>,
): k8s.core.v1.ServiceArgs {
    return {
        metadata: {
            name: version.name,
            namespace,
            labels: { app: s.name, version: version.version, service: version.name },
        },
        spec: {
            selector: serviceSelector(s, version.version),
            ports: [{ name: s.portName, port: s.port, targetPort: s.targetPort }],
        },
    };
}

/** Each ServiceAccount once, with the service that first uses it (its `account` label). */
export function serviceAccounts(services: readonly ServiceSpec[]): { service: ServiceSpec; name: string }[] {
    const seen = new Map<string, ServiceSpec>();
    for (const s of services) {
        for (const v of s.versions) {
            if (!seen.has(v.serviceAccount)) {
                seen.set(v.serviceAccount, s);
            }
        }
    }
    return [...seen].map(([name, service]) => ({ name, service }));
}
