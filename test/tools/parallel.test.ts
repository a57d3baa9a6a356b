import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/lib/stackFiles";

describe("tools/lib/parallel.ts (npm test's runner)", () => {
    it("@subprocess runs every command, prints each in the given order, exits with the first failure", () => {
        const r = spawnSync(
            process.execPath,
            [
                "-r",
                path.join(PROJECT_ROOT, "tools", "lib", "register.cjs"),
                path.join(PROJECT_ROOT, "tools", "lib", "parallel.ts"),
                "sleep 1; echo first",
                "echo second >&2; exit 3",
                "echo third; exit 4",
            ],
            { encoding: "utf8" },
        );
        assert.strictEqual(r.status, 3, r.stderr);
        assert.match(
            r.stdout,
            /^> sleep 1; echo first \([\d.]+ s, ok\)\nfirst\n> echo second >&2; exit 3 \([\d.]+ s, FAILED, exit 3\)\nsecond\n> echo third; exit 4 \([\d.]+ s, FAILED, exit 4\)\nthird\n$/,
        );
    });
});
