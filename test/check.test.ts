import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { ConfigError } from "../config";
import { checkStack, formatResult } from "../tools/lib/checkStack";
import { PROJECT_ROOT, listStacks } from "../tools/lib/stackFiles";
import { evaluateStack } from "./support/stacks";

const TS_NODE = path.join(PROJECT_ROOT, "node_modules", ".bin", "ts-node");

function runCheck(args: string[]) {
    return spawnSync(TS_NODE, ["--transpile-only", "tools/check.ts", ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
}

/** checkStack in-process, sharing the test suite's cached evaluations. */
function check(stack: string, overrides: Record<string, string> = {}, policyConfig?: string) {
    const list = Object.entries(overrides).map(([key, value]) => ({ key, value }));
    return checkStack({ stack, overrides: list, usePaths: true, policyConfig }, () =>
        evaluateStack(stack, list),
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

    it("fails prod with PERMISSIVE mTLS, printing each violation and exiting 1", () => {
        const r = runCheck(["--stack", "prod", "--config", "mesh.mtls=PERMISSIVE", "--config-path"]);
        assert.strictEqual(r.status, 1, r.stderr);
        const row = r.stdout
            .split("\n")
            .find((l) => l.startsWith("mandatory") && l.includes("mesh-mtls-strict"));
        assert.ok(row, r.stdout);
        assert.ok(row.includes("kubernetes:security.istio.io/v1:PeerAuthentication::"), row);
        assert.ok(row.includes("PERMISSIVE"), row);
        assert.match(r.stdout, /\nFAIL\n$/);
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

    it("exits 2 on a usage error", () => {
        const r = runCheck(["--stack"]);
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /usage: npm run check -- --stack <name>/);
    });
});
