import { ConfigReader, DNS_LABEL } from "../../config/reader";

export interface KindSettings {
    name: string;
    /** Unset: the kind CLI's default node image. */
    nodeImage?: string;
    httpHostPort: number;
    httpsHostPort: number;
    /** Use a cluster of that name that already exists (and then never delete it). */
    adoptExisting: boolean;
}

export interface ClusterConfig {
    /** Set when `pulumi up` creates a local kind cluster. */
    kind?: KindSettings;
    /** Unset: the default kubeconfig. */
    kubeconfig?: string;
    /** Unset: the kubeconfig's current context. */
    context?: string;
    /** When set, manifests are written here instead of being applied. */
    renderYamlTo?: string;
    /** Protect Namespaces, PVCs and CRD owners against deletion (see ./protection). */
    protect: boolean;
}

const PORT = { min: 1, max: 65535 };

export function parseClusterConfig(r: ConfigReader): ClusterConfig {
    const create = r.bool("cluster.kind.create");
    const kind: KindSettings = {
        name: r.string("cluster.kind.name", {
            pattern: DNS_LABEL,
            patternHint: "a DNS label such as istio-mesh",
        }),
        nodeImage: r.optionalString("cluster.kind.nodeImage", {
            pattern: /^[^\s:@]+(:[\w][\w.-]*)?(@sha256:[a-f0-9]{64})?$/,
            patternHint: "an image reference such as kindest/node:v1.34.0",
        }),
        httpHostPort: r.int("cluster.kind.httpHostPort", PORT),
        httpsHostPort: r.int("cluster.kind.httpsHostPort", PORT),
        adoptExisting: r.bool("cluster.kind.adoptExisting"),
    };
    const cluster: ClusterConfig = {
        kind: create ? kind : undefined,
        kubeconfig: r.optionalString("cluster.kubeconfig"),
        context: r.optionalString("cluster.context"),
        renderYamlTo: r.optionalString("cluster.renderYamlTo"),
        protect: r.bool("cluster.protect"),
    };
    if (create && (cluster.kubeconfig !== undefined || cluster.context !== undefined)) {
        r.error(
            "cluster.kind.create",
            "true cannot be combined with cluster.kubeconfig or cluster.context: a created kind cluster brings its own kubeconfig",
        );
    }
    if (
        create &&
        kind.httpHostPort === kind.httpsHostPort &&
        !r.hasIssue("cluster.kind.httpHostPort", "cluster.kind.httpsHostPort")
    ) {
        r.error(
            "cluster.kind.httpsHostPort",
            `${kind.httpsHostPort} is already used by cluster.kind.httpHostPort`,
        );
    }
    return cluster;
}
