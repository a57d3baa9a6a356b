import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, show } from "../../config/reader";
import type { MulticlusterConfig } from "./config";
import type { MeshPeer } from "./mesh";
import {
    ApiServerCredentials,
    CREDENTIALS_OUTPUT,
    IDENTITY_OUTPUT,
    MeshIdentity,
    MeshTrust,
    PeerReading,
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

/** What {@link readPeers} uses of a `pulumi.StackReference` (tests give a fake). */
export interface PeerReference {
    getOutputDetails(name: string): Promise<pulumi.StackReferenceOutputDetails>;
    getOutput(name: pulumi.Input<string>): pulumi.Output<unknown>;
}

/**
 * The outputs a peer's checks read. Every stack of this project exports `istioVersion`: with none
 * of them the stack exists but was never deployed.
 */
const READ_OUTPUTS = ["istioVersion", IDENTITY_OUTPUT, TRUST_OUTPUT];

/**
 * A peer's outputs as a plain record (secrets stay in memory, never exported). A failed read (the
 * stack does not exist, or the backend refuses it) rejects: @pulumi/pulumi 3.270.0
 * stackReference.js `getOutputDetails` awaits `readOutputValue`, which awaits `out.promise()` of
 * `getOutput(name)`, an apply on the reference's `outputs`, rejected when its read failed. (An
 * `outputs.apply` callback, by contrast, is never called then, and a promise resolved from it
 * would wait forever.)
 */
export async function outputsOf(ref: PeerReference): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const name of READ_OUTPUTS) {
        const d = await ref.getOutputDetails(name);
        const v: unknown = d.secretValue ?? d.value;
        if (v !== undefined && v !== null) {
            out[name] = v;
        }
    }
    return out;
}

/** Reads each peer's outputs; every peer whose read fails is refused at once, naming its key. */
export async function readPeerOutputs(
    peers: string[],
    refs: PeerReference[],
    stack: string,
): Promise<PeerReading[]> {
    const results = await Promise.all(
        refs.map(async (ref, i): Promise<PeerReading | ConfigIssue> => {
            const key = `multicluster.peers[${i}]`;
            try {
                return { ref: peers[i], key, outputs: await outputsOf(ref) };
            } catch (e) {
                return {
                    key,
                    message:
                        `stack ${show(peers[i])} could not be read (${e instanceof Error ? e.message : String(e)}): ` +
                        "it does not exist in this backend, or this user may not read it; list an existing stack " +
                        "of the mesh (org/project/stack when it is in another project or organisation)",
                };
            }
        }),
    );
    const issues = results.filter((r): r is ConfigIssue => !("outputs" in r));
    if (issues.length > 0) {
        throw new ConfigError(issues, stack);
    }
    return results.filter((r): r is PeerReading => "outputs" in r);
}

/**
 * Reads every peer stack through a StackReference and checks it against this stack before any
 * resource of the mesh is declared: a stack that cannot be read, a peer in another mesh or under
 * another root, with a clusterName or network already taken, or without an east-west gateway is
 * refused with a {@link ConfigError} naming its key.
 */
export async function readPeers(
    m: MulticlusterConfig,
    self: MeshIdentity,
    stack: string,
    reference: (peer: string) => PeerReference = (peer) =>
        new pulumi.StackReference(`multicluster-peer-${peer}`, { name: peer }),
): Promise<MeshPeers> {
    const refs = m.peers.map(reference);
    const readings = await readPeerOutputs(m.peers, refs, stack);
    const checked = checkPeers(self, readings, stack);
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
    for (const w of checked.warnings) {
        void pulumi.log.warn(`${w.key}: ${w.message}`);
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
                (byRef.get(view.ref) as PeerReference).getOutput(CREDENTIALS_OUTPUT),
            ) as pulumi.Output<ApiServerCredentials>,
        })),
        pending: checked.pending.map((p) => p.ref),
        pluginCa,
        trustGeneration: checked.peers.find((p) => p.ref === root)?.identity.trustGeneration,
    };
}
