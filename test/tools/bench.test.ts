import * as assert from "assert";
import { BENCH_CLI, NAMESPACE_COUNTS, benchMain, parseRuns } from "../../tools/bench";
import { assertUsageError, runTool, spawnTool } from "../support/cli";

describe("npm run bench: arguments", () => {
    it("takes --runs as a positive integer, 5 by default", () => {
        assert.strictEqual(parseRuns(undefined), 5);
        assert.strictEqual(parseRuns("1"), 1);
        assert.strictEqual(parseRuns("12"), 12);
    });

    for (const bad of ["0", "-1", "abc", "1.5", "2e3", "", " 3", "0x10", "1001", "Infinity", "NaN"]) {
        it(`refuses --runs ${JSON.stringify(bad)} before measuring anything`, async () => {
            const r = await runTool(BENCH_CLI, benchMain, ["--runs", bad]);
            assertUsageError(
                r,
                BENCH_CLI,
                new RegExp(`--runs must be a positive integer .*got '${bad.replace(/[.*+?^$()]/g, "\\$&")}'`),
            );
        });
    }

    it("refuses --runs without a value, twice, and unknown options", async () => {
        assertUsageError(
            await runTool(BENCH_CLI, benchMain, ["--runs"]),
            BENCH_CLI,
            /--runs needs a value <n>/,
        );
        assertUsageError(
            await runTool(BENCH_CLI, benchMain, ["--runs", "2", "--runs", "3"]),
            BENCH_CLI,
            /--runs given more than once/,
        );
        assertUsageError(
            await runTool(BENCH_CLI, benchMain, ["--quick"]),
            BENCH_CLI,
            /unknown option "--quick"/,
        );
    });

    it("prints its usage for --help", async () => {
        const r = await runTool(BENCH_CLI, benchMain, ["--help"]);
        assert.strictEqual(r.code, 0);
        assert.match(r.stdout, /^usage: npm run bench -- \[--runs <n>\]/);
    });

    it("fits growth over enough namespace counts for a quadratic term and its error", () => {
        assert.ok(new Set(NAMESPACE_COUNTS).size >= 5, "a quadratic fit needs dof >= 2");
    });

    it("@subprocess as `npm run bench -- --runs 0`: exits 2 with the usage", () => {
        const r = spawnTool("bench", ["--runs", "0"]);
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /^bench: --runs must be a positive integer .*got '0'\nusage: npm run bench/);
        assert.strictEqual(r.stdout, "");
    });
});
