/**
 * npm run up -- <stack> [--local] [pulumi up options...]   (or --stack <stack>)
 *
 * The one command a newcomer needs: checks the Node.js version, selects (or creates) the stack, runs
 * `pulumi up`, and prints where to go next from the stack's outputs.
 * - Backend: the one in force (PULUMI_BACKEND_URL or `pulumi login`). Without one, the dev stack
 *   uses a local file backend in ./.pulumi-state; any other stack is shared and refuses, unless
 *   `--local` asks for the local backend on purpose.
 * - Passphrase: for dev without one, a generated ./.pulumi-state/dev.passphrase (both paths are
 *   git-ignored; ISTIO_MESH_STATE_DIR moves them). Any other stack brings its own passphrase or KMS.
 * - Options other than --stack, --local and --help, and everything after `--`, go to `pulumi up`.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CliSpec, EXIT_NO, Io, ParsedCli, runCli } from "./lib/cli";
import { devPassphraseFile, envPrefix, have, pulumiLoggedIn, stackOutputs, stateDir } from "./lib/stackCli";
import { configuredPeers, repositoryStack } from "./lib/peers";
import { PROJECT_ROOT, loadStackConfig } from "./lib/stackFiles";

export const UP_CLI: CliSpec = {
    name: "up",
    summary:
        "Selects or creates the stack and runs `pulumi up`; other options (and anything after --) go to pulumi up.",
    stack: "positional",
    flags: [
        {
            name: "--local",
            help: "keep a stack other than dev in the local file backend ./.pulumi-state (not shared)",
        },
    ],
};

const OWN_FLAGS = new Set(["--stack", "-s", "--local", "--help"]);

/**
 * Splits the words into this tool's own (the stack, --stack, --local, --help) and those for
 * `pulumi up`: everything after `--`, and every other option with the words after it.
 */
export function splitUpArgs(argv: string[]): { own: string[]; pulumi: string[] } {
    const own: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const w = argv[i];
        if (w === "--") {
            return { own, pulumi: argv.slice(i + 1) };
        }
        const name = w.split("=")[0];
        if (OWN_FLAGS.has(name)) {
            own.push(w);
            if ((name === "--stack" || name === "-s") && !w.includes("=") && i + 1 < argv.length) {
                own.push(argv[++i]);
            }
        } else if (!w.startsWith("-") && !own.some((x) => !x.startsWith("-"))) {
            own.push(w);
        } else {
            return { own, pulumi: argv.slice(i) };
        }
    }
    return { own, pulumi: [] };
}

/** The lowest major version a `>=X[.Y.Z]`/`^X`/`X` engines range allows (undefined if not understood). */
export function engineMinimum(range: string): number[] | undefined {
    const m = /^\s*(?:>=|\^|~)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
    return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/** A message when `version` is below package.json `engines.node`; undefined when it satisfies it. */
export function nodeVersionProblem(version: string, range: string): string | undefined {
    const min = engineMinimum(range);
    if (!min) {
        return undefined;
    }
    const have = version.replace(/^v/, "").split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if ((have[i] ?? 0) !== min[i]) {
            if ((have[i] ?? 0) > min[i]) {
                return undefined;
            }
            return (
                `Node.js ${version} is older than this project needs (package.json engines.node "${range}"): ` +
                `install Node.js ${min[0]}.${min[1]} or newer, the ${min[0]} LTS line or later (https://nodejs.org/en/download, or \`nvm install ${min[0]}\`), then run npm ci again.`
            );
        }
    }
    return undefined;
}

function enginesRange(): string | undefined {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
        engines?: { node?: string };
    };
    return pkg.engines?.node;
}

function run(io: Io, args: string[], env: NodeJS.ProcessEnv): number {
    io.out(`$ pulumi ${args.join(" ")}`);
    return spawnSync("pulumi", args, { cwd: PROJECT_ROOT, stdio: "inherit", env }).status ?? 1;
}

/** The "next steps" block printed after a successful `pulumi up`, from the stack's outputs. */
export function nextSteps(stack: string, outputs: Record<string, unknown>): string[] {
    const lines = ["", "Next steps:"];
    const gateway = outputs.gateway as { url?: string; howTo?: string } | undefined;
    const page = outputs.productPage as { url?: string; curl?: string; hostHeader?: string } | undefined;
    const pageUrl = typeof outputs.productPageUrl === "string" ? outputs.productPageUrl : undefined;
    const isUrl = (s: string | undefined) => s !== undefined && /^https?:\/\//.test(s);
    if (isUrl(pageUrl)) {
        lines.push(`  open the product page:  ${pageUrl}`);
        if (page?.hostHeader && page.curl) {
            lines.push(`    (until ${page.hostHeader} resolves to the gateway: ${page.curl})`);
        }
    } else if (pageUrl !== undefined) {
        lines.push(
            `  product page:           ${pageUrl}`,
            `    the gateway's URL:    ${gateway?.howTo ?? ""}`,
        );
    } else if (gateway?.url) {
        lines.push(`  ingress gateway:        ${gateway.url}`);
    }
    if (outputs.productPageUrl !== undefined) {
        lines.push(`  generate traffic:       npm run traffic -- --stack ${stack} --requests 100`);
    }
    const uis = Object.keys((outputs.observability as Record<string, unknown> | undefined) ?? {});
    if (uis.length > 0) {
        lines.push(
            `  open a dashboard:       npm run ui -- ${uis[0]} --stack ${stack}   (or ${uis.slice(1).join(", ")}; --all opens every one)`,
        );
    }
    lines.push(`  all outputs:            pulumi stack output --stack ${stack}`);
    return lines;
}

/**
 * dev and the dev-* stacks (the multi-cluster pair) live on this machine: kind clusters, the local
 * backend, one generated passphrase, which also lets each read the other's secret outputs.
 */
export function isLocalStack(stack: string): boolean {
    return stack === "dev" || stack.startsWith("dev-");
}

/** The multi-cluster peers of a stack that are stacks of this repository. */
export function repositoryPeers(stack: string): string[] {
    const config = loadStackConfig(stack);
    return configuredPeers(config)
        .map((ref) => repositoryStack(ref, config.project))
        .filter((s): s is string => s !== undefined);
}

export function upMain(args: ParsedCli, io: Io, pulumiArgs: string[] = []): number {
    const stack = args.stack as string;
    const range = enginesRange();
    const nodeProblem = range ? nodeVersionProblem(process.versions.node, range) : undefined;
    if (nodeProblem) {
        io.err(nodeProblem);
        return EXIT_NO;
    }
    if (!have("pulumi")) {
        io.err("The Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/");
        return EXIT_NO;
    }
    const env = { ...process.env };
    const dir = stateDir();
    if (!env.PULUMI_BACKEND_URL && !pulumiLoggedIn(env)) {
        if (!isLocalStack(stack) && !args.switches.has("--local")) {
            io.err(
                [
                    `The ${stack} stack is shared, and no Pulumi backend is set: npm run up will not keep its state on this machine only.`,
                    "Choose the backend your team shares, then run this again:",
                    "  export PULUMI_BACKEND_URL=s3://<bucket>/istio-mesh   (or azblob://, gs://, file:///shared/path)",
                    "  or: pulumi login   (Pulumi Cloud, or pulumi login <backend-url>)",
                    `To keep ${stack}'s state in ${dir} on purpose: npm run up -- ${stack} --local`,
                ].join("\n"),
            );
            return EXIT_NO;
        }
        fs.mkdirSync(dir, { recursive: true });
        env.PULUMI_BACKEND_URL = `file://${dir}`;
        io.out(`Using the local file backend ${env.PULUMI_BACKEND_URL}`);
    }
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
        if (!isLocalStack(stack)) {
            io.err(`Set PULUMI_CONFIG_PASSPHRASE (or _FILE) for the ${stack} stack's secrets.`);
            return EXIT_NO;
        }
        const file = devPassphraseFile();
        if (!fs.existsSync(file)) {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(file, crypto.randomBytes(24).toString("base64url"), { mode: 0o600 });
            io.out(`Created a passphrase for the dev stack's secrets in ${file}`);
        }
        env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
    }
    if (isLocalStack(stack) && !have("kind")) {
        io.err("The dev stack creates a kind cluster: install kind (https://kind.sigs.k8s.io) and Docker.");
        return EXIT_NO;
    }
    // A peer of a multi-cluster mesh must exist for the StackReference to read it; a new (empty)
    // peer is one the program waits for (docs/multicluster.md). The stack itself is selected last.
    for (const s of [...repositoryPeers(stack), stack]) {
        const select = run(io, ["stack", "select", "--create", s, "--secrets-provider", "passphrase"], env);
        if (select !== 0) {
            return select;
        }
    }
    const up = run(io, ["up", "--stack", stack, ...pulumiArgs], env);
    if (up !== 0) {
        return up;
    }
    try {
        nextSteps(stack, stackOutputs(stack, env)).forEach((l) => io.out(l));
        const prefix = envPrefix(env);
        if (prefix !== "") {
            io.out(`  the pulumi CLI in this shell:  export ${prefix.trim()}`);
        }
    } catch (err) {
        io.out(`(next steps: pulumi stack output --stack ${stack}; ${(err as Error).message})`);
    }
    return 0;
}

/** Runs `npm run up` with its own words parsed by the shared CLI conventions. */
export function runUp(argv: string[], io?: Io): Promise<number> {
    const { own, pulumi } = splitUpArgs(argv);
    return runCli(UP_CLI, (args, o) => upMain(args, o, pulumi), own, io);
}

if (require.main === module) {
    void runUp(process.argv.slice(2)).then((code) => process.exit(code));
}
