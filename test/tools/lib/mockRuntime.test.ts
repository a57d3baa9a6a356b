/**
 * The evaluation leaves out what the SDK does only for a real engine (protobuf encoding of every
 * registration, call-stack capture) and answers registrations without MockMonitor's protobuf round
 * trips. None of that may change what is recorded: the same stacks evaluated the engine's way
 * (ISTIO_MESH_PROTOBUF, ISTIO_MESH_STACK_TRACES) render exactly the same.
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { evaluate, structRoundTrip } from "../../../tools/lib/mockRuntime";
import { render } from "../../../tools/lib/render";
import { loadStackConfig } from "../../../tools/lib/stackFiles";
import { applicationsOverride } from "../../support/applications";

/** Evaluates with the given environment variables set, restoring them afterwards. */
async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
        return await run();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
    }
}

const ENGINE_WAY = { ISTIO_MESH_PROTOBUF: "1", ISTIO_MESH_STACK_TRACES: "1" };

describe("tools/lib/mockRuntime: the evaluation's shortcuts", function () {
    this.timeout(120_000);

    for (const stack of ["dev", "staging"]) {
        it(`render ${stack} with the shop example exactly as the engine's encoding does`, async () => {
            const config = () => loadStackConfig(stack, applicationsOverride(), true);
            const fast = render(await evaluate(config()));
            const engine = render(await withEnv(ENGINE_WAY, () => evaluate(config())));
            assert.ok(fast.resources.length > 50);
            // Key order too: a Struct decodes with sorted keys, and the YAML keeps the order.
            assert.strictEqual(JSON.stringify(fast), JSON.stringify(engine));
        });
    }

    it("decode a Struct's JSON as google-protobuf does: keys sorted, arrays and scalars kept", async () => {
        const value = { b: [{ z: 1, a: null }, "x", true], a: { d: -1.5, c: "" }, "0": 0 };
        assert.strictEqual(
            JSON.stringify(structRoundTrip(value)),
            JSON.stringify({ "0": 0, a: { c: "", d: -1.5 }, b: [{ a: null, z: 1 }, "x", true] }),
        );
        // The same as the SDK's google-protobuf encoding and decoding.
        const program = () => {
            const cm = new k8s.core.v1.ConfigMap("cm", {
                metadata: { name: "cm", annotations: { z: "1", a: "2" } },
                data: { zeta: "z", alpha: "a" },
            });
            return { data: cm.data, annotations: cm.metadata.annotations };
        };
        const config = () => loadStackConfig("dev");
        const fast = await evaluate(config(), program);
        const engine = await withEnv(ENGINE_WAY, () => evaluate(config(), program));
        assert.strictEqual(JSON.stringify(fast), JSON.stringify(engine));
        assert.deepStrictEqual(Object.keys(fast.outputs.data as object), ["alpha", "zeta"]);
    });

    it("restore the SDK's call-stack capture and encoding after an evaluation, even a failed one", async () => {
        const R = pulumi.Resource as unknown as { callsites: unknown };
        const before = R.callsites;
        await assert.rejects(
            evaluate(loadStackConfig("dev"), () => {
                throw new Error("boom");
            }),
            /boom/,
        );
        assert.strictEqual(R.callsites, before);
        assert.ok(Error.stackTraceLimit > 0);
    });
});
