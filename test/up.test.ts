import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { nextSteps, nodeVersionProblem, runUp, splitUpArgs } from "../tools/up";
import { FakeClis, collectIo } from "./support/fakeCli";

/**
 * `npm run up` against stand-ins for the pulumi and kind CLIs that record how they were called,
 * so the README's first command is exercised without a Pulumi installation.
 */
describe("npm run up", function () {
    this.timeout(60000);
    let fake: FakeClis;

    const OUTPUTS = {
        gateway: {
            url: "http://localhost:8080",
            howTo: "kind maps node port 30080 to http://localhost:8080",
        },
        productPageUrl: "http://localhost:8080/productpage",
        observability: { kiali: {}, grafana: {}, jaeger: {}, prometheus: {} },
    };

    /** In-process, as the tools' tests run; the first test runs the script itself. */
    async function up(args: string[], env: Record<string, string> = {}) {
        fake.activate(env);
        const c = collectIo();
        const status = await runUp(args, c.io);
        return { status, stdout: c.stdout(), stderr: c.stderr() };
    }
    const pulumiCalls = () =>
        fake
            .calls()
            .filter((c) => c.startsWith("pulumi "))
            .map((c) => c.slice("pulumi ".length));

    beforeEach(() => {
        fake = new FakeClis("up-");
        // Not logged in anywhere: `pulumi whoami` fails, every other command succeeds.
        fake.addPulumi(OUTPUTS);
        fake.add("kind", "exit 0");
    });
    afterEach(() => fake.cleanup());

    it("@subprocess creates the dev stack on a local backend with a generated passphrase, then runs pulumi up", () => {
        const res = fake.runTool("tools/up.ts", ["dev", "--yes"]);
        assert.strictEqual(res.status, 0, res.stderr);
        const state = path.join(fake.dir, "state");
        const passphrase = path.join(state, "dev.passphrase");
        const env = `| backend=file://${state} | passphrase=${passphrase}`;
        assert.deepStrictEqual(pulumiCalls().slice(-3), [
            `stack select --create dev --secrets-provider passphrase ${env}`,
            `up --stack dev --yes ${env}`,
            `stack output --json --stack dev ${env}`,
        ]);
        assert.ok(fs.readFileSync(passphrase, "utf8").length >= 32);
        assert.strictEqual(fs.statSync(passphrase).mode & 0o777, 0o600, "the passphrase is private");
    });

    it("prints the next steps from the stack's outputs after a successful pulumi up", async () => {
        const res = await up(["--stack", "dev"]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.match(
            res.stdout,
            /Next steps:\n {2}open the product page: +http:\/\/localhost:8080\/productpage\n/,
        );
        assert.match(res.stdout, /npm run traffic -- --stack dev --requests 100/);
        assert.match(
            res.stdout,
            /npm run ui -- kiali --stack dev {3}\(or grafana, jaeger, prometheus; --all/,
        );
    });

    it("keeps an existing backend and passphrase, and passes words after -- to pulumi up", async () => {
        const res = await up(["staging", "--", "--yes", "--skip-preview"], {
            PULUMI_BACKEND_URL: "s3://team-state",
            PULUMI_CONFIG_PASSPHRASE: "x",
        });
        assert.strictEqual(res.status, 0, res.stderr);
        assert.ok(
            pulumiCalls().includes(
                "up --stack staging --yes --skip-preview | backend=s3://team-state | passphrase=",
            ),
        );
        assert.ok(!fs.existsSync(path.join(fake.dir, "state")));
    });

    it("refuses a shared stack without a backend, saying how to set one; --local opts in", async () => {
        const staging = await up(["staging"], { PULUMI_CONFIG_PASSPHRASE: "x" });
        assert.strictEqual(staging.status, 1);
        assert.match(staging.stderr, /The staging stack is shared, and no Pulumi backend is set/);
        assert.match(staging.stderr, /export PULUMI_BACKEND_URL=s3:\/\//);
        assert.match(staging.stderr, /pulumi login/);
        assert.match(staging.stderr, /npm run up -- staging --local/);
        assert.deepStrictEqual(
            pulumiCalls().filter((c) => !/^(whoami|version) /.test(c)),
            [],
            "nothing but whoami and version ran",
        );
        assert.ok(!fs.existsSync(path.join(fake.dir, "state")));

        const local = await up(["staging", "--local", "--yes"], { PULUMI_CONFIG_PASSPHRASE: "x" });
        assert.strictEqual(local.status, 0, local.stderr);
        assert.ok(
            pulumiCalls().includes(
                `up --stack staging --yes | backend=file://${path.join(fake.dir, "state")} | passphrase=`,
            ),
        );
    });

    it("refuses another stack without a passphrase, an unknown stack, and dev without kind", async () => {
        const staging = await up(["staging"], { PULUMI_BACKEND_URL: "s3://team-state" });
        assert.strictEqual(staging.status, 1);
        assert.match(staging.stderr, /Set PULUMI_CONFIG_PASSPHRASE \(or _FILE\) for the staging stack/);
        const unknown = await up(["qa"]);
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /unknown stack 'qa'.*stacks: dev, staging, prod/);
        const none = await up([]);
        assert.strictEqual(none.status, 2);
        assert.match(none.stderr, /which stack\?/);
        fake.remove("kind");
        const noKind = await up(["dev"], { PATH: fake.bin });
        assert.strictEqual(noKind.status, 1);
        assert.match(noKind.stderr, /install kind/);
    });

    it("checks the Node.js version against package.json engines", () => {
        const engines = (JSON.parse(fs.readFileSync("package.json", "utf8")) as { engines: { node: string } })
            .engines.node;
        const min = Number(/(\d+)/.exec(engines)?.[1]);
        const old = nodeVersionProblem(`${min - 2}.19.0`, engines);
        assert.ok(old);
        assert.match(
            old,
            new RegExp(`Node.js ${min - 2}\\.19\\.0 is older .*install Node.js ${min}\\.\\d+ or newer`),
        );
        assert.strictEqual(nodeVersionProblem(process.versions.node, engines), undefined);
        assert.strictEqual(nodeVersionProblem(`${min + 1}.0.0`, engines), undefined);
        assert.ok(nodeVersionProblem("22.3.0", ">=22.5"));
        assert.strictEqual(nodeVersionProblem("22.5.0", ">=22.5"), undefined);
    });

    it("splits its own words from pulumi up's", () => {
        assert.deepStrictEqual(splitUpArgs(["dev", "--yes", "-c", "a=b"]), {
            own: ["dev"],
            pulumi: ["--yes", "-c", "a=b"],
        });
        assert.deepStrictEqual(splitUpArgs(["--stack", "prod", "--local", "--", "--diff"]), {
            own: ["--stack", "prod", "--local"],
            pulumi: ["--diff"],
        });
    });

    it("next steps say where a LoadBalancer address comes from until it is known", () => {
        const lines = nextSteps("prod", {
            gateway: { url: "from Service x/y", howTo: 'echo "http://$(kubectl get svc)"' },
            productPageUrl: "from Service x/y, path /productpage",
        }).join("\n");
        assert.match(lines, /the gateway's URL: +echo "http:\/\/\$\(kubectl get svc\)"/);
        assert.match(lines, /npm run traffic -- --stack prod/);
    });
});
