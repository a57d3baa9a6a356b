import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Gateway } from "../crds";
import {
    ApiServerCredentials,
    EAST_WEST_RELEASE,
    PeerView,
    remoteKubeconfig,
    remoteSecretName,
} from "./peers";
import {
    CROSS_NETWORK_GATEWAY,
    MeshControlPlane,
    crossNetworkGatewaySpec,
    eastWestGatewayValues,
} from "./values";

/**
 * The reader ServiceAccount of the base chart (templates/reader-serviceaccount.yaml, created while
 * `global.enableReaderRBAC` is true, its default), bound by the istiod chart to the ClusterRole
 * `istio-reader-clusterrole[-<revision>]-<namespace>` (reader-clusterrolebinding.yaml), which
 * istioctl create-remote-secret uses; istio/istio 1.30.3.
 */
export const READER_SERVICE_ACCOUNT = "istio-reader-service-account";
/** The long-lived token Secret istioctl creates for it (remote_secret.go `tokenSecretName`). */
export const READER_TOKEN_SECRET = `${READER_SERVICE_ACCOUNT}-istio-remote-secret-token`;

/** Labels and annotation istiod's secret controller reads (pkg/kube/multicluster). */
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";
export const CLUSTER_ANNOTATION = "networking.istio.io/cluster";

export interface MeshPeer {
    view: PeerView;
    /** The peer's API server credentials (secret), from its stack outputs. */
    credentials: pulumi.Output<ApiServerCredentials>;
}

export interface MulticlusterMeshArgs {
    provider: k8s.Provider;
    /** Sizes the east-west gateway like the ingress gateway and names its revision. */
    controlPlane: MeshControlPlane;
    network: string;
    apiServer: string;
    rootNamespace: pulumi.Input<string>;
    /** istiod and the charts before it (injection for the gateway, the reader ServiceAccount). */
    controlPlaneReady: pulumi.Resource[];
    peers: MeshPeer[];
}

/**
 * One cluster's part of the multi-primary mesh on different networks: its east-west gateway and
 * the Gateway exposing its services to the other networks, the reader token its peers use, and a
 * remote secret for every deployed peer.
 */
export class MulticlusterMesh extends pulumi.ComponentResource {
    /** What a peer needs to read this cluster's API server (secret). */
    public readonly credentials: pulumi.Output<ApiServerCredentials>;

    constructor(name: string, args: MulticlusterMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:multicluster:MulticlusterMesh", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.provider };
        const cp = args.controlPlane;

        const eastWest = new k8s.helm.v4.Chart(
            `${name}-east-west-gateway`,
            {
                name: EAST_WEST_RELEASE,
                chart: "gateway",
                version: cp.primary.version,
                repositoryOpts: { repo: cp.chartRepository },
                namespace: args.rootNamespace,
                values: eastWestGatewayValues(cp, args.network),
            },
            // Its pods become Envoy only through istiod's injection webhook.
            { ...k8sOpts, dependsOn: args.controlPlaneReady },
        );
        new Gateway(
            `${name}-cross-network-gateway`,
            {
                metadata: { name: CROSS_NETWORK_GATEWAY, namespace: args.rootNamespace },
                spec: crossNetworkGatewaySpec(),
            },
            { ...k8sOpts, dependsOn: [eastWest, ...args.controlPlaneReady] },
        );

        // A legacy (non-expiring) token, as istioctl creates it: the Kubernetes token controller
        // fills in `token` and `ca.crt`, and the provider waits for that before the Secret counts as
        // created (pulumi-kubernetes provider/pkg/await/awaiters.go `untilCoreV1SecretInitialized`),
        // so the credentials output is never read empty. docs/multicluster.md says how to rotate it.
        const token = new k8s.core.v1.Secret(
            `${name}-reader-token`,
            {
                metadata: {
                    name: READER_TOKEN_SECRET,
                    namespace: args.rootNamespace,
                    annotations: { "kubernetes.io/service-account.name": READER_SERVICE_ACCOUNT },
                },
                type: "kubernetes.io/service-account-token",
            },
            { ...k8sOpts, dependsOn: args.controlPlaneReady },
        );
        this.credentials = pulumi.secret(
            pulumi.output(token.data).apply((data): ApiServerCredentials => ({
                server: args.apiServer,
                certificateAuthorityData: data?.["ca.crt"] ?? "",
                token: Buffer.from(data?.token ?? "", "base64").toString("utf8"),
            })),
        );

        for (const peer of args.peers) {
            const cluster = peer.view.identity.clusterName;
            new k8s.core.v1.Secret(
                `${name}-remote-secret-${cluster}`,
                {
                    metadata: {
                        name: remoteSecretName(cluster),
                        namespace: args.rootNamespace,
                        labels: { [MULTICLUSTER_SECRET_LABEL]: "true" },
                        annotations: { [CLUSTER_ANNOTATION]: cluster },
                    },
                    stringData: pulumi.secret(
                        peer.credentials.apply((c) => ({ [cluster]: remoteKubeconfig(cluster, c) })),
                    ),
                },
                { ...k8sOpts, dependsOn: args.controlPlaneReady },
            );
        }
        this.registerOutputs({ credentials: this.credentials });
    }
}
