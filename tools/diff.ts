/**
 * npm run diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--config KEY=VALUE ...]
 *                 [--config-path] [--format text|markdown] [--max-chars N] [--out <dir>]
 *                 [--verbose] [--exit-code]
 *
 * Renders the stack offline (mock runtime, no cluster) at the base revision and at the working tree
 * (or at --head) and prints what differs: Kubernetes objects added, removed and changed with their
 * field changes, Helm chart version and value changes, other resources and stack outputs. Each side
 * is rendered by its own revision's tools/render.ts, so the comparison is what each revision would
 * deploy. Secrets stay redacted.
 *
 * Exit codes: 0 rendered and compared ("no changes" when nothing differs), 1 differences found
 * and --exit-code given, 2 usage error or a side failed to render.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    DiffLabels,
    RenderFile,
    diffRendered,
    formatMarkdown,
    formatText,
    isEmpty,
    parseRendered,
} from "./lib/diff";
import type { Rendered } from "./lib/render";
import { CommonArgs, PROJECT_ROOT, parseArgs } from "./lib/stackFiles";

const USAGE =
    "usage: npm run diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--config KEY=VALUE ...] " +
    "[--config-path] [--format text|markdown] [--max-chars N] [--out <dir>] [--verbose] [--exit-code]";
const BOOLEAN_FLAGS = ["--verbose", "--exit-code", "--help"];
const VALUE_FLAGS = ["--base", "--head", "--format", "--max-chars"];
const FORMATS = ["text", "markdown"];
/** Leaves room for three stacks and the policy verdicts in one GitHub comment (65536 characters). */
const DEFAULT_MARKDOWN_CHARS = 18000;
const RENDER_TIMEOUT_MS = 300_000;
const TS_NODE_REGISTER = require.resolve("ts-node/register/transpile-only");

class UsageError extends Error {}

interface Options {
    common: CommonArgs;
    stack: string;
    base: string;
    head?: string;
    format: "text" | "markdown";
    maxChars?: number;
    verbose: boolean;
    exitCode: boolean;
}

function parseOptions(argv: string[]): Options {
    const flags = new Set(argv.filter((a) => BOOLEAN_FLAGS.includes(a)));
    if (flags.has("--help")) {
        throw new UsageError(USAGE);
    }
    let common: CommonArgs;
    try {
        common = parseArgs(
            argv.filter((a) => !BOOLEAN_FLAGS.includes(a)),
            VALUE_FLAGS,
        );
    } catch (err) {
        throw new UsageError(`${(err as Error).message}\n${USAGE}`);
    }
    const single = (flag: string): string | undefined => {
        const v = common.rest.get(flag);
        if (v && v.length > 1) {
            throw new UsageError(`${flag} given ${v.length} times`);
        }
        return v?.[0];
    };
    const stack = common.stack;
    const base = single("--base");
    if (!stack || !base) {
        throw new UsageError(USAGE);
    }
    const format = single("--format") ?? "text";
    if (!FORMATS.includes(format)) {
        throw new UsageError(`--format ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
    }
    const maxCharsText = single("--max-chars");
    if (maxCharsText !== undefined && !/^[1-9]\d*$/.test(maxCharsText)) {
        throw new UsageError(`--max-chars ${JSON.stringify(maxCharsText)} is not a positive integer`);
    }
    return {
        common,
        stack,
        base,
        head: single("--head"),
        format: format as Options["format"],
        maxChars: maxCharsText === undefined ? undefined : Number(maxCharsText),
        verbose: flags.has("--verbose"),
        exitCode: flags.has("--exit-code"),
    };
}

function git(args: string[]): { ok: boolean; stdout: string; stderr: string } {
    const r = spawnSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" });
    if (r.error) {
        throw new Error(`cannot run git: ${r.error.message}`);
    }
    return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** One side of the comparison: a directory holding a project checkout, or none for an absent stack. */
interface Side {
    label: string;
    /** Undefined when the stack does not exist on this side. */
    root?: string;
}

interface Revision {
    ref: string;
    sha: string;
    /** Path of the project inside the repository, "" or ending in "/". */
    prefix: string;
}

function resolveRevision(ref: string, prefix: string): Revision {
    const r = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!r.ok) {
        throw new UsageError(
            `unknown git revision ${JSON.stringify(ref)} (in CI, check out with fetch-depth: 0 or fetch the base branch first)`,
        );
    }
    return { ref, sha: r.stdout, prefix };
}

function existsAt(rev: Revision, file: string): boolean {
    return git(["cat-file", "-e", `${rev.sha}:${rev.prefix}${file}`]).ok;
}

/** Writes the revision's project files into `dir` (read-only for the repository: no worktree, no index). */
function extract(rev: Revision, dir: string): void {
    const treeish = rev.prefix === "" ? rev.sha : `${rev.sha}:${rev.prefix.replace(/\/$/, "")}`;
    const archive = spawnSync("git", ["archive", "--format=tar", treeish], {
        cwd: PROJECT_ROOT,
        maxBuffer: 1 << 30,
    });
    if (archive.status !== 0) {
        throw new Error(`git archive ${rev.ref} failed: ${archive.stderr.toString().trim()}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const tar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (tar.status !== 0) {
        throw new Error(`extracting ${rev.ref} failed: ${tar.stderr.toString().trim()}`);
    }
    // The revision runs on the working tree's installed dependencies (replacing any committed ones).
    const modules = path.join(dir, "node_modules");
    fs.rmSync(modules, { recursive: true, force: true });
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), modules, "dir");
}

function prepareRevision(rev: Revision, stack: string, scratch: string, role: string): Side {
    const label = `${rev.ref} (${rev.sha.slice(0, 7)})`;
    if (!existsAt(rev, `Pulumi.${stack}.yaml`)) {
        return { label: `${label}, where stack ${stack} does not exist` };
    }
    if (!existsAt(rev, "tools/render.ts")) {
        throw new UsageError(
            `${rev.ref} has no tools/render.ts, so it cannot be rendered offline; compare against a newer revision`,
        );
    }
    const root = path.join(scratch, `${role}-src`);
    extract(rev, root);
    return { label, root };
}

function prepareWorkingTree(stack: string): Side {
    const exists = fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`));
    return exists
        ? { label: "working tree", root: PROJECT_ROOT }
        : { label: `working tree, where stack ${stack} does not exist` };
}

function configArgs(c: CommonArgs): string[] {
    return [
        ...c.overrides.flatMap((o) => ["--config", `${o.key}=${o.value}`]),
        ...(c.configPath ? ["--config-path"] : []),
    ];
}

/** Runs the side's own tools/render.ts in a child process and reads its files back. */
function renderSide(side: Side, opts: Options, out: string): Promise<Rendered | undefined> {
    const root = side.root;
    if (root === undefined) {
        return Promise.resolve(undefined);
    }
    const args = ["-r", TS_NODE_REGISTER, "tools/render.ts", "--stack", opts.stack, "--out", out];
    const env = { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") };
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            [...args, ...configArgs(opts.common)],
            { cwd: root, env, timeout: RENDER_TIMEOUT_MS, maxBuffer: 64 << 20 },
            (err, _stdout, stderr) => {
                if (err) {
                    const why = stderr.trim() || err.message;
                    reject(new Error(`rendering ${opts.stack} at ${side.label} failed:\n${why}`));
                    return;
                }
                try {
                    const files = Object.fromEntries(
                        fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), "utf8")]),
                    ) as Partial<Record<RenderFile, string>>;
                    resolve(parseRendered(files));
                } catch (readErr) {
                    reject(readErr instanceof Error ? readErr : new Error(String(readErr)));
                }
            },
        );
    });
}

function rerunCommand(opts: Options): string {
    const head = opts.head ? ` --head ${opts.head}` : "";
    const config = configArgs(opts.common)
        .map((a) => (/^[\w./:=@-]+$/.test(a) ? a : JSON.stringify(a)))
        .join(" ");
    const verbose = opts.verbose ? " --verbose" : "";
    return `npm run diff -- --stack ${opts.stack} --base ${opts.base}${head}${config ? ` ${config}` : ""}${verbose}`;
}

async function main(argv: string[]): Promise<number> {
    const opts = parseOptions(argv);
    const prefix = git(["rev-parse", "--show-prefix"]);
    if (!prefix.ok) {
        throw new UsageError(`${PROJECT_ROOT} is not inside a git repository: ${prefix.stderr}`);
    }
    const base = resolveRevision(opts.base, prefix.stdout);
    const head = opts.head === undefined ? undefined : resolveRevision(opts.head, prefix.stdout);

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-diff-"));
    const cleanup = () => fs.rmSync(scratch, { recursive: true, force: true });
    const onSignal = (signal: NodeJS.Signals) => {
        cleanup();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        const baseSide = prepareRevision(base, opts.stack, scratch, "base");
        const headSide = head
            ? prepareRevision(head, opts.stack, scratch, "head")
            : prepareWorkingTree(opts.stack);
        if (baseSide.root === undefined && headSide.root === undefined) {
            const head = opts.head === undefined ? "in the working tree" : `at ${opts.head}`;
            throw new UsageError(
                `no stack ${opts.stack}: Pulumi.${opts.stack}.yaml exists neither at ${opts.base} nor ${head}`,
            );
        }
        const outDir = path.resolve(opts.common.out ?? path.join(scratch, "rendered"));
        const [before, after] = await Promise.all([
            renderSide(baseSide, opts, path.join(outDir, "base")),
            renderSide(headSide, opts, path.join(outDir, "head")),
        ]);
        const d = diffRendered(before, after);
        const labels: DiffLabels = { stack: opts.stack, base: baseSide.label, head: headSide.label };
        const text =
            opts.format === "markdown"
                ? formatMarkdown(d, labels, {
                      verbose: opts.verbose,
                      maxChars: opts.maxChars ?? DEFAULT_MARKDOWN_CHARS,
                      rerun: rerunCommand(opts),
                  })
                : formatText(d, labels, { verbose: opts.verbose });
        process.stdout.write(text);
        return opts.exitCode && !isEmpty(d) ? 1 : 0;
    } finally {
        cleanup();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
        const message =
            err instanceof UsageError ? err.message : `diff failed: ${(err as Error).message ?? String(err)}`;
        console.error(message);
        process.exit(2);
    },
);
