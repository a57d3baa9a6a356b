/**
 * Reading the peers under the real engine: a stack that cannot be read is refused, naming its key,
 * instead of leaving the program waiting for a read that never resolves.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../../config";
import { identityOutput } from "../../../components/multicluster/peers";
import { PeerReference, readPeers } from "../../../components/multicluster/read";
import { outputsFromConfig } from "../../../tools/lib/peers";
import { loadStackConfig } from "../../../tools/lib/stackFiles";
import { parsedStack } from "../../support/stacks";

function config(stack: string, overrides: Record<string, string> = {}) {
    return parsedStack(stack, overrides).config;
}

/**
 * A reference built on the SDK's own StackReference methods (getOutputDetails, getOutput,
 * readOutputValue), over `outputs` that resolve to the given record or reject as a failed read does.
 */
function sdkReference(outputs: Record<string, unknown> | Error): PeerReference {
    const ref = Object.create(pulumi.StackReference.prototype) as pulumi.StackReference;
    const read = outputs instanceof Error ? Promise.reject(outputs) : Promise.resolve(outputs);
    read.catch(() => undefined);
    Object.assign(ref, {
        outputs: pulumi.output(read),
        secretOutputNames: pulumi.output(Promise.resolve<string[]>([])),
    });
    return ref;
}

function within<T>(p: Promise<T>, ms = 2000): Promise<T> {
    return Promise.race([
        p,
        new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
    ]);
}

describe("multicluster peer reads", () => {
    const east = config("dev-east", { "multicluster.peers": '["dev-west","dev-north"]' });
    const self = identityOutput(east.multicluster, "dev-east", "STRICT", "istio-system");
    const westOutputs = outputsFromConfig(loadStackConfig("dev-west"), (v) => v);

    it("refuses a peer stack whose read fails, naming its key, instead of waiting forever", async () => {
        const refs: Record<string, PeerReference> = {
            "dev-west": sdkReference(westOutputs),
            "dev-north": sdkReference(new Error("unknown stack dev-north")),
        };
        await assert.rejects(
            within(readPeers(east.multicluster, self, "dev-east", (peer) => refs[peer])),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError, String(e));
                assert.deepStrictEqual(
                    e.issues.map((i) => i.key),
                    ["multicluster.peers[1]"],
                );
                assert.match(e.message, /"dev-north" could not be read \(unknown stack dev-north\)/);
                return true;
            },
        );
    });

    it("reads a deployed peer's identity, and holds back one never deployed", async () => {
        const refs: Record<string, PeerReference> = {
            "dev-west": sdkReference(westOutputs),
            "dev-north": sdkReference({}),
        };
        const read = await within(readPeers(east.multicluster, self, "dev-east", (peer) => refs[peer]));
        assert.deepStrictEqual(
            read.peers.map((p) => p.view.identity.clusterName),
            [config("dev-west").multicluster.clusterName],
        );
        assert.deepStrictEqual(read.pending, ["dev-north"]);
    });
});
