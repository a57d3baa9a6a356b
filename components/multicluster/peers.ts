/**
 * What one stack of the mesh tells the others (its stack outputs) and what it checks in theirs.
 * Pure: no engine, so the offline tools and the tests use the same functions as the program.
 */
import { stringify } from "yaml";
import { ConfigIssue, show } from "../../config/reader";
import { stackOf } from "./config";

/** Stack output names, read by the peers through StackReferences. */
export const IDENTITY_OUTPUT = "multicluster";
export const CREDENTIALS_OUTPUT = "multiclusterCredentials";
export const TRUST_OUTPUT = "multiclusterTrust";

/** Release name of the east-west gateway as in Istio's task: its pods get `istio: eastwestgateway`. */
export const EAST_WEST_RELEASE = "istio-eastwestgateway";
/** The port every network's east-west gateway passes mTLS traffic through (AUTO_PASSTHROUGH). */
export const EAST_WEST_TLS_PORT = 15443;

/** A stack's identity in the mesh (not secret): the `multicluster` stack output. */
export interface MeshIdentity {
    meshId: string;
    clusterName: string;
    network: string;
    /** The mesh-wide PeerAuthentication mode of that cluster. */
    mtls: string;
    /** The east-west gateway Service through which the other networks reach this one. */
    eastWestGateway?: { namespace: string; service: string; port: number };
    /** The stack holding the root CA (this one when it holds it). */
    rootStack: string;
    /** On the root stack: the generation of the intermediates it issues (`multicluster.trust.generation`). */
    trustGeneration?: number;
    /** The stacks this one lists in `multicluster.peers`, by stack name (a peer checks it is listed back). */
    peers?: string[];
    /** The mesh services this cluster deploys, as `<service>.<namespace>` (for `npm run routes`). */
    services?: string[];
}

/** The services of the applications a stack deploys, as `<service>.<namespace>`, sorted. */
export function meshServices(apps: { namespace: string; rows: readonly { service: string }[] }[]): string[] {
    return [...new Set(apps.flatMap((a) => a.rows.map((r) => `${r.service}.${a.namespace}`)))].sort();
}

/** The `multicluster` stack output: this stack's identity and the mesh services it deploys. */
export function identityWithServices(
    identity: MeshIdentity,
    apps: { namespace: string; rows: readonly { service: string }[] }[],
): MeshIdentity {
    return { ...identity, services: meshServices(apps) };
}

/** Where a service of the mesh has endpoints, seen from one cluster. */
export interface CrossClusterRow {
    /** `<service>.<namespace>.svc.cluster.local`. */
    host: string;
    /** Cluster names with endpoints, this cluster first. */
    clusters: string[];
    /** Per cluster: "local", or the east-west gateway through which it is reached. */
    via: Record<string, string>;
}

/**
 * The services with endpoints in more than one cluster, or only in other clusters: istiod merges
 * the endpoints of a service of the same name and namespace across the mesh; those on another
 * network are reached through that network's east-west gateway (AUTO_PASSTHROUGH on 15443).
 */
export function crossClusterEndpoints(self: MeshIdentity, peers: readonly MeshIdentity[]): CrossClusterRow[] {
    const where = new Map<string, MeshIdentity[]>();
    for (const c of [self, ...peers]) {
        for (const s of c.services ?? []) {
            where.set(s, [...(where.get(s) ?? []), c]);
        }
    }
    const rows: CrossClusterRow[] = [];
    for (const [service, clusters] of [...where.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (clusters.length === 1 && clusters[0] === self) {
            continue;
        }
        const via: Record<string, string> = {};
        for (const c of clusters) {
            const gw = c.eastWestGateway;
            via[c.clusterName] =
                c === self
                    ? "local"
                    : c.network === self.network
                      ? "direct (same network)"
                      : gw
                        ? `${gw.service}.${gw.namespace}:${gw.port} (network ${c.network})`
                        : `unreachable: network ${c.network} has no east-west gateway`;
        }
        rows.push({
            host: `${service}.svc.cluster.local`,
            clusters: clusters.map((c) => c.clusterName),
            via,
        });
    }
    return rows;
}

/** What a peer needs to read this cluster's API server (secret): the `multiclusterCredentials` output. */
export interface ApiServerCredentials {
    server: string;
    /** base64 of the PEM CA bundle, as in a kubeconfig's `certificate-authority-data`. */
    certificateAuthorityData: string;
    token: string;
}

/** One cluster's plug-in CA (the `cacerts` Secret's files). */
export interface PluginCa {
    caCert: string;
    caKey: string;
    rootCert: string;
    certChain: string;
}

/** The root stack's `multiclusterTrust` output (secret): an intermediate per cluster stack. */
export interface MeshTrust {
    rootCert: string;
    /** Keyed by the stack reference as the root stack's peers name it (and its own stack name). */
    clusters: Record<string, PluginCa>;
}

/** A peer as read from its stack: `outputs` are empty when the stack exists but was never deployed. */
export interface PeerReading {
    /** The reference as written in `multicluster.peers`. */
    ref: string;
    /** The config key naming it, for messages. */
    key: string;
    outputs: Record<string, unknown>;
}

export interface PeerView {
    ref: string;
    key: string;
    identity: MeshIdentity;
}

/** The identity this stack exports. */
export function identityOutput(
    m: {
        meshId: string;
        clusterName: string;
        network: string;
        peers: string[];
        trust: { rootStack: string | undefined; generation: number };
    },
    stack: string,
    mtls: string,
    rootNamespace: string,
): MeshIdentity {
    return {
        meshId: m.meshId,
        clusterName: m.clusterName,
        network: m.network,
        mtls,
        eastWestGateway: { namespace: rootNamespace, service: EAST_WEST_RELEASE, port: EAST_WEST_TLS_PORT },
        rootStack: m.trust.rootStack ?? stack,
        peers: m.peers.map(stackOf),
        ...(m.trust.rootStack === undefined ? { trustGeneration: m.trust.generation } : {}),
    };
}

function isIdentity(v: unknown): v is MeshIdentity {
    if (v === null || typeof v !== "object") {
        return false;
    }
    const o = v as Record<string, unknown>;
    return ["meshId", "clusterName", "network"].every((k) => typeof o[k] === "string");
}

/**
 * Checks the peers against this stack and each other. A peer never deployed (no outputs at all)
 * is `pending`: the first stack of a new mesh goes up before its peers (docs/multicluster.md).
 * Everything else that does not fit is an issue naming the peer's key. A peer that does not list
 * this stack (`selfStack`) back is only a warning: a cluster joins one stack at a time, and until
 * every stack lists it, discovery is one-way (the peer's istiod does not see this cluster).
 */
export function checkPeers(
    self: MeshIdentity,
    peers: PeerReading[],
    selfStack?: string,
): { peers: PeerView[]; pending: PeerReading[]; issues: ConfigIssue[]; warnings: ConfigIssue[] } {
    const issues: ConfigIssue[] = [];
    const warnings: ConfigIssue[] = [];
    const pending: PeerReading[] = [];
    const views: PeerView[] = [];
    const clusterNames = new Map<string, string>([[self.clusterName, "multicluster.clusterName"]]);
    const networks = new Map<string, string>([[self.network, "multicluster.network"]]);
    for (const p of peers) {
        if (Object.keys(p.outputs).length === 0) {
            pending.push(p);
            continue;
        }
        const identity = p.outputs[IDENTITY_OUTPUT];
        if (!isIdentity(identity)) {
            issues.push({
                key: p.key,
                message: `stack ${show(p.ref)} has no '${IDENTITY_OUTPUT}' output: it is not configured for a multi-cluster mesh (multicluster.enabled true there)`,
            });
            continue;
        }
        const problems: string[] = [];
        if (identity.meshId !== self.meshId) {
            problems.push(
                `is in mesh ${show(identity.meshId)}, not this stack's ${show(self.meshId)} (multicluster.meshId); ` +
                    `every stack of one mesh sets the same multicluster.meshId: change it here or in that stack, ` +
                    `or remove the peer`,
            );
        }
        // Two roots would split the mesh into two trust domains whose mTLS fails across them.
        if (typeof identity.rootStack !== "string" || !sameStack(identity.rootStack, self.rootStack)) {
            problems.push(
                `has multicluster.trust.rootStack ${show(identity.rootStack)}, not this stack's ${show(self.rootStack)}; ` +
                    "one mesh has one root CA, held by one stack",
            );
        }
        const sameName = clusterNames.get(identity.clusterName);
        if (sameName !== undefined) {
            problems.push(
                `has the clusterName ${show(identity.clusterName)} of ${sameName}; every cluster's name must be unique`,
            );
        }
        const sameNetwork = networks.get(identity.network);
        if (sameNetwork !== undefined) {
            problems.push(
                `has the network ${show(identity.network)} of ${sameNetwork}; each cluster has its own network`,
            );
        } else if (identity.eastWestGateway === undefined) {
            problems.push(
                `is on another network (${show(identity.network)}) but exposes no east-west gateway, so nothing here could reach its services`,
            );
        }
        if (problems.length > 0) {
            issues.push({ key: p.key, message: `stack ${show(p.ref)} ${problems.join("; ")}` });
            continue;
        }
        if (
            selfStack !== undefined &&
            Array.isArray(identity.peers) &&
            !identity.peers.some((q) => sameStack(q, selfStack))
        ) {
            warnings.push({
                key: p.key,
                message:
                    `stack ${show(p.ref)} does not list this stack (${show(selfStack)}) in its multicluster.peers: ` +
                    `its istiod does not see this cluster's endpoints (no remote secret there) until it does and goes up`,
            });
        }
        clusterNames.set(identity.clusterName, `${p.key} (${p.ref})`);
        networks.set(identity.network, `${p.key} (${p.ref})`);
        views.push({ ref: p.ref, key: p.key, identity });
    }
    return { peers: views, pending, issues, warnings };
}

/** Whether two references name the same stack (`dev-east` and `acme/istio-mesh/dev-east` do). */
export function sameStack(a: string, b: string): boolean {
    return stackOf(a) === stackOf(b);
}

/** The root stack's entry for a cluster stack: by its reference as written there, or its stack name. */
export function trustFor(trust: MeshTrust, stack: string): PluginCa | undefined {
    const hit = trust.clusters[stack];
    if (hit) {
        return hit;
    }
    const byName = Object.keys(trust.clusters).filter((k) => stackOf(k) === stack);
    return byName.length === 1 ? trust.clusters[byName[0]] : undefined;
}

/**
 * The kubeconfig a remote secret carries, shaped as `istioctl create-remote-secret` writes it:
 * one cluster, user and context, all named after the cluster, bearer token auth
 * (istio/istio 1.30.3 istioctl/pkg/multicluster/remote_secret.go, createBearerTokenKubeconfig).
 */
export function remoteKubeconfig(clusterName: string, c: ApiServerCredentials): string {
    return stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: clusterName,
                    cluster: { "certificate-authority-data": c.certificateAuthorityData, server: c.server },
                },
            ],
            contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
            "current-context": clusterName,
            preferences: {},
            users: [{ name: clusterName, user: { token: c.token } }],
        },
        { lineWidth: 0 },
    );
}

/** Name of the remote secret for a cluster (istioctl's `istio-remote-secret-<clusterName>`). */
export function remoteSecretName(clusterName: string): string {
    return `istio-remote-secret-${clusterName}`;
}
