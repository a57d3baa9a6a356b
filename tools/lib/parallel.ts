/**
 * node -r ./tools/lib/register.cjs tools/lib/parallel.ts "<command>" "<command>" ...
 *
 * Runs `npm test`'s static checks (type check, ESLint, Prettier) side by side: each is mostly
 * single-threaded, so on two cores they finish in about the time of the slowest instead of the
 * sum. Each command's output is printed in one piece when it ends; the exit code is the first
 * failing command's (0 when all pass).
 */
import { spawn } from "child_process";

function run(command: string): Promise<{ command: string; code: number; output: string; ms: number }> {
    const start = Date.now();
    return new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("close", (code, signal) => {
            const status = code ?? (signal ? 1 : 0);
            const ms = Date.now() - start;
            process.stdout.write(
                `> ${command} (${(ms / 1000).toFixed(1)} s${status ? `, exit ${status}` : ""})\n${output}`,
            );
            resolve({ command, code: status, output, ms });
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
    const failed = results.filter((r) => r.code !== 0);
    for (const f of failed) {
        console.error(`failed: ${f.command} (exit ${f.code})`);
    }
    return failed[0]?.code ?? 0;
}

void main().then((code) => process.exit(code));
