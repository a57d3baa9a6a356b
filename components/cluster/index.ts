import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ClusterConfig, KindSettings } from "./config";

export { parseClusterConfig } from "./config";
export type { ClusterConfig, KindSettings } from "./config";

/** kind's cluster configuration (kind.x-k8s.io/v1alpha4), the subset this program writes. */
export interface KindClusterSpec {
    kind: "Cluster";
    apiVersion: "kind.x-k8s.io/v1alpha4";
    name: string;
    nodes: {
        role: "control-plane";
        image?: string;
        extraPortMappings: { containerPort: number; hostPort: number; protocol: "TCP" }[];
    }[];
}

/**
 * The kind cluster for a NodePort gateway: the node ports are mapped to host ports so that
 * http://localhost:<httpHostPort> reaches the gateway.
 */
export function kindClusterSpec(
    kind: KindSettings,
    nodePorts: { http: number; https: number },
): KindClusterSpec {
    return {
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        name: kind.name,
        nodes: [
            {
                role: "control-plane",
                ...(kind.nodeImage !== "" ? { image: kind.nodeImage } : {}),
                extraPortMappings: [
                    { containerPort: nodePorts.http, hostPort: kind.httpHostPort, protocol: "TCP" },
                    { containerPort: nodePorts.https, hostPort: kind.httpsHostPort, protocol: "TCP" },
                ],
            },
        ],
    };
}

export interface ClusterArgs {
    config: ClusterConfig;
    /** Gateway node ports that a created kind cluster maps to host ports. */
    gatewayNodePorts: { http: number; https: number };
}

/**
 * Where the mesh goes: optionally a kind cluster created by this stack, and always one explicit
 * Kubernetes provider (default providers are disabled in every stack file, so nothing can land on
 * whatever context happens to be current).
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly provider: k8s.Provider;
    /** Empty unless the stack created a kind cluster. */
    public readonly kindClusterName: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:cluster:Cluster", name, {}, opts);
        const cfg = args.config;

        let kubeconfig: pulumi.Input<string> | undefined = cfg.kubeconfig !== "" ? cfg.kubeconfig : undefined;
        let kindName: pulumi.Output<string> = pulumi.output("");
        if (cfg.kind) {
            const spec = kindClusterSpec(cfg.kind, args.gatewayNodePorts);
            const clusterName = JSON.stringify(spec.name);
            // Re-running against an existing cluster of that name adopts it instead of failing.
            // stdout is the kubeconfig, which holds client credentials: it is kept secret and
            // never logged (kind's progress goes to stderr, which is).
            // A changed spec (port mappings, image) replaces the cluster. Delete first: created
            // first, the new command would adopt the old cluster of the same name, and the old
            // command's delete would then remove the cluster the new one reports.
            const created = new command.local.Command(
                `${name}-kind`,
                {
                    create: [
                        `if ! kind get clusters | grep -qx ${clusterName}; then`,
                        // --name too: kind lets KIND_CLUSTER_NAME override the config's name.
                        `  kind create cluster --name ${clusterName} --config=- --wait 180s >&2;`,
                        `fi;`,
                        `kind get kubeconfig --name ${clusterName}`,
                    ].join("\n"),
                    delete: `kind delete cluster --name ${clusterName}`,
                    stdin: stringify(spec),
                    triggers: [stringify(spec)],
                    logging: command.types.enums.local.Logging.Stderr,
                },
                { parent: this, additionalSecretOutputs: ["stdout"], deleteBeforeReplace: true },
            );
            kubeconfig = pulumi.secret(created.stdout);
            kindName = pulumi.output(spec.name);
        }

        this.provider = new k8s.Provider(
            `${name}-provider`,
            {
                kubeconfig,
                context: cfg.context !== "" ? cfg.context : undefined,
                renderYamlToDirectory: cfg.renderYamlTo !== "" ? cfg.renderYamlTo : undefined,
                enableServerSideApply: true,
            },
            { parent: this },
        );
        this.kindClusterName = kindName;
        this.registerOutputs({ kindClusterName: this.kindClusterName });
    }
}
