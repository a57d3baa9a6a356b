import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/lib/stackFiles";

/**
 * `npm run up` against stand-ins for the pulumi and kind CLIs that record how they were called,
 * so the README's first command is exercised without a Pulumi installation.
 */
describe("npm run up", function () {
    this.timeout(30000);
    let dir: string;
    let log: string;

    function fakeCli(name: string, script: string): void {
        const file = path.join(dir, "bin", name);
        fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    }

    function up(args: string[], env: Record<string, string> = {}) {
        const clean = Object.fromEntries(
            Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")),
        ) as Record<string, string>;
        return spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/up.ts", ...args],
            {
                cwd: PROJECT_ROOT,
                encoding: "utf8",
                env: {
                    ...clean,
                    PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`,
                    LOG: log,
                    ISTIO_MESH_STATE_DIR: path.join(dir, "state"),
                    ...env,
                },
            },
        );
    }

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "up-"));
        fs.mkdirSync(path.join(dir, "bin"));
        log = path.join(dir, "calls.log");
        // Not logged in anywhere: `pulumi whoami` fails, every other command succeeds.
        fakeCli(
            "pulumi",
            'echo "$* | backend=$PULUMI_BACKEND_URL | passphrase=$PULUMI_CONFIG_PASSPHRASE_FILE" >> "$LOG"\n' +
                '[ "$1" = whoami ] && exit 1\nexit 0',
        );
        fakeCli("kind", "exit 0");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("creates the dev stack on a local backend with a generated passphrase, then runs pulumi up", () => {
        const res = up(["dev", "--yes"]);
        assert.strictEqual(res.status, 0, res.stderr);
        const state = path.join(dir, "state");
        const passphrase = path.join(state, "dev.passphrase");
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        const env = `| backend=file://${state} | passphrase=${passphrase}`;
        assert.deepStrictEqual(calls.slice(-2), [
            `stack select --create dev --secrets-provider passphrase ${env}`,
            `up --stack dev --yes ${env}`,
        ]);
        assert.ok(fs.readFileSync(passphrase, "utf8").length >= 32);
        assert.strictEqual(fs.statSync(passphrase).mode & 0o777, 0o600, "the passphrase is private");
    });

    it("keeps an existing backend and passphrase", () => {
        const res = up(["staging"], { PULUMI_BACKEND_URL: "s3://team-state", PULUMI_CONFIG_PASSPHRASE: "x" });
        assert.strictEqual(res.status, 0, res.stderr);
        const calls = fs.readFileSync(log, "utf8");
        assert.match(calls, /^up --stack staging \| backend=s3:\/\/team-state \| passphrase=$/m);
        assert.ok(!fs.existsSync(path.join(dir, "state")));
    });

    it("refuses another stack without a passphrase, an unknown stack, and dev without kind", () => {
        const staging = up(["staging"]);
        assert.strictEqual(staging.status, 1);
        assert.match(staging.stderr, /Set PULUMI_CONFIG_PASSPHRASE \(or _FILE\) for the staging stack/);
        const unknown = up(["qa"]);
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /stacks: dev, staging, prod/);
        fs.rmSync(path.join(dir, "bin", "kind"));
        const noKind = up(["dev"], { PATH: path.join(dir, "bin") });
        assert.strictEqual(noKind.status, 1);
        assert.match(noKind.stderr, /install kind/);
    });
});
