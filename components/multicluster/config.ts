import { ConfigReader, DNS_LABEL, show } from "../../config/reader";

/** The multi-primary model on different networks: the only one built (a `model` key may add primary-remote). */
export interface MulticlusterConfig {
    enabled: boolean;
    /** istiod `global.meshID`, the same in every cluster of the mesh. */
    meshId: string;
    /** istiod `global.multiCluster.clusterName`: unique in the mesh, names this cluster's remote secret. */
    clusterName: string;
    /** istiod `global.network` and the `topology.istio.io/network` label: one network per cluster. */
    network: string;
    /** The other stacks of the mesh, as written (`west`, `org/project/west`). */
    peers: string[];
    /** Where the peers' istiods reach this cluster's API server. */
    apiServer: string;
    trust: TrustConfig;
}

export interface TrustConfig {
    /** The peer stack holding the root CA; `undefined`: this stack holds it. */
    rootStack: string | undefined;
    /** Raising it replaces every intermediate the root stack issues (rotation). */
    generation: number;
    intermediateValidityHours: number;
}

/**
 * Stack names as Pulumi accepts them, optionally qualified by organisation and project
 * (pulumi/pulumi sdk/go/common/tokens/names.go `ValidateStackName`: letters, digits, '-', '_', '.').
 */
export const STACK_REFERENCE = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]{1,100}$/;

/**
 * A label value (the network is the value of `topology.istio.io/network`): at most 63 characters,
 * alphanumerics at both ends, '-', '_' and '.' inside (Kubernetes IsValidLabelValue).
 */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A port from 1 to 65535, without leading zeros. */
const PORT = "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";
/**
 * `https://host[:port][/]`, as a kubeconfig's `server` (the remote secret's): a host without ':'
 * (no IPv6 literal), a port of at most 65535.
 */
const API_SERVER = new RegExp(`^https://[^\\s/:]+(:${PORT})?/?$`);

/** The stack part of a peer reference (`org/project/west` -> `west`). */
export function stackOf(ref: string): string {
    return ref.split("/").pop() ?? ref;
}

export function parseMulticlusterConfig(r: ConfigReader, stack: string, project: string): MulticlusterConfig {
    const enabled = r.bool("multicluster.enabled");
    // istioctl puts the cluster name in a Secret name (istio-remote-secret-<name>) and a data key.
    const clusterName = r.string("multicluster.clusterName", {
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label (letters, digits, '-')",
        maxLength: 63 - "istio-remote-secret-".length,
    });
    const meshId = r.string("multicluster.meshId", {
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label (letters, digits, '-')",
        maxLength: 63,
    });
    const network = r.string("multicluster.network", {
        pattern: LABEL_VALUE,
        patternHint: "a label value (letters, digits, '-', '_' and '.', alphanumeric at both ends)",
        maxLength: 63,
    });
    const peers = r.stringList("multicluster.peers", {
        pattern: STACK_REFERENCE,
        patternHint: "a stack name, or org/project/stack",
    });
    const apiServer = r.string("multicluster.apiServer", {
        pattern: API_SERVER,
        patternHint:
            "an https:// address, a host (name or IPv4) and an optional port 1-65535, such as https://east-control-plane:6443",
    });
    const rootStack = r.optionalString("multicluster.trust.rootStack", {
        pattern: STACK_REFERENCE,
        patternHint: "a stack name, or org/project/stack",
    });
    const generation = r.int("multicluster.trust.generation", { min: 1 });
    // Istio's own tooling issues intermediates for 3650 days; below a day they expire between ups.
    const intermediateValidityHours = r.int("multicluster.trust.intermediateValidityHours", {
        min: 24,
        max: 87600,
    });
    const config: MulticlusterConfig = {
        enabled,
        meshId,
        clusterName,
        network,
        peers,
        apiServer,
        trust: { rootStack, generation, intermediateValidityHours },
    };
    if (enabled) {
        requireComplete(r, config, stack, project);
    }
    return config;
}

function requireComplete(r: ConfigReader, c: MulticlusterConfig, stack: string, project: string): void {
    const required: [string, string][] = [
        ["multicluster.meshId", c.meshId],
        ["multicluster.clusterName", c.clusterName],
        ["multicluster.network", c.network],
        ["multicluster.apiServer", c.apiServer],
    ];
    for (const [key, value] of required) {
        if (value === "" && !r.hasIssue(key)) {
            r.error(key, "must be set when multicluster.enabled is true");
        }
    }
    if (!r.hasIssue("multicluster.peers")) {
        c.peers.forEach((peer, i) => {
            if (peer === stack || peer.endsWith(`/${project}/${stack}`)) {
                r.error(
                    `multicluster.peers[${i}]`,
                    `${show(peer)} is this stack itself; list only the other stacks of the mesh`,
                );
            }
        });
    }
    const root = c.trust.rootStack;
    if (root !== undefined && !r.hasIssue("multicluster.trust.rootStack", "multicluster.peers")) {
        if (!c.peers.includes(root)) {
            r.error(
                "multicluster.trust.rootStack",
                `${show(root)} is not one of multicluster.peers (${c.peers.map((p) => show(p)).join(", ") || "none"}); ` +
                    "the root stack must be a peer of this mesh, or empty when this stack holds the root",
            );
        }
    }
}
