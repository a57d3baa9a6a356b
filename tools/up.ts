/**
 * npm run up -- <stack> [pulumi up options...]
 *
 * The one command a newcomer needs: selects (or creates) the stack and runs `pulumi up`.
 * Without a Pulumi login or PULUMI_BACKEND_URL it uses a local file backend in ./.pulumi-state;
 * for the dev stack without a passphrase it creates one in ./.pulumi-state/dev.passphrase (both
 * are git-ignored). Any other stack must bring its own backend and passphrase or KMS provider.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, listStacks } from "./lib/stackFiles";

/** Local state and the dev passphrase; ISTIO_MESH_STATE_DIR puts them elsewhere. */
const STATE_DIR = process.env.ISTIO_MESH_STATE_DIR ?? path.join(PROJECT_ROOT, ".pulumi-state");

function have(cmd: string): boolean {
    return spawnSync(cmd, ["version"], { stdio: "ignore" }).status === 0;
}

function run(args: string[], env: NodeJS.ProcessEnv): number {
    console.log(`$ pulumi ${args.join(" ")}`);
    return spawnSync("pulumi", args, { cwd: PROJECT_ROOT, stdio: "inherit", env }).status ?? 1;
}

function main(): number {
    const [stack, ...rest] = process.argv.slice(2);
    const stacks = listStacks();
    if (!stack || !stacks.includes(stack)) {
        console.error(`usage: npm run up -- <stack> [pulumi up options]; stacks: ${stacks.join(", ")}`);
        return 2;
    }
    if (!have("pulumi")) {
        console.error("The Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/");
        return 1;
    }
    const env = { ...process.env };
    const loggedIn =
        spawnSync("pulumi", ["whoami"], { cwd: PROJECT_ROOT, stdio: "ignore", env }).status === 0;
    if (!env.PULUMI_BACKEND_URL && !loggedIn) {
        fs.mkdirSync(STATE_DIR, { recursive: true });
        env.PULUMI_BACKEND_URL = `file://${STATE_DIR}`;
        console.log(`Using the local file backend ${env.PULUMI_BACKEND_URL}`);
    }
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        if (stack !== "dev") {
            console.error(`Set PULUMI_CONFIG_PASSPHRASE (or _FILE) for the ${stack} stack's secrets.`);
            return 1;
        }
        const file = path.join(STATE_DIR, "dev.passphrase");
        if (!fs.existsSync(file)) {
            fs.mkdirSync(STATE_DIR, { recursive: true });
            fs.writeFileSync(file, crypto.randomBytes(24).toString("base64url"), { mode: 0o600 });
            console.log(`Created a passphrase for the dev stack's secrets in ${file}`);
        }
        env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
    }
    if (stack === "dev" && !have("kind")) {
        console.error(
            "The dev stack creates a kind cluster: install kind (https://kind.sigs.k8s.io) and Docker.",
        );
        return 1;
    }
    const select = run(["stack", "select", "--create", stack, "--secrets-provider", "passphrase"], env);
    return select !== 0 ? select : run(["up", "--stack", stack, ...rest], env);
}

process.exit(main());
