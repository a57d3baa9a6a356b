/**
 * Kubernetes objects for the Bookinfo workloads, built from the catalogue: ServiceAccount,
 * Deployment and Service arguments. Pure functions (the namespace may be an Output).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { HTTP_PORT, MONGODB, Workload, imageOf, workloadId } from "./catalogue";

/** The labels every Bookinfo pod carries; Istio's subsets and telemetry read `app` and `version`. */
export function podLabels(w: Workload): Record<string, string> {
    return { app: w.app, version: w.version };
}

function port(w: Workload): { name: string; number: number } {
    return w.app === MONGODB.service
        ? { name: MONGODB.portName, number: MONGODB.port }
        : { name: "http", number: HTTP_PORT };
}

/**
 * The Pod Security "restricted" profile: non-root, no privilege escalation, no capabilities,
 * the runtime's default seccomp profile. (The injected sidecar brings its own security context.)
 */
export function restrictedSecurityContext(w: Workload): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        ...(w.runAsUser !== undefined ? { runAsUser: w.runAsUser, runAsGroup: w.runAsUser } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

function volumeName(path: string): string {
    return path.replace(/^\//, "").replace(/[^a-z0-9]+/g, "-");
}

/** Probes: HTTP services answer GET /health; MongoDB is probed on its port. */
function probes(
    w: Workload,
): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const p = port(w);
    const action =
        p.name === "http"
            ? { httpGet: { path: "/health", port: p.number } }
            : { tcpSocket: { port: p.number } };
    return {
        // Open Liberty (reviews) and mongod can take a minute on a cold node; allow up to 5.
        startupProbe: { ...action, periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...action, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...action, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
    };
}

export function serviceAccountArgs(
    w: Workload,
    namespace: pulumi.Input<string>,
): k8s.core.v1.ServiceAccountArgs {
    return {
        metadata: { name: w.serviceAccount, namespace, labels: { account: w.app } },
        // The apps never call the Kubernetes API.
        automountServiceAccountToken: false,
    };
}

export function deploymentArgs(w: Workload, namespace: pulumi.Input<string>): k8s.apps.v1.DeploymentArgs {
    const labels = podLabels(w);
    const p = port(w);
    const env = Object.entries(w.env).map(([name, value]) => ({ name, value }));
    return {
        metadata: { name: workloadId(w), namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels, ...(w.annotations ? { annotations: w.annotations } : {}) },
                spec: {
                    serviceAccountName: w.serviceAccount,
                    // Set per container, not for the pod: the injected istio-init container
                    // must run as root with NET_ADMIN to install its iptables rules.
                    ...(w.runAsUser !== undefined ? { securityContext: { fsGroup: w.runAsUser } } : {}),
                    containers: [
                        {
                            name: w.app,
                            image: imageOf(w),
                            imagePullPolicy: "IfNotPresent",
                            ...(w.args ? { args: w.args } : {}),
                            ...(env.length > 0 ? { env } : {}),
                            ports: [{ name: p.name, containerPort: p.number }],
                            resources: w.resources,
                            securityContext: restrictedSecurityContext(w),
                            ...probes(w),
                            ...(w.scratch.length > 0
                                ? {
                                      volumeMounts: w.scratch.map((mountPath) => ({
                                          name: volumeName(mountPath),
                                          mountPath,
                                      })),
                                  }
                                : {}),
                        },
                    ],
                    ...(w.scratch.length > 0
                        ? { volumes: w.scratch.map((path) => ({ name: volumeName(path), emptyDir: {} })) }
                        : {}),
                },
            },
        },
    };
}

/** One Service per app, selecting every version (routing between versions is Istio's job). */
export function serviceArgs(app: Workload, namespace: pulumi.Input<string>): k8s.core.v1.ServiceArgs {
    const p = port(app);
    return {
        metadata: { name: app.app, namespace, labels: { app: app.app, service: app.app } },
        spec: {
            selector: { app: app.app },
            ports: [{ name: p.name, port: p.number, targetPort: p.number }],
        },
    };
}
