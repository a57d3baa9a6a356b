import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
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
                ...(kind.nodeImage !== undefined ? { image: kind.nodeImage } : {}),
                extraPortMappings: [
                    { containerPort: nodePorts.http, hostPort: kind.httpHostPort, protocol: "TCP" },
                    { containerPort: nodePorts.https, hostPort: kind.httpsHostPort, protocol: "TCP" },
                ],
            },
        ],
    };
}

/**
 * First line of the create script's stdout (a YAML comment, so the kubeconfig after it still
 * parses) when this stack created the cluster. The command keeps its stdout in the stack's state
 * and hands it to the delete script as PULUMI_COMMAND_STDOUT (@pulumi/command local.Command): that
 * is how the delete knows, even years later, whether the cluster is the stack's to delete.
 */
export const KIND_CREATED_MARKER = "# istio-mesh: kind cluster created by this stack";
export const KIND_ADOPTED_MARKER = "# istio-mesh: kind cluster adopted, never deleted by this stack";

/**
 * Creates the cluster, or refuses when one of that name exists: a cluster the stack did not create
 * is someone else's, and adopting it silently would hand it to `pulumi destroy`. With
 * `adoptExisting` it is used as it is (its port mappings and node image are not changed).
 */
export function kindCreateScript(clusterName: string, adoptExisting: boolean): string {
    const n = JSON.stringify(clusterName);
    const exists = adoptExisting
        ? [
              `  echo "using the existing kind cluster ${clusterName} (cluster.kind.adoptExisting); it will never be deleted by this stack" >&2`,
              `  echo '${KIND_ADOPTED_MARKER}'`,
          ]
        : [
              `  echo "a kind cluster named ${clusterName} already exists and this stack did not create it;" >&2`,
              `  echo "delete that cluster with the kind CLI (delete cluster --name ${clusterName}), choose another cluster.kind.name," >&2`,
              `  echo "or set cluster.kind.adoptExisting to true to use it (the stack will then never delete it)" >&2`,
              `  exit 1`,
          ];
    return [
        "set -e",
        `if kind get clusters | grep -qx ${n}; then`,
        ...exists,
        "else",
        // --name too: kind lets KIND_CLUSTER_NAME override the config's name.
        `  kind create cluster --name ${n} --config=- --wait 180s >&2`,
        `  echo '${KIND_CREATED_MARKER}'`,
        "fi",
        `kind get kubeconfig --name ${n}`,
    ].join("\n");
}

/**
 * Runs when the scripts change but the cluster spec does not (a spec change replaces the command).
 * It keeps the ownership the previous run recorded; a state written before ownership was recorded
 * has no marker, and since that program adopted existing clusters silently, it counts as adopted.
 */
export function kindUpdateScript(clusterName: string): string {
    return [
        "set -e",
        'case "$PULUMI_COMMAND_STDOUT" in',
        `  '${KIND_CREATED_MARKER}'*) echo '${KIND_CREATED_MARKER}' ;;`,
        `  *) echo '${KIND_ADOPTED_MARKER}' ;;`,
        "esac",
        `kind get kubeconfig --name ${JSON.stringify(clusterName)}`,
    ].join("\n");
}

/** Deletes the cluster only when the create step's stdout says this stack created it. */
export function kindDeleteScript(clusterName: string): string {
    const n = JSON.stringify(clusterName);
    return [
        'case "$PULUMI_COMMAND_STDOUT" in',
        `  '${KIND_CREATED_MARKER}'*) kind delete cluster --name ${n} ;;`,
        `  *) echo "kind cluster ${clusterName} was not created by this stack; leaving it in place" >&2 ;;`,
        "esac",
    ].join("\n");
}

/**
 * The provider's `clusterIdentifier` for a kind cluster: it changes exactly when the cluster is
 * replaced (a new name or spec, which `triggers` turns into a new cluster), so the provider and
 * everything on it are replaced then and only then. Without it, pulumi-kubernetes replaces the
 * provider whenever its kubeconfig is unknown at preview, which is every time the kind command
 * runs again (provider/pkg/provider/provider.go DiffConfig: "We can't tell for sure if a computed
 * value has changed, so we make the conservative choice and force a replacement"), and a
 * replaced provider plans to replace every resource in the cluster.
 */
export function kindClusterIdentifier(spec: KindClusterSpec): string {
    const digest = crypto.createHash("sha256").update(stringify(spec)).digest("hex").slice(0, 12);
    return `kind-${spec.name}-${digest}`;
}

/** What the Cluster reads of `cluster.*`: where the provider points (not `protect`). */
export type ClusterTarget = Pick<ClusterConfig, "kind" | "kubeconfig" | "context" | "renderYamlTo">;

export interface ClusterArgs {
    config: ClusterTarget;
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

        let kubeconfig: pulumi.Input<string> | undefined = cfg.kubeconfig;
        let kindName: pulumi.Output<string> = pulumi.output("");
        let clusterIdentifier: string | undefined;
        if (cfg.kind) {
            const spec = kindClusterSpec(cfg.kind, args.gatewayNodePorts);
            // stdout is the kubeconfig, which holds client credentials: it is kept secret and
            // never logged (kind's progress goes to stderr, which is).
            // A changed spec (port mappings, image) replaces the cluster. Delete first: created
            // first, the new command would find the old cluster of the same name and refuse.
            const created = new command.local.Command(
                `${name}-kind`,
                {
                    create: kindCreateScript(spec.name, cfg.kind.adoptExisting),
                    update: kindUpdateScript(spec.name),
                    delete: kindDeleteScript(spec.name),
                    stdin: stringify(spec),
                    triggers: [stringify(spec)],
                    logging: command.types.enums.local.Logging.Stderr,
                },
                { parent: this, additionalSecretOutputs: ["stdout"], deleteBeforeReplace: true },
            );
            kubeconfig = pulumi.secret(created.stdout);
            kindName = pulumi.output(spec.name);
            clusterIdentifier = kindClusterIdentifier(spec);
        }

        this.provider = new k8s.Provider(
            `${name}-provider`,
            {
                kubeconfig,
                context: cfg.context,
                renderYamlToDirectory: cfg.renderYamlTo,
                enableServerSideApply: true,
                clusterIdentifier,
            },
            { parent: this },
        );
        this.kindClusterName = kindName;
        this.registerOutputs({ kindClusterName: this.kindClusterName });
    }
}
