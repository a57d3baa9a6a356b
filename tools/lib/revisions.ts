/**
 * Renders a stack as a git revision of this project would: the revision's files are exported with
 * `git archive` into a scratch directory (the repository, its index and worktrees are untouched)
 * and its own `tools/render.ts` renders them, on the working tree's installed node_modules.
 *
 * A revision whose render tool can run in-process (it exports `renderMain` and `RENDER_CLI` and
 * only runs when it is the main module) is rendered in this process, one evaluation at a time;
 * older revisions run in a child process. Either way the result is read back from the files the
 * revision writes, so only the render's file format is shared between revisions.
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "./cli";
import { RenderFile, parseRendered } from "./diff";
import type { Rendered } from "./render";
import { Override, PROJECT_ROOT } from "./stackFiles";

const RENDER_TIMEOUT_MS = 300_000;

export interface GitResult {
    ok: boolean;
    stdout: string;
    stderr: string;
}

export function git(args: string[], cwd = PROJECT_ROOT): GitResult {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    if (r.error) {
        throw new Error(`cannot run git: ${r.error.message}`);
    }
    return { ok: r.status === 0, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

export interface Revision {
    /** The project checkout whose repository the revision is in. */
    root: string;
    ref: string;
    sha: string;
    /** Path of the project inside the repository, "" or ending in "/". */
    prefix: string;
}

/** The project's path inside its git repository; a UsageError outside one. */
export function projectPrefix(root = PROJECT_ROOT): string {
    const prefix = git(["rev-parse", "--show-prefix"], root);
    if (!prefix.ok) {
        throw new UsageError(`${root} is not inside a git repository: ${prefix.stderr}`);
    }
    return prefix.stdout;
}

export function resolveRevision(ref: string, root = PROJECT_ROOT, prefix = projectPrefix(root)): Revision {
    const r = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
    if (!r.ok) {
        throw new UsageError(
            `unknown git revision ${JSON.stringify(ref)} (in CI, check out with fetch-depth: 0 or fetch the base branch first)`,
        );
    }
    return { root, ref, sha: r.stdout, prefix };
}

function existsAt(rev: Revision, file: string): boolean {
    return git(["cat-file", "-e", `${rev.sha}:${rev.prefix}${file}`], rev.root).ok;
}

function showAt(rev: Revision, file: string): string | undefined {
    const r = spawnSync("git", ["show", `${rev.sha}:${rev.prefix}${file}`], {
        cwd: rev.root,
        encoding: "utf8",
        maxBuffer: 64 << 20,
    });
    return r.status === 0 ? r.stdout : undefined;
}

/** Writes the revision's project files into `dir`. */
function extract(rev: Revision, dir: string): void {
    const treeish = rev.prefix === "" ? rev.sha : `${rev.sha}:${rev.prefix.replace(/\/$/, "")}`;
    const archive = spawnSync("git", ["archive", "--format=tar", treeish], {
        cwd: rev.root,
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
    // The revision runs on the working tree's installed dependencies (replacing any committed ones),
    // which also makes it share this process's Pulumi SDK when it renders in-process.
    const modules = path.join(dir, "node_modules");
    fs.rmSync(modules, { recursive: true, force: true });
    fs.symlinkSync(path.join(rev.root, "node_modules"), modules, "dir");
}

/** One side of a comparison: a project checkout, or none where the stack does not exist. */
export interface Side {
    label: string;
    /** Undefined when the stack does not exist on this side. */
    root?: string;
    /** Whether its render tool can run in this process. */
    inProcess: boolean;
}

function readIfExists(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Render tools from this one on export their main and run only as the main module. */
function rendersInProcess(source: string | undefined): boolean {
    return (
        source !== undefined &&
        /export async function renderMain\(/.test(source) &&
        /export const RENDER_CLI\b/.test(source) &&
        /if \(require\.main === module\)/.test(source)
    );
}

/**
 * Checks out the revision under `scratch` once (later calls for the same commit reuse it, so one
 * revision's code is loaded once however many stacks it renders).
 */
function checkout(rev: Revision, scratch: string): string {
    const root = path.join(scratch, `${rev.sha.slice(0, 12)}-src`);
    if (!fs.existsSync(path.join(root, "node_modules"))) {
        extract(rev, root);
    }
    return root;
}

export function prepareRevision(rev: Revision, stack: string, scratch: string): Side {
    const label = `${rev.ref} (${rev.sha.slice(0, 7)})`;
    if (!existsAt(rev, `Pulumi.${stack}.yaml`)) {
        return { label: `${label}, where stack ${stack} does not exist`, inProcess: false };
    }
    const tool = showAt(rev, "tools/render.ts");
    if (tool === undefined) {
        throw new UsageError(
            `${rev.ref} has no tools/render.ts, so it cannot be rendered offline; compare against a newer revision`,
        );
    }
    return { label, root: checkout(rev, scratch), inProcess: rendersInProcess(tool) };
}

export function prepareWorkingTree(stack: string, root = PROJECT_ROOT): Side {
    const exists = fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`));
    return exists
        ? {
              label: "working tree",
              root,
              inProcess: rendersInProcess(readIfExists(path.join(root, "tools", "render.ts"))),
          }
        : { label: `working tree, where stack ${stack} does not exist`, inProcess: false };
}

export interface RenderRequest {
    stack: string;
    overrides: Override[];
    configPath: boolean;
}

export function configArgs(r: Pick<RenderRequest, "overrides" | "configPath">): string[] {
    return [
        ...r.overrides.flatMap((o) => ["--config", `${o.key}=${o.value}`]),
        ...(r.configPath ? ["--config-path"] : []),
    ];
}

function readRendered(out: string): Rendered {
    const files = Object.fromEntries(
        fs.readdirSync(out).map((f) => [f, fs.readFileSync(path.join(out, f), "utf8")]),
    ) as Partial<Record<RenderFile, string>>;
    return parseRendered(files);
}

interface RenderModule {
    RENDER_CLI: unknown;
    renderMain: unknown;
}
interface CliModule {
    runCli(
        spec: unknown,
        main: unknown,
        argv: string[],
        io: { out(l: string): void; err(l: string): void },
    ): Promise<number>;
}

/** In-process evaluations share the Pulumi runtime: one at a time. */
let inProcessQueue: Promise<unknown> = Promise.resolve();

async function renderInProcess(root: string, args: string[]): Promise<string[]> {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const tool = require(path.join(root, "tools", "render.ts")) as RenderModule;
    const cli = require(path.join(root, "tools", "lib", "cli.ts")) as CliModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const errors: string[] = [];
    const code = await cli.runCli(tool.RENDER_CLI, tool.renderMain, args, {
        out: () => undefined,
        err: (l) => errors.push(l),
    });
    if (code !== 0) {
        throw new Error(errors.join("\n") || `exit code ${code}`);
    }
    return errors;
}

function renderInChild(root: string, args: string[]): Promise<void> {
    const register = require.resolve("ts-node/register/transpile-only");
    const env = { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json") };
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            ["-r", register, "tools/render.ts", ...args],
            { cwd: root, env, timeout: RENDER_TIMEOUT_MS, maxBuffer: 64 << 20 },
            (err, _stdout, stderr) => (err ? reject(new Error(stderr.trim() || err.message)) : resolve()),
        );
    });
}

/** Renders the side's stack into `out` with the side's own render tool, and reads it back. */
export async function renderSide(side: Side, req: RenderRequest, out: string): Promise<Rendered | undefined> {
    const root = side.root;
    if (root === undefined) {
        return undefined;
    }
    const args = ["--stack", req.stack, "--out", out, ...configArgs(req)];
    try {
        if (side.inProcess) {
            const run = inProcessQueue.then(() => renderInProcess(root, args));
            inProcessQueue = run.catch(() => undefined);
            await run;
        } else {
            await renderInChild(root, args);
        }
    } catch (err) {
        throw new Error(`rendering ${req.stack} at ${side.label} failed:\n${(err as Error).message}`);
    }
    return readRendered(out);
}

/** A scratch directory removed by `cleanup` (also on SIGINT/SIGTERM while it exists). */
export function scratchDir(): { dir: string; cleanup(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-diff-"));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    const onSignal = (signal: NodeJS.Signals) => {
        remove();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    return {
        dir,
        cleanup: () => {
            remove();
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
        },
    };
}

/**
 * The revisions a change is checked against: the previous commit (HEAD~1, which on main after a
 * merge is the whole merged branch), and the fork point from the main branch when HEAD is on
 * another branch. A root commit has no previous state to break: none. A shallow clone without
 * the parent commit, or no git repository, is an error saying how to get the history.
 */
export function previousRevisions(root = PROJECT_ROOT): Revision[] {
    const prefix = projectPrefix(root);
    const head = git(["rev-parse", "HEAD"], root).stdout;
    const parent = git(["rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"], root);
    if (!parent.ok) {
        if (git(["rev-parse", "--is-shallow-repository"], root).stdout === "true") {
            throw new Error(
                "this clone is shallow and lacks HEAD's parent commit, which the rename check renders: fetch it (git fetch --deepen=1) or clone without --depth",
            );
        }
        return [];
    }
    const out: Revision[] = [{ root, ref: "HEAD~1", sha: parent.stdout, prefix }];
    for (const upstream of ["origin/main", "main"]) {
        const base = git(["merge-base", "HEAD", upstream], root);
        if (base.ok) {
            if (base.stdout !== head && base.stdout !== parent.stdout) {
                out.push({ root, ref: `merge-base with ${upstream}`, sha: base.stdout, prefix });
            }
            break;
        }
    }
    return out;
}
