/**
 * Stand-ins for the pulumi, kubectl and kind CLIs: shell scripts on a private PATH that record how
 * they were called (one line per call in $LOG), so the tools that drive these CLIs are tested
 * without them, including their failure paths.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/lib/stackFiles";

export class FakeClis {
    readonly dir: string;
    readonly bin: string;
    readonly log: string;

    constructor(prefix: string) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        this.bin = path.join(this.dir, "bin");
        fs.mkdirSync(this.bin);
        this.log = path.join(this.dir, "calls.log");
    }

    /** Installs `name` as a shell script (after a line that logs its arguments). */
    add(name: string, script: string, logLine = `echo "${name} $*" >> "$LOG"`): void {
        fs.writeFileSync(path.join(this.bin, name), `#!/bin/sh\n${logLine}\n${script}\n`, { mode: 0o755 });
    }

    remove(name: string): void {
        fs.rmSync(path.join(this.bin, name), { force: true });
    }

    /** A pulumi that is logged in nowhere and prints `outputs` for `stack output --json`. */
    addPulumi(outputs: object | undefined): void {
        const file = path.join(this.dir, "outputs.json");
        if (outputs !== undefined) {
            fs.writeFileSync(file, JSON.stringify(outputs));
        }
        this.add(
            "pulumi",
            [
                '[ "$1" = whoami ] && exit 1',
                'if [ "$1 $2" = "stack output" ]; then',
                `  [ -f ${file} ] || { echo "error: no stack named 'x' found" >&2; exit 255; }`,
                `  cat ${file}; exit 0`,
                "fi",
                "exit 0",
            ].join("\n"),
            'echo "pulumi $* | backend=$PULUMI_BACKEND_URL | passphrase=$PULUMI_CONFIG_PASSPHRASE_FILE" >> "$LOG"',
        );
    }

    calls(): string[] {
        return fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").trim().split("\n") : [];
    }

    /** An environment without the caller's PULUMI_* settings and with the stand-ins first on PATH. */
    env(extra: Record<string, string> = {}): Record<string, string> {
        const clean = Object.fromEntries(
            Object.entries(this.saved ?? process.env).filter(([k]) => !k.startsWith("PULUMI_")),
        ) as Record<string, string>;
        return {
            ...clean,
            PATH: `${this.bin}:${(this.saved ?? process.env).PATH ?? ""}`,
            LOG: this.log,
            ISTIO_MESH_STATE_DIR: path.join(this.dir, "state"),
            ...extra,
        };
    }

    /** Runs a tool script as `npm run` would (in a child process: the tools exit). */
    runTool(tool: string, args: string[], env: Record<string, string> = {}) {
        return spawnSync(
            process.execPath,
            ["-r", path.join(PROJECT_ROOT, "tools", "lib", "register.cjs"), tool, ...args],
            {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
                env: this.env(env),
                timeout: 60000,
            },
        );
    }

    private saved?: NodeJS.ProcessEnv;

    /**
     * Points this process at the stand-ins (PATH, LOG, state dir, no PULUMI_* settings), for tools
     * run in-process with runCli; {@link cleanup} restores the environment.
     */
    activate(extra: Record<string, string> = {}): void {
        this.saved ??= { ...process.env };
        for (const k of Object.keys(process.env)) {
            delete process.env[k];
        }
        Object.assign(process.env, this.env(extra));
    }

    cleanup(): void {
        if (this.saved) {
            for (const k of Object.keys(process.env)) {
                delete process.env[k];
            }
            Object.assign(process.env, this.saved);
            this.saved = undefined;
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Collects a tool's output lines, for tools run in-process. */
export function collectIo(): {
    io: { out(l: string): void; err(l: string): void };
    stdout(): string;
    stderr(): string;
} {
    const out: string[] = [];
    const err: string[] = [];
    return {
        io: { out: (l) => out.push(l), err: (l) => err.push(l) },
        stdout: () => out.join("\n"),
        stderr: () => err.join("\n"),
    };
}
