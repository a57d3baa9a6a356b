import * as pulumi from "@pulumi/pulumi";
import type { MulticlusterConfig } from "./config";
import type { MeshPeer } from "./mesh";
import { MeshIdentity, MeshTrust, PluginCa, identityOutput } from "./peers";
import { readPeers } from "./read";
import { MeshRootCa } from "./trust";

/** This stack's place in the mesh, settled before the control plane is declared. */
export interface Membership {
    identity: MeshIdentity;
    peers: MeshPeer[];
    /** This cluster's intermediate CA (secret), for istiod's `cacerts`. */
    pluginCa: pulumi.Output<PluginCa>;
    /** Its generation (shown on `cacerts`, so a rotation is visible in every stack's diff). */
    trustGeneration?: number;
    /** The root stack's intermediates for every cluster (secret); only on the root stack. */
    trust?: pulumi.Output<MeshTrust>;
}

/**
 * Reads and checks the peers, then takes this cluster's intermediate CA: issued here when this
 * stack holds the root (for itself and every peer), else read from the root stack.
 */
export async function joinMesh(
    m: MulticlusterConfig,
    stack: string,
    mtls: string,
    rootNamespace: string,
): Promise<Membership> {
    const identity = identityOutput(m, stack, mtls, rootNamespace);
    const read = await readPeers(m, identity, stack);
    if (m.trust.rootStack !== undefined) {
        if (read.pluginCa === undefined) {
            // readPeers refuses a root stack without this cluster's intermediate; never reached.
            throw new Error(`no intermediate CA from ${m.trust.rootStack}`);
        }
        return {
            identity,
            peers: read.peers,
            pluginCa: read.pluginCa,
            trustGeneration: read.trustGeneration,
        };
    }
    const root = new MeshRootCa("multicluster-root-ca", {
        meshId: m.meshId,
        clusters: [stack, ...m.peers],
        generation: m.trust.generation,
        intermediateValidityHours: m.trust.intermediateValidityHours,
        rootNamespace,
    });
    return {
        identity,
        peers: read.peers,
        pluginCa: pulumi.secret(root.trust.apply((t) => t.clusters[stack])),
        trustGeneration: m.trust.generation,
        trust: root.trust,
    };
}
