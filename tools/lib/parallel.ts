/**
 * node -r ./tools/lib/register.cjs tools/lib/parallel.ts "<command>" "<command>" ...
 *
 * Runs `npm test`'s static checks (type check, ESLint, Prettier) side by side: each is mostly
 * single-threaded, so on two cores they finish in about the time of the slowest instead of the sum. Each command's output is printed in one piece, in the order given, once all have
 * ended (so the test summary stays the last line); the exit code is the first failing command's.
 */
import { spawn } from "child_process";

interface Result {
    command: string;
    code: number;
    output: string;
    ms: number;
}

function run(command: string): Promise<Result> {
    const start = Date.now();
    return new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("close", (code, signal) => {
            resolve({ command, code: code ?? (signal ? 1 : 0), output, ms: Date.now() - start });
        });
    });
}

async function main(): Promise<number> {
    const commands = process.argv.slice(2);
    if (commands.length === 0) {
        console.error('usage: parallel.ts "<command>" ...');
        return 2;
    }
    const results = await Promise.all(commands.map(run));
    for (const r of results) {
        const status = r.code === 0 ? "ok" : `FAILED, exit ${r.code}`;
        process.stdout.write(`> ${r.command} (${(r.ms / 1000).toFixed(1)} s, ${status})\n${r.output}`);
    }
    return results.find((r) => r.code !== 0)?.code ?? 0;
}

void main().then((code) => process.exit(code));
