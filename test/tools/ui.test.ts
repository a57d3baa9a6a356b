import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import { UIS } from "../../components/observability";
import { runCli } from "../../tools/lib/cli";
import { UI_CLI, nextFreePort, portFree, uiMain } from "../../tools/ui";
import { FakeClis, collectIo } from "../support/fakeCli";
import { renderStack } from "../support/stacks";

/**
 * `npm run ui` against stand-in pulumi and kubectl CLIs. The stand-in pulumi prints the dev
 * stack's outputs as the program produces them (under the mock runtime), with the local ports
 * moved to free ones so the test does not depend on what else listens on this machine.
 */
describe("npm run ui", function () {
    this.timeout(120000);
    let fake: FakeClis;
    let outputs: Record<string, unknown>;

    async function freePorts(n: number): Promise<number[]> {
        const out: number[] = [];
        while (out.length < n) {
            const p = (await nextFreePort(20000 + Math.floor(Math.random() * 20000))) as number;
            if (!out.includes(p)) {
                out.push(p);
            }
        }
        return out;
    }

    async function ui(args: string[], env: Record<string, string> = {}) {
        fake.activate(env);
        const c = collectIo();
        const status = await runCli(UI_CLI, uiMain, args, c.io);
        return { status, stdout: c.stdout(), stderr: c.stderr() };
    }
    const kubectlCalls = () => fake.calls().filter((c) => c.startsWith("kubectl "));

    before(async () => {
        outputs = (await renderStack("dev")).outputs;
    });

    beforeEach(async () => {
        fake = new FakeClis("ui-");
        const ports = await freePorts(UIS.length);
        const observability = JSON.parse(JSON.stringify(outputs.observability)) as Record<
            string,
            { localPort: number }
        >;
        UIS.forEach((u, i) => (observability[u].localPort = ports[i]));
        fake.addPulumi({ ...outputs, observability });
        fake.add("kubectl", "exit 0");
    });
    afterEach(() => fake.cleanup());

    function access(u: string): { localPort: number; servicePort: number; service: string; path: string } {
        const out = JSON.parse(fs.readFileSync(`${fake.dir}/outputs.json`, "utf8")) as {
            observability: Record<
                string,
                { localPort: number; servicePort: number; service: string; path: string }
            >;
        };
        return out.observability[u];
    }

    it("port-forwards to Kiali with the stack's kube context and prints the URL and the login", async () => {
        const res = await ui(["kiali"]);
        assert.strictEqual(res.status, 0, res.stderr);
        const k = access("kiali");
        assert.match(res.stdout, new RegExp(`^kiali: http://localhost:${k.localPort}${k.path}$`, "m"));
        assert.match(
            res.stdout,
            /login: paste a viewer token \(dev\) from: pulumi stack output kialiViewerTokens --stack dev --show-secrets/,
        );
        assert.deepStrictEqual(kubectlCalls().slice(-1), [
            `kubectl --context kind-istio-mesh -n istio-system port-forward svc/${k.service} ${k.localPort}:${k.servicePort}`,
        ]);
        const pulumi = fake.calls().filter((c) => c.startsWith("pulumi stack output"));
        assert.deepStrictEqual(
            pulumi.map((c) => c.split(" | ")[0]),
            ["pulumi stack output --json --stack dev"],
        );
    });

    it("prefixes the login command with the local backend npm run up chose, for the user's own shell", async () => {
        const state = `${fake.dir}/state`;
        fs.mkdirSync(state);
        fs.writeFileSync(`${state}/dev.passphrase`, "x");
        const res = await ui(["grafana"]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.match(
            res.stdout,
            new RegExp(
                `login: user admin, password from: PULUMI_BACKEND_URL=file://${state} PULUMI_CONFIG_PASSPHRASE_FILE=${state}/dev.passphrase pulumi stack output grafanaAdmin --stack dev --show-secrets`,
            ),
        );
        assert.ok(
            fake
                .calls()
                .some((c) =>
                    c.startsWith(`pulumi stack output --json --stack dev | backend=file://${state} |`),
                ),
        );
    });

    it("--all opens all four, with the Grafana login", async () => {
        const res = await ui(["--all", "--stack", "dev"]);
        assert.strictEqual(res.status, 0, res.stderr);
        const forwards = kubectlCalls().filter((c) => c.includes(" port-forward "));
        assert.strictEqual(forwards.length, 4);
        for (const u of UIS) {
            assert.match(res.stdout, new RegExp(`^${u}: http://localhost:${access(u).localPort}`, "m"));
        }
        assert.match(
            res.stdout,
            /login: user admin, password from: pulumi stack output grafanaAdmin --stack dev --show-secrets/,
        );
    });

    it("says when kubectl is missing, the stack is not deployed, or the port is taken (offering the next free one)", async () => {
        fake.remove("kubectl");
        const noKubectl = await ui(["grafana"], { PATH: fake.bin });
        assert.strictEqual(noKubectl.status, 1);
        assert.match(noKubectl.stderr, /kubectl is not installed \(or not on PATH\)/);

        fake.add("kubectl", "exit 0");
        fake.addPulumi(undefined);
        fs.rmSync(`${fake.dir}/outputs.json`);
        const notDeployed = await ui(["grafana"]);
        assert.strictEqual(notDeployed.status, 1);
        assert.match(notDeployed.stderr, /stack dev is not deployed .*run npm run up -- dev/);

        const [busy] = await freePorts(1);
        const observability = JSON.parse(JSON.stringify(outputs.observability)) as Record<
            string,
            { localPort: number }
        >;
        observability.prometheus.localPort = busy;
        fake.addPulumi({ ...outputs, observability });
        const server = net.createServer();
        await new Promise<void>((r) => server.listen(busy, "127.0.0.1", r));
        try {
            const taken = await ui(["prometheus"]);
            assert.strictEqual(taken.status, 1);
            const m =
                /port (\d+) for prometheus is taken on localhost.*npm run ui -- prometheus --stack dev --port (\d+)/.exec(
                    taken.stderr,
                );
            assert.ok(m, taken.stderr);
            assert.strictEqual(Number(m[1]), busy);
            assert.ok(Number(m[2]) > busy);
            assert.deepStrictEqual(
                kubectlCalls().filter((c) => c.includes("port-forward")),
                [],
                "nothing started",
            );
        } finally {
            server.close();
        }
    });

    it("refuses an unknown UI or stack with a usage error", async () => {
        const res = await ui(["kibana"]);
        assert.strictEqual(res.status, 2);
        assert.match(res.stderr, /unknown UI "kibana"; one of kiali, grafana, jaeger, prometheus/);
        const stack = await ui(["kiali", "--stack", "qa"]);
        assert.strictEqual(stack.status, 2);
        assert.match(stack.stderr, /unknown stack 'qa'/);
    });

    it("knows a port in use from a free one", async () => {
        const server = net.createServer();
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as net.AddressInfo).port;
        try {
            assert.strictEqual(await portFree(port), false);
        } finally {
            await new Promise((r) => server.close(r));
        }
        assert.strictEqual(await portFree(port), true);
    });
});
