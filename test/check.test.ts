import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config";
import { CHECK_CLI, checkMain } from "../tools/check";
import { checkStack, formatResult } from "../tools/lib/checkStack";
import { PROJECT_ROOT, listStacks } from "../tools/lib/stackFiles";
import { assertNoTrace, assertUsageError, runTool, spawnTool } from "./support/cli";
import { evaluateStack } from "./support/stacks";

/** checkStack in-process, sharing the test suite's cached evaluations. */
function check(stack: string, overrides: Record<string, string> = {}, policyConfig?: string) {
    const list = Object.entries(overrides).map(([key, value]) => ({ key, value }));
    return checkStack({ stack, overrides: list, usePaths: true, policyConfig }, () =>
        evaluateStack(stack, list),
    );
}

/** `npm run check -- argv` in-process, with the suite's cached evaluations. */
function runCheck(argv: string[]) {
    return runTool(
        CHECK_CLI,
        (args, io) =>
            checkMain(args, io, () => evaluateStack(args.stack as string, args.overrides, args.configPath)),
        argv,
    );
}

describe("npm run check", function () {
    this.timeout(60000);

    for (const stack of listStacks()) {
        it(`passes the committed ${stack} stack with its policy config`, async () => {
            const result = await check(stack);
            assert.deepStrictEqual(result.schemaErrors, []);
            assert.deepStrictEqual(
                result.violations.filter((v) => v.level === "mandatory"),
                [],
                formatResult(result),
            );
            assert.ok(result.passed);
            assert.ok(result.objects > 20, `${stack}: ${result.objects} objects`);
            assert.strictEqual(result.policyConfig, path.join(PROJECT_ROOT, "policies", `${stack}.json`));
            assert.match(formatResult(result), new RegExp(`stack ${stack}: .* 0 mandatory.*\\nPASS$`));
        });
    }

    it("exits 0 and prints PASS for a committed stack", async () => {
        const r = await runCheck(["--stack", "staging"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /\nPASS$/);
        assert.strictEqual(r.stderr, "");
    });

    it("fails prod with PERMISSIVE mTLS, printing each violation and exiting 1", async () => {
        const r = await runCheck(["--stack", "prod", "--config", "mesh.mtls=PERMISSIVE", "--config-path"]);
        assert.strictEqual(r.code, 1, r.stderr);
        const row = r.stdout
            .split("\n")
            .find((l) => l.startsWith("mandatory") && l.includes("mesh-mtls-strict"));
        assert.ok(row, r.stdout);
        assert.ok(row.includes("kubernetes:security.istio.io/v1:PeerAuthentication::"), row);
        assert.ok(row.includes("PERMISSIVE"), row);
        assert.match(r.stdout, /\nFAIL$/);
    });

    it("does not require STRICT mTLS under the dev policy config, and reports only advisories", async () => {
        const dev = path.join(PROJECT_ROOT, "policies", "dev.json");
        const result = await check("prod", { "mesh.mtls": "PERMISSIVE" }, dev);
        assert.ok(result.passed);
        assert.ok(result.violations.every((v) => v.level === "advisory"));
        // dev.json names the dev environment, where STRICT mTLS is not required at all.
        assert.deepStrictEqual(
            result.violations.filter((v) => v.policy === "mesh-mtls-strict"),
            [],
        );
    });

    it("rejects invalid stack config with the message pulumi up prints", async () => {
        await assert.rejects(check("prod", { "mesh.mtls": "OFF" }), (e: Error) => {
            assert.ok(e instanceof ConfigError);
            assert.match(
                e.message,
                /invalid configuration for stack 'prod'.*\n {2}- mesh\.mtls: "OFF" is not allowed/,
            );
            return true;
        });
    });

    it("exits 2 on invalid stack config, with that message and no stack trace", async () => {
        const r = await runCheck(["--stack", "prod", "--config-path", "--config", "mesh.mtls=OFF"]);
        assert.strictEqual(r.code, 2, r.stderr);
        assert.match(r.stderr, /invalid configuration for stack 'prod'/);
        assert.match(r.stderr, /mesh\.mtls: "OFF" is not allowed/);
        assertNoTrace(r);
        assert.strictEqual(r.stdout, "");
    });

    describe("usage errors exit 2, name the bad value and print no stack trace", () => {
        const cases: [string, string[], RegExp][] = [
            ["no stack", [], /which stack\? pass --stack <name>/],
            ["an unknown stack", ["--stack", "qa"], /unknown stack 'qa'.*known stacks: dev, staging, prod/],
            ["--stack without its value", ["--stack"], /--stack needs a value <name>/],
            ["an unknown option", ["--stack", "dev", "--strict"], /unknown option "--strict"/],
            ["a stray argument", ["--stack", "dev", "prod"], /unexpected argument "prod"/],
            [
                "--config without KEY=VALUE",
                ["--stack", "dev", "--config", "mesh.mtls"],
                /--config expects KEY=VALUE, got "mesh.mtls"/,
            ],
            [
                "--config-path with a value",
                ["--stack", "dev", "--config-path=yes"],
                /--config-path takes no value/,
            ],
            [
                "--policy-config twice",
                ["--stack", "dev", "--policy-config", "a.json", "--policy-config", "b.json"],
                /--policy-config given more than once/,
            ],
            [
                "a policy config that does not exist",
                ["--stack", "dev", "--policy-config", "policies/qa.json"],
                /no policy config .*policies\/qa\.json/,
            ],
        ];
        for (const [what, argv, message] of cases) {
            it(what, async () => assertUsageError(await runCheck(argv), CHECK_CLI, message));
        }

        it("a policy config that is not JSON", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-"));
            try {
                const file = path.join(dir, "broken.json");
                fs.writeFileSync(file, "{ enforcementLevel: ");
                const r = await runCheck(["--stack", "dev", "--policy-config", file]);
                assertUsageError(r, CHECK_CLI, new RegExp(`invalid policy config ${file}`));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("prints its usage for --help and exits 0", async () => {
        const r = await runCheck(["--help"]);
        assert.strictEqual(r.code, 0);
        assert.match(r.stdout, /^usage: npm run check -- --stack <name> .*\[--policy-config <file>\]/);
        assert.match(r.stdout, /--policy-config <file> +policy config to apply/);
    });

    it("@subprocess as `npm run check`: exits 1 with the violation on a failing stack", () => {
        const r = spawnTool("check", [
            "--stack",
            "prod",
            "--config",
            "mesh.mtls=PERMISSIVE",
            "--config-path",
        ]);
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stdout, /^mandatory +mesh-mtls-strict /m);
        assert.match(r.stdout, /\nFAIL\n$/);
    });
});
