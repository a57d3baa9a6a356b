import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, show } from "../../config/reader";
import type { MulticlusterConfig } from "./config";
import type { MeshPeer } from "./mesh";
import {
    ApiServerCredentials,
    CREDENTIALS_OUTPUT,
    MeshIdentity,
    MeshTrust,
    PluginCa,
    TRUST_OUTPUT,
    checkPeers,
    trustFor,
} from "./peers";

export interface MeshPeers {
    /** Deployed peers that fit this stack's mesh. */
    peers: MeshPeer[];
    /** Peers that exist but were never deployed (their remote secrets come on the next up). */
    pending: string[];
    /** This cluster's intermediate CA from the root stack; undefined when this stack holds the root. */
    pluginCa?: pulumi.Output<PluginCa>;
    /** The generation of that intermediate, as the root stack exports it. */
    trustGeneration?: number;
}

/** A stack's outputs as a plain record (the whole map; secrets stay in memory, never exported). */
function outputsOf(ref: pulumi.StackReference): Promise<Record<string, unknown>> {
    // A StackReference is a read: its outputs are known in previews too.
    return new Promise((resolve) => {
        ref.outputs.apply((o) => {
            resolve(o ?? {});
        });
    });
}

/**
 * Reads every peer stack through a StackReference and checks it against this stack before any
 * resource of the mesh is declared: a peer in another mesh, with a clusterName or network already
 * taken, or without an east-west gateway is refused with a {@link ConfigError} naming its key.
 * A stack that does not exist is refused by the engine itself (the reference's read fails).
 */
export async function readPeers(
    m: MulticlusterConfig,
    self: MeshIdentity,
    stack: string,
    parent?: pulumi.Resource,
): Promise<MeshPeers> {
    const refs = m.peers.map(
        (peer) => new pulumi.StackReference(`multicluster-peer-${peer}`, { name: peer }, { parent }),
    );
    const readings = await Promise.all(
        refs.map(async (ref, i) => ({
            ref: m.peers[i],
            key: `multicluster.peers[${i}]`,
            outputs: await outputsOf(ref),
        })),
    );
    const checked = checkPeers(self, readings);
    const issues: ConfigIssue[] = [...checked.issues];

    let pluginCa: pulumi.Output<PluginCa> | undefined;
    const root = m.trust.rootStack;
    if (root !== undefined) {
        const i = m.peers.indexOf(root);
        const reading = readings[i];
        const trust = reading.outputs[TRUST_OUTPUT] as MeshTrust | undefined;
        const mine = trust && trustFor(trust, stack);
        if (Object.keys(reading.outputs).length === 0) {
            issues.push({
                key: "multicluster.trust.rootStack",
                message: `${show(root)} holds the mesh's root CA but was never deployed; deploy it first, so that istiod here starts with its intermediate CA`,
            });
        } else if (!mine) {
            issues.push({
                key: "multicluster.trust.rootStack",
                message: `${show(root)} issues no intermediate CA for this stack (${show(stack)}); list this stack in its multicluster.peers and deploy it again`,
            });
        } else {
            pluginCa = pulumi.secret(mine);
        }
    }
    if (issues.length > 0) {
        throw new ConfigError(issues, stack);
    }
    for (const p of checked.pending) {
        void pulumi.log.warn(
            `${p.key}: stack ${show(p.ref)} exists but was never deployed; its remote secret is created on the next up after it is deployed`,
        );
    }
    const byRef = new Map(m.peers.map((peer, i) => [peer, refs[i]]));
    return {
        peers: checked.peers.map((view) => ({
            view,
            credentials: pulumi.secret(
                (byRef.get(view.ref) as pulumi.StackReference).getOutput(CREDENTIALS_OUTPUT),
            ) as pulumi.Output<ApiServerCredentials>,
        })),
        pending: checked.pending.map((p) => p.ref),
        pluginCa,
        trustGeneration: checked.peers.find((p) => p.ref === root)?.identity.trustGeneration,
    };
}
