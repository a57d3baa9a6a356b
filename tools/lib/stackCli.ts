/**
 * What `npm run up`, `ui` and `traffic` share: the Pulumi backend and passphrase `npm run up` chose
 * for a stack, the stack's deployed outputs, and the kubectl context it deploys with. Only the
 * Pulumi and kubectl CLIs are called; nothing here reads the state files themselves.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { configInput } from "../../config";
import { ConfigReader } from "../../config/reader";
import { parseClusterConfig } from "../../components/cluster";
import { kubectlArgs, shellWord } from "../../components/istio";
import { UsageError } from "./cli";
import { PROJECT_ROOT, configSource, loadStackConfig } from "./stackFiles";

/** Local state and the dev passphrase; ISTIO_MESH_STATE_DIR puts them elsewhere. */
export function stateDir(): string {
    return process.env.ISTIO_MESH_STATE_DIR ?? path.join(PROJECT_ROOT, ".pulumi-state");
}

export function devPassphraseFile(): string {
    return path.join(stateDir(), "dev.passphrase");
}

/** Whether a CLI answers `<cmd> <versionArgs>` (false when it is not on PATH). */
export function have(cmd: string, versionArgs: string[] = ["version"]): boolean {
    return spawnSync(cmd, versionArgs, { stdio: "ignore" }).status === 0;
}

export function pulumiLoggedIn(env: NodeJS.ProcessEnv): boolean {
    return spawnSync("pulumi", ["whoami"], { cwd: PROJECT_ROOT, stdio: "ignore", env }).status === 0;
}

/**
 * The environment to read a stack that `npm run up` deployed: the backend and passphrase in force,
 * else the local ones `npm run up` creates (when they exist), so `npm run ui` works in a new shell.
 */
export function readEnv(stack: string): NodeJS.ProcessEnv {
    const env = { ...process.env };
    const dir = stateDir();
    if (!env.PULUMI_BACKEND_URL && !pulumiLoggedIn(env) && fs.existsSync(dir)) {
        env.PULUMI_BACKEND_URL = `file://${dir}`;
    }
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE && stack === "dev") {
        if (fs.existsSync(devPassphraseFile())) {
            env.PULUMI_CONFIG_PASSPHRASE_FILE = devPassphraseFile();
        }
    }
    return env;
}

export type StackOutputs = Record<string, unknown>;

/** `pulumi stack output --json` of a stack; a readable error when it is not deployed. */
export function stackOutputs(stack: string, env: NodeJS.ProcessEnv): StackOutputs {
    const res = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env,
    });
    if (res.error && (res.error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new UsageError("the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/");
    }
    const notDeployed = `stack ${stack} is not deployed (or not in this backend): run npm run up -- ${stack}`;
    if (res.status !== 0) {
        const why = (res.stderr ?? "").trim().split("\n").pop() ?? "";
        throw new Error(`${notDeployed}${why ? ` (pulumi: ${why})` : ""}`);
    }
    let outputs: unknown;
    try {
        outputs = JSON.parse(res.stdout || "{}");
    } catch {
        throw new Error(
            `pulumi stack output --json printed something else than JSON: ${res.stdout.slice(0, 200)}`,
        );
    }
    if (outputs === null || typeof outputs !== "object" || Object.keys(outputs).length === 0) {
        throw new Error(notDeployed);
    }
    return outputs as StackOutputs;
}

/** kubectl's global options for the kubeconfig and context the stack deploys with. */
export function stackKubectlArgs(stack: string): string[] {
    // The one path from stack files to the parser's input (config/source.ts).
    const raw = configInput(configSource(loadStackConfig(stack, [], true))).raw;
    return kubectlArgs(parseClusterConfig(new ConfigReader(raw)));
}

/**
 * The variables {@link readEnv} added, as a prefix for a `pulumi` command the user is told to run in
 * their own shell ("" when it added none).
 */
export function envPrefix(env: NodeJS.ProcessEnv): string {
    return ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE_FILE"]
        .filter((k) => env[k] !== undefined && env[k] !== process.env[k])
        .map((k) => `${k}=${shellWord(env[k] as string)} `)
        .join("");
}
