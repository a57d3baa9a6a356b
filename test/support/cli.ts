/**
 * Runs a tool's main in-process through the shared CLI conventions (tools/lib/cli.ts), collecting
 * what it prints; and, for the one subprocess smoke test per CLI, runs it as `npm run <tool>` does.
 */
import * as assert from "assert";
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CliSpec, Io, ParsedCli, runCli } from "../../tools/lib/cli";
import { PROJECT_ROOT } from "../../tools/lib/stackFiles";

export interface CliRun {
    code: number;
    stdout: string;
    stderr: string;
}

export async function runTool(
    spec: CliSpec,
    main: (args: ParsedCli, io: Io) => Promise<number> | number,
    argv: string[],
): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await runCli(spec, main, argv, io);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** Asserts a user mistake: exit 2, the given message, the usage line, and no stack trace. */
export function assertUsageError(run: CliRun, spec: CliSpec, message: RegExp): void {
    assert.strictEqual(run.code, 2, `expected exit 2, got ${run.code}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assertNoTrace(run);
    assert.strictEqual(run.stdout, "", "a usage error prints nothing to stdout");
    assert.match(run.stderr, new RegExp(`usage: npm run ${spec.name} --`), run.stderr);
}

export function assertNoTrace(run: { stderr: string }): void {
    assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed:\n${run.stderr}`);
}

/**
 * `npm run <tool> -- args` without npm's own start-up: the command line of the package.json script
 * (which must start with `node`), run with this node.
 */
export function spawnTool(tool: string, args: string[]): SpawnSyncReturns<string> {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
    };
    const [cmd, ...words] = pkg.scripts[tool].split(/\s+/);
    assert.strictEqual(cmd, "node", `npm run ${tool} does not start with node: ${pkg.scripts[tool]}`);
    return spawnSync(process.execPath, [...words, ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
}
