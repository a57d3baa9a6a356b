/**
 * npm run bench [-- --runs N]
 *
 * Measures in fresh processes, as the median of N runs (default 5):
 * - the floor: loading the Pulumi SDKs and the SDK modules the program uses;
 * - every committed stack: loading the program's own modules, then its evaluation under the mock
 *   runtime (declaring every resource until all are registered), and peak memory;
 * - CLI start: the wall time of one `npm run render` of the dev stack against the wall time of
 *   `node` loading just @pulumi/pulumi and @pulumi/kubernetes;
 * - how evaluation time grows with the number of application namespaces, and with the number of
 *   applications of 5 services, each judged from a least-squares fit over several counts (see
 *   lib/benchStats.ts).
 * Targets: a full stack's evaluation takes under 1.5x the floor; `npm run render` under 2x the
 * node floor; growth is linear (or too small to tell from noise); 50 applications evaluate in
 * under 3 s. Exits 1 when a target is missed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { judgeGrowth } from "./lib/benchStats";
import { CliSpec, EXIT_NO, EXIT_OK, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { PROJECT_ROOT, listStacks } from "./lib/stackFiles";

export const BENCH_CLI: CliSpec = {
    name: "bench",
    summary:
        "Benchmarks SDK load, program load, evaluation, CLI start and growth with namespaces, " +
        "in fresh processes. Exits 1 when a target is missed.",
    flags: [{ name: "--runs", value: "<n>", help: "fresh-process runs per measurement (default 5)" }],
};

/**
 * Application namespace counts of the growth fit: one namespace costs under 1 ms against ~7 ms of
 * run-to-run noise, so the range must reach far enough for the slope to stand out of it.
 */
export const NAMESPACE_COUNTS = [1, 40, 80, 120, 160, 200];
/** Counts of applications (of 5 services each) of the growth fit; the last one must take < 3 s. */
export const APPLICATION_COUNTS = [1, 5, 10, 25, 50];

type Sample = Record<string, number>;

const CHILD = path.join(__dirname, "lib", "benchChild.ts");
const REGISTER = path.join(__dirname, "lib", "register.cjs");

/** The value of --runs: a positive integer. */
export function parseRuns(value: string | undefined): number {
    if (value === undefined) {
        return 5;
    }
    if (!/^[1-9][0-9]*$/.test(value) || Number(value) > 1000) {
        throw new UsageError(`--runs must be a positive integer (at most 1000), got '${value}'`);
    }
    return Number(value);
}

function sample(args: string[]): Sample {
    // The child loads TypeScript as `npm run render` does (tools/lib/register.cjs); --expose-gc lets
    // the scaling runs start each timed evaluation from a collected heap.
    const node = ["--expose-gc", "-r", REGISTER, CHILD, ...args];
    const res = spawnSync(process.execPath, node, { cwd: PROJECT_ROOT, encoding: "utf8" });
    if (res.status !== 0) {
        throw new Error(`benchmark child ${args.join(" ")} failed: ${res.stderr}`);
    }
    return JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") as Sample;
}

/** Wall time of a command in ms; throws when it fails. */
function wall(cmd: string, args: string[]): number {
    const t = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { cwd: PROJECT_ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (res.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed: ${res.stderr}`);
    }
    return ms;
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Median of each field over N fresh-process runs. */
function measure(args: string[], runs: number): Sample {
    const samples = Array.from({ length: runs }, () => sample(args));
    return Object.fromEntries(Object.keys(samples[0]).map((k) => [k, median(samples.map((s) => s[k]))]));
}

/** `npm run render` as a user runs it: through npm (the one running this, when there is one). */
function npmRender(out: string): [string, string[]] {
    const args = ["run", "--silent", "render", "--", "--stack", "dev", "--out", out];
    const npm = process.env.npm_execpath;
    return npm ? [process.execPath, [npm, ...args]] : ["npm", args];
}

function row(cells: (string | number)[]): string {
    return cells
        .map((c, i) => (typeof c === "number" ? c.toFixed(c < 10 ? 2 : 0) : c).padStart(i === 0 ? 22 : 12))
        .join(" ");
}

export function benchMain(args: ParsedCli, io: Io): number {
    const runs = parseRuns(single(args, "--runs"));
    io.out(
        `istio-mesh benchmark: median of ${runs} fresh-process runs, node ${process.version}, load ${os.loadavg()[0].toFixed(2)}\n`,
    );
    const floor = measure(["floor"], runs);
    io.out(row(["", "SDK load ms", "program ms", "eval ms", "eval/floor", "peak MB"]));
    io.out(row(["SDK load floor", floor.loadMs, "-", "-", "-", floor.maxRssMb]));
    let fast = true;
    for (const stack of listStacks()) {
        const s = measure(["stack", stack], runs);
        const ratio = s.evalMs / floor.loadMs;
        fast = fast && ratio < 1.5;
        io.out(row([`stack ${stack}`, s.loadMs, s.programLoadMs, s.evalMs, ratio, s.maxRssMb]));
    }

    // CLI start, as wall times of whole processes. One untimed render first fills the compile
    // caches (a first run after an edit transpiles the edited files again).
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-bench-"));
    let nodeFloor: number;
    let renderWall: number;
    try {
        const sdkOnly = [
            process.execPath,
            ["-e", 'require("@pulumi/pulumi"); require("@pulumi/kubernetes");'],
        ] as const;
        const [cmd, cmdArgs] = npmRender(out);
        wall(cmd, cmdArgs);
        nodeFloor = median(Array.from({ length: runs }, () => wall(sdkOnly[0], [...sdkOnly[1]])));
        renderWall = median(Array.from({ length: runs }, () => wall(cmd, cmdArgs)));
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
    const startRatio = renderWall / nodeFloor;
    io.out("\nCLI start (wall time of a whole process):");
    io.out(row(["", "wall ms", "x node floor"]));
    io.out(row(["node loads the SDKs", nodeFloor, 1]));
    io.out(row(["npm run render (dev)", renderWall, startRatio]));

    const scale = measure(["scale", "dev", NAMESPACE_COUNTS.join(",")], runs);
    const times = NAMESPACE_COUNTS.map((n) => scale[`ns${n}`]);
    io.out("\nevaluation time by number of application namespaces (dev, warm process):");
    io.out(row(["namespaces", "eval ms"]));
    NAMESPACE_COUNTS.forEach((n, i) => io.out(row([String(n), times[i]])));
    const growth = judgeGrowth(NAMESPACE_COUNTS, times);
    io.out(`growth: ${growth.text}`);

    const apps = measure(["apps", "dev", APPLICATION_COUNTS.join(",")], runs);
    const appTimes = APPLICATION_COUNTS.map((n) => apps[`apps${n}`]);
    io.out("\nevaluation time by number of applications of 5 services (dev, warm process):");
    io.out(row(["applications", "eval ms", "", "", "", "peak MB"]));
    APPLICATION_COUNTS.forEach((n, i) =>
        io.out(
            row([
                String(n),
                appTimes[i],
                "",
                "",
                "",
                i === APPLICATION_COUNTS.length - 1 ? apps.maxRssMb : "",
            ]),
        ),
    );
    const appGrowth = judgeGrowth(APPLICATION_COUNTS, appTimes, "application");
    io.out(`growth: ${appGrowth.text}`);
    const largest = appTimes[appTimes.length - 1];
    const appsFast = largest < 3000;

    const met = (ok: boolean) => (ok ? "met" : "MISSED");
    io.out(`\ntarget: a full stack evaluates in < 1.5x the SDK load floor: ${met(fast)}`);
    io.out(
        `target: npm run render takes < 2x node loading the SDKs (${startRatio.toFixed(2)}x): ${met(startRatio < 2)}`,
    );
    const verdict = (g: typeof growth) =>
        g.growth === "noise" ? "inconclusive: noise" : met(g.growth === "linear");
    io.out(`target: linear growth with namespaces: ${verdict(growth)}`);
    io.out(`target: linear growth with applications: ${verdict(appGrowth)}`);
    io.out(
        `target: ${APPLICATION_COUNTS[APPLICATION_COUNTS.length - 1]} applications evaluate in < 3 s: ${met(appsFast)}`,
    );
    const ok =
        fast &&
        startRatio < 2 &&
        growth.growth !== "superlinear" &&
        appGrowth.growth !== "superlinear" &&
        appsFast;
    return ok ? EXIT_OK : EXIT_NO;
}

if (require.main === module) {
    cliMain(BENCH_CLI, benchMain);
}
