/**
 * npm run bench [-- --runs N]
 *
 * Measures in fresh processes, as the median of N runs (default 5):
 * - the floor: loading the Pulumi SDKs and the SDK modules the program uses;
 * - every committed stack: loading the program's own modules (ts-node compiles them), then its
 *   evaluation under the mock runtime (declaring every resource until all are registered), and
 *   peak memory;
 * - how evaluation time grows with the number of application namespaces (1, 10, 50);
 * - how evaluation time grows with the number of applications of 5 services (1, 10, 50).
 * Targets: a full stack's evaluation takes under 1.5x the floor; growth is linear in namespaces
 * and in applications; 50 applications evaluate in under 3 s.
 * Program loading is reported beside it (it is compile time, which `pulumi up` pays too).
 * Exits 1 when a target is missed.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT, listStacks } from "./lib/stackFiles";

type Sample = Record<string, number>;

const CHILD = path.join(__dirname, "lib", "benchChild.ts");

function sample(args: string[]): Sample {
    // ts-node compiles the child as `npm run render` would; --expose-gc lets the scaling runs
    // start each timed evaluation from a collected heap.
    const node = ["--expose-gc", "-r", "ts-node/register/transpile-only", CHILD, ...args];
    const res = spawnSync(process.execPath, node, { cwd: PROJECT_ROOT, encoding: "utf8" });
    if (res.status !== 0) {
        throw new Error(`benchmark child ${args.join(" ")} failed: ${res.stderr}`);
    }
    return JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") as Sample;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Median of each field over N fresh-process runs. */
function measure(args: string[], runs: number): Sample {
    const samples = Array.from({ length: runs }, () => sample(args));
    return Object.fromEntries(Object.keys(samples[0]).map((k) => [k, median(samples.map((s) => s[k]))]));
}

function row(cells: (string | number)[]): string {
    return cells
        .map((c, i) => (typeof c === "number" ? c.toFixed(c < 10 ? 2 : 0) : c).padStart(i === 0 ? 22 : 12))
        .join(" ");
}

function main(): number {
    const runsArg = process.argv.indexOf("--runs");
    const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
    console.log(`istio-mesh benchmark: median of ${runs} fresh-process runs, node ${process.version}\n`);
    const floor = measure(["floor"], runs);
    console.log(row(["", "SDK load ms", "program ms", "eval ms", "eval/floor", "peak MB"]));
    console.log(row(["SDK load floor", floor.loadMs, "-", "-", "-", floor.maxRssMb]));
    let fast = true;
    for (const stack of listStacks()) {
        const s = measure(["stack", stack], runs);
        const ratio = s.evalMs / floor.loadMs;
        fast = fast && ratio < 1.5;
        console.log(row([`stack ${stack}`, s.loadMs, s.programLoadMs, s.evalMs, ratio, s.maxRssMb]));
    }

    const scale = measure(["scale", "dev"], runs);
    const [t1, t10, t50] = [scale.ns1, scale.ns10, scale.ns50];
    console.log("\nevaluation time by number of application namespaces (dev, warm process):");
    console.log(row(["namespaces", "eval ms", "ms/extra ns", "", "", "peak MB"]));
    console.log(row(["1", t1, "-", "", "", ""]));
    console.log(row(["10", t10, (t10 - t1) / 9, "", "", ""]));
    console.log(row(["50", t50, (t50 - t10) / 40, "", "", scale.maxRssMb]));
    // Linear: going from 10 to 50 namespaces costs per namespace no more than twice what going
    // from 1 to 10 did (a quadratic cost would be ~5x), with 0.5 ms per namespace of slack for
    // timer noise, which dominates when a namespace costs well under a millisecond.
    const early = Math.max((t10 - t1) / 9, 0);
    const late = (t50 - t10) / 40;
    const linear = late <= 2 * early + 0.5;

    const apps = measure(["apps", "dev"], runs);
    const [a1, a10, a50] = [apps.apps1, apps.apps10, apps.apps50];
    console.log("\nevaluation time by number of applications of 5 services (dev, warm process):");
    console.log(row(["applications", "eval ms", "ms/extra app", "", "", "peak MB"]));
    console.log(row(["1", a1, "-", "", "", ""]));
    console.log(row(["10", a10, (a10 - a1) / 9, "", "", ""]));
    console.log(row(["50", a50, (a50 - a10) / 40, "", "", apps.maxRssMb]));
    // Same linearity rule as for namespaces; an application costs tens of milliseconds, so the
    // slack is 10% of the early per-application cost rather than a fixed 0.5 ms.
    const appEarly = Math.max((a10 - a1) / 9, 0);
    const appsLinear = (a50 - a10) / 40 <= 2 * appEarly * 1.1;
    const appsFast = a50 < 3000;

    console.log(`\ntarget: a full stack evaluates in < 1.5x the SDK load floor: ${fast ? "met" : "MISSED"}`);
    console.log(`target: linear growth with namespaces: ${linear ? "met" : "MISSED"}`);
    console.log(`target: linear growth with applications: ${appsLinear ? "met" : "MISSED"}`);
    console.log(`target: 50 applications evaluate in < 3 s: ${appsFast ? "met" : "MISSED"}`);
    return fast && linear && appsLinear && appsFast ? 0 : 1;
}

process.exit(main());
