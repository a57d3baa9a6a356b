/**
 * One benchmark measurement in a fresh process, so that module loading is measured too:
 *   floor          load the Pulumi SDKs and the SDK modules the program uses, nothing else
 *   stack <name>   the same, then load the program's modules (from TypeScript source, as the
 *                  CLIs do) and evaluate it for the stack under the mock runtime, each timed
 *   scale <name> <n,n,...>
 *                  after a warm-up, evaluate the stack with each number of application namespaces
 *   apps <name> <n,n,...>
 *                  after a warm-up, evaluate the stack with each number of applications of 5 services
 * Prints one JSON line.
 */
import type * as K8s from "@pulumi/kubernetes";
import type * as Command from "@pulumi/command";
import type * as Random from "@pulumi/random";
import type { LoadedConfig } from "./stackFiles";

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** Loads the SDKs, touching each lazily loaded module the program uses, as `pulumi up` would. */
function loadSdks(): number {
    const t = process.hrtime.bigint();
    /* eslint-disable @typescript-eslint/no-require-imports */
    require("@pulumi/pulumi");
    const k8s = require("@pulumi/kubernetes") as typeof K8s;
    const command = require("@pulumi/command") as typeof Command;
    const random = require("@pulumi/random") as typeof Random;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const touched = [
        k8s.Provider,
        k8s.core.v1.Namespace,
        k8s.apps.v1.Deployment,
        k8s.helm.v4.Chart,
        k8s.apiextensions.CustomResource,
        command.local.Command,
        random.RandomPassword,
    ];
    if (touched.some((c) => typeof c !== "function")) {
        throw new Error("SDK module failed to load");
    }
    return ms(t);
}

/**
 * `n` applications of 5 services each, every feature in use: two versions, a call chain, a
 * canary route with timeout and retries, resilience, an ingress host and an egress host.
 */
function benchApplications(n: number): Record<string, unknown> {
    const services = ["s0", "s1", "s2", "s3", "s4"];
    return Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
            `bench-${i}`,
            {
                services: Object.fromEntries(
                    services.map((s, k) => [
                        s,
                        {
                            image: `registry.example.com/bench/${s}`,
                            port: 8080,
                            versions: { v1: "1.0.0", v2: "1.1.0" },
                            ...(k < services.length - 1 ? { calls: [services[k + 1]] } : {}),
                        },
                    ]),
                ),
                ingress: { service: "s0", hosts: [`bench-${i}.example.com`] },
                routes: {
                    s1: [
                        { match: { headers: { "x-canary": "true" } }, weights: { v2: 100 } },
                        {
                            weights: { v1: 90, v2: 10 },
                            timeout: "2s",
                            retries: { attempts: 2, perTryTimeout: "500ms" },
                        },
                    ],
                },
                resilience: { s1: { maxConnections: 100 } },
                egress: [{ host: `api-${i}.example.net`, port: 443, tls: "passthrough" }],
            },
        ]),
    );
}

async function main(): Promise<void> {
    const [mode, stack, counts] = process.argv.slice(2);
    const ns = (counts ?? "1,10,50").split(",").map(Number);
    const loadMs = loadSdks();
    const result: Record<string, number> = { loadMs };
    if (mode !== "floor") {
        const { evaluate } = await import("./mockRuntime");
        const { loadStackConfig, pathOverrides } = await import("./stackFiles");
        // The fastest of `runs` evaluations, each from a collected heap: the least disturbed by the
        // scheduler and the collector.
        const fastestEvaluation = async (config: () => LoadedConfig, runs: number): Promise<number> => {
            const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
            const times: number[] = [];
            for (let i = 0; i < runs; i++) {
                const loaded = config();
                gc();
                const t = process.hrtime.bigint();
                await evaluate(loaded);
                times.push(ms(t));
            }
            return Math.min(...times);
        };
        const withNamespaces = (n: number) =>
            loadStackConfig(
                stack,
                Array.from({ length: n }, (_, i) => ({ key: `mesh.namespaces[${i}]`, value: `app-${i}` })),
                true,
            );
        if (mode === "stack") {
            const config = loadStackConfig(stack);
            let t = process.hrtime.bigint();
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require("../../index") as () => unknown;
            result.programLoadMs = ms(t);
            t = process.hrtime.bigint();
            await evaluate(config, program);
            result.evalMs = ms(t);
        } else if (mode === "apps") {
            // Key by key, as `pulumi config set --path` sets them (a section given as one value is refused).
            const withApps = (n: number) =>
                loadStackConfig(stack, pathOverrides(benchApplications(n), "applications"), true);
            await evaluate(withApps(1));
            for (const n of ns) {
                result[`apps${n}`] = await fastestEvaluation(() => withApps(n), 3);
            }
        } else {
            await evaluate(withNamespaces(0));
            for (const n of ns) {
                result[`ns${n}`] = await fastestEvaluation(() => withNamespaces(n), 7);
            }
        }
    }
    result.maxRssMb = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify(result));
}

main().then(
    () => process.exit(0),
    (e: unknown) => {
        console.error(e);
        process.exit(1);
    },
);
