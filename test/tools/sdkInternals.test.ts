/**
 * The offline tools lean on parts of @pulumi/pulumi that are not its public, versioned API: the
 * resource monitor's request getters, runtime.(de)serializeProperties, the config map and its
 * secret keys. This one test names what changed when an SDK upgrade breaks any of them, instead of
 * every render test failing with "x is not a function".
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_SIG, SECRET_SIG_VALUE, evaluate, isSecretWrapper } from "../../tools/lib/mockRuntime";
import { loadStackConfig } from "../../tools/lib/stackFiles";

const FIX =
    "an @pulumi/pulumi upgrade changed an internal that tools/lib/mockRuntime.ts or config/index.ts relies on";

describe("SDK internals the offline tools rely on", function () {
    this.timeout(60000);

    it("are still there and behave as the tools expect", async () => {
        const problems: string[] = [];
        const runtime = pulumi.runtime as unknown as Record<string, unknown>;
        for (const fn of [
            "getMonitor",
            "waitForRPCs",
            "deserializeProperties",
            "serializeProperties",
            "isConfigSecret",
        ]) {
            if (typeof runtime[fn] !== "function") {
                problems.push(`pulumi.runtime.${fn} is no longer a function`);
            }
        }
        // Skipped during an evaluation: it captures the whole call stack of every resource.
        if (typeof (pulumi.Resource as unknown as Record<string, unknown>).callsites !== "function") {
            problems.push("pulumi.Resource.callsites is no longer a function");
        }
        if (typeof SECRET_SIG !== "string" || typeof SECRET_SIG_VALUE !== "string" || SECRET_SIG === "") {
            problems.push("pulumi.runtime.specialSigKey / specialSecretSig are gone");
        }

        // The config map the language host hands the program: string values, secret keys apart.
        pulumi.runtime.setAllConfig({ "p:a": '{"x":1}', "p:s": "v" }, ["p:s"]);
        const all = pulumi.runtime.allConfig();
        if (all["p:a"] !== '{"x":1}' || all["p:s"] !== "v") {
            problems.push(`allConfig() no longer returns the map as given: ${JSON.stringify(all)}`);
        }
        const isSecret = runtime.isConfigSecret as ((k: string) => boolean) | undefined;
        if (isSecret && (isSecret("p:s") !== true || isSecret("p:a") !== false)) {
            problems.push("isConfigSecret() no longer reflects setAllConfig's secret keys");
        }

        // One evaluation through the intercepted monitor: every field the tools read.
        if (problems.length === 0) {
            class Parent extends pulumi.ComponentResource {
                constructor(name: string) {
                    super("istio-mesh:test:Parent", name);
                }
            }
            try {
                const ev = await evaluate(loadStackConfig("dev"), () => {
                    const provider = new k8s.Provider("p", {});
                    const parent = new Parent("parent");
                    const first = new k8s.core.v1.Namespace("first", {}, { provider, parent });
                    const cm = new k8s.core.v1.ConfigMap(
                        "cm",
                        { data: { k: pulumi.secret("s") } },
                        { provider, parent, dependsOn: [first] },
                    );
                    const password = new random.RandomPassword("pw", { length: 8 }, { parent });
                    return { out: pulumi.secret("x"), id: cm.id, password: password.result };
                });
                const cm = ev.resources.find((r) => r.name === "cm");
                const parentUrn = ev.resources.find((r) => r.name === "parent")?.urn;
                const firstUrn = ev.resources.find((r) => r.name === "first")?.urn;
                if (cm === undefined) {
                    problems.push("registerResource requests are no longer captured");
                } else {
                    if (cm.type !== "kubernetes:core/v1:ConfigMap" || !cm.custom) {
                        problems.push(`request getType/getCustom: ${cm.type} ${cm.custom}`);
                    }
                    if (cm.parent === undefined || cm.parent !== parentUrn) {
                        problems.push("request getParent no longer gives the parent's URN");
                    }
                    if (cm.provider === undefined || !cm.provider.includes("pulumi:providers:kubernetes")) {
                        problems.push(
                            `request getProvider no longer gives the provider reference: ${cm.provider}`,
                        );
                    }
                    if (firstUrn === undefined || !cm.dependsOn.includes(firstUrn)) {
                        problems.push("request getDependenciesList no longer lists dependsOn");
                    }
                    // A map with a secret value is sent as one secret.
                    if (!isSecretWrapper(cm.inputs.data)) {
                        problems.push(
                            `deserializeProperties no longer keeps secrets wrapped: ${JSON.stringify(cm.inputs.data)}`,
                        );
                    }
                }
                // The mock monitor answers with the response getters the SDK reads; a resource's
                // id and its provider-made outputs resolve from that answer.
                if (ev.outputs.id !== "cm-id") {
                    problems.push(
                        `a resource's id no longer resolves from the mock monitor's answer: ${JSON.stringify(ev.outputs.id)}`,
                    );
                }
                const password = ev.outputs.password;
                if (!isSecretWrapper(password) || !String(password.value).startsWith("mock-pw")) {
                    problems.push(
                        `a provider-made output no longer resolves from the mock monitor's answer: ${JSON.stringify(password)}`,
                    );
                }
                if (!isSecretWrapper(ev.outputs.out)) {
                    problems.push(
                        `serializeProperties no longer wraps secret outputs: ${JSON.stringify(ev.outputs)}`,
                    );
                }
            } catch (e) {
                problems.push(`evaluating a two-resource program failed: ${(e as Error).message}`);
            }
        }
        assert.deepStrictEqual(problems, [], `${FIX}:\n  - ${problems.join("\n  - ")}`);
    });
});
