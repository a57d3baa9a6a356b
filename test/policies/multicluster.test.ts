/** The mesh-wide policy: this stack and the peers its StackReferences read, checked together. */
import * as assert from "assert";
import { multiclusterMeshConsistent } from "../../policies/multicluster";
import { Evaluation } from "../../tools/lib/mockRuntime";
import { resolvePolicyConfig, runPolicies } from "../../tools/lib/policyRunner";
import { evaluateStack } from "../support/stacks";

async function violations(ev: Evaluation): Promise<string[]> {
    const p = multiclusterMeshConsistent;
    const run = await runPolicies(ev, [p], resolvePolicyConfig([p], "mandatory", {}));
    return run.violations.map((v) => v.message);
}

/** The evaluation with the peer dev-west's `multicluster` output changed. */
function withWest(ev: Evaluation, change: Record<string, unknown>): Evaluation {
    const refs = structuredClone(ev.stackReferences ?? {});
    const west = refs["dev-west"];
    west.multicluster = { ...(west.multicluster as object), ...change };
    return { ...ev, stackReferences: refs };
}

describe("policy multicluster-mesh-consistent", () => {
    it("passes the committed pair, and sees the peer through its StackReference", async () => {
        const ev = await evaluateStack("dev-east");
        assert.ok(ev.stackReferences?.["dev-west"], "dev-east reads dev-west");
        assert.deepStrictEqual(await violations(ev), []);
        assert.deepStrictEqual(await violations(await evaluateStack("dev-west")), []);
    });

    it("is not applicable to a single-cluster stack", async () => {
        assert.deepStrictEqual(await violations(await evaluateStack("dev")), []);
    });

    it("requires mTLS STRICT on this stack and on every peer", async () => {
        const own = await violations(
            await evaluateStack("dev-east", [{ key: "mesh.mtls", value: "PERMISSIVE" }]),
        );
        assert.strictEqual(own.length, 1, own.join("\n"));
        assert.match(own[0], /this stack \(cluster east\) runs mesh-wide mTLS PERMISSIVE/);
        const peer = await violations(withWest(await evaluateStack("dev-east"), { mtls: "PERMISSIVE" }));
        assert.strictEqual(peer.length, 1, peer.join("\n"));
        assert.match(peer[0], /peer dev-west \(cluster west\) runs mesh-wide mTLS PERMISSIVE/);
    });

    it("requires one meshId", async () => {
        const v = await violations(withWest(await evaluateStack("dev-east"), { meshId: "other" }));
        assert.deepStrictEqual(v, [
            "peer dev-west is in mesh other, this stack in mesh1: one mesh has one meshId.",
        ]);
    });

    it("requires a clusterName and a network of its own for each cluster", async () => {
        const v = await violations(
            withWest(await evaluateStack("dev-east"), { clusterName: "east", network: "net-east" }),
        );
        assert.deepStrictEqual(v, [
            "peer dev-west has the clusterName east of this stack; each cluster needs its own.",
            "peer dev-west has the network net-east of this stack; each cluster needs its own.",
        ]);
    });

    it("requires one root stack: a peer naming another root is refused, on both sides", async () => {
        const east = await evaluateStack("dev-east");
        assert.deepStrictEqual(
            await violations(withWest(east, { rootStack: "acme/istio-mesh/dev-east" })),
            [],
        );
        const v = await violations(withWest(east, { rootStack: "dev-west" }));
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /peer dev-west has multicluster\.trust\.rootStack dev-west, this stack dev-east/);
        // On the non-root stack, its own root comes from its rendered cacerts Secret.
        const west = await evaluateStack("dev-west");
        assert.deepStrictEqual(await violations(west), []);
        const refs = structuredClone(west.stackReferences ?? {});
        refs["dev-east"].multicluster = {
            ...(refs["dev-east"].multicluster as object),
            rootStack: "dev-third",
        };
        const w = await violations({ ...west, stackReferences: refs });
        assert.strictEqual(w.length, 1, w.join("\n"));
        assert.match(w[0], /peer dev-east has multicluster\.trust\.rootStack dev-third, this stack dev-east/);
    });
});
