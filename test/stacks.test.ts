import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { RENDER_CLI, renderMain } from "../tools/render";
import { SECRET_SIG } from "../tools/lib/mockRuntime";
import { RENDER_FILES } from "../tools/lib/render";
import { PROJECT_ROOT, listStacks } from "../tools/lib/stackFiles";
import { assertNoTrace, assertUsageError, runTool, spawnTool } from "./support/cli";
import { evaluateStack, renderStack } from "./support/stacks";
import { validateObject } from "./support/schemas";
import { PROVIDER } from "./support/types";

const STACKS = listStacks();

/** Every string leaf of a value, to search rendered output for leaked secrets. */
function strings(v: unknown): string[] {
    if (typeof v === "string") {
        return [v];
    }
    if (Array.isArray(v)) {
        return v.flatMap(strings);
    }
    if (v !== null && typeof v === "object") {
        return Object.values(v).flatMap(strings);
    }
    return [];
}

describe("committed stacks", () => {
    it("are dev, staging and prod, then the multi-cluster pair dev-east and dev-west", () => {
        assert.deepStrictEqual(STACKS, ["dev", "staging", "prod", "dev-east", "dev-west"]);
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            it("renders, and every declared object validates against its schema", async () => {
                const rendered = await renderStack(stack);
                assert.ok(rendered.manifests.length > 0);
                for (const obj of rendered.manifests) {
                    await validateObject(obj);
                }
            });

            it("gives every resource a unique name per type", async () => {
                const ev = await evaluateStack(stack);
                const seen = new Set<string>();
                for (const r of ev.resources) {
                    const key = `${r.type}::${r.name}`;
                    assert.ok(!seen.has(key), `duplicate ${key}`);
                    seen.add(key);
                }
            });

            it("sends every Kubernetes resource through the explicit provider, inside a component", async () => {
                const ev = await evaluateStack(stack);
                const provider = ev.resources.find((r) => r.type === PROVIDER);
                assert.ok(provider, "one explicit Kubernetes provider");
                const components = new Set(ev.resources.filter((r) => !r.custom).map((r) => r.urn));
                for (const r of ev.resources.filter((x) => x.type.startsWith("kubernetes"))) {
                    assert.ok(
                        r.parent && components.has(r.parent),
                        `${r.type} ${r.name} has no component parent`,
                    );
                    if (r.custom) {
                        assert.strictEqual(
                            r.provider,
                            provider.urn,
                            `${r.type} ${r.name} uses another provider`,
                        );
                    }
                }
                for (const r of ev.resources.filter((x) => !x.custom && x.parent === undefined)) {
                    assert.match(r.type, /^istio-mesh:[a-z]+:[A-Z]\w+$/, `top-level component ${r.name}`);
                }
            });

            it("pins every chart version", async () => {
                for (const chart of (await renderStack(stack)).charts) {
                    assert.match(
                        chart.version,
                        /^v?\d+\.\d+\.\d+/,
                        `${chart.resource} has no pinned version`,
                    );
                }
            });

            it("keeps every provider-secret and Secret value out of the render", async () => {
                const ev = await evaluateStack(stack);
                const rendered = await renderStack(stack);
                // Collect the plaintext of every secret the program handled...
                const plaintexts = new Set<string>();
                const collect = (v: unknown): void => {
                    if (v !== null && typeof v === "object") {
                        const o = v as Record<string, unknown>;
                        if (SECRET_SIG in o) {
                            strings(o.value).forEach((s) => s.length >= 6 && plaintexts.add(s));
                            return;
                        }
                        Object.values(o).forEach(collect);
                    }
                };
                ev.resources.forEach((r) => collect(r.inputs));
                collect(ev.outputs);
                if (stack === "dev") {
                    assert.ok(plaintexts.size > 0, "dev handles at least the kind kubeconfig as a secret");
                }
                // ...and make sure none of it appears anywhere in the rendered output.
                const text = JSON.stringify(rendered);
                for (const p of plaintexts) {
                    assert.ok(!text.includes(p), `secret value leaked into the render of ${stack}`);
                }
                for (const obj of rendered.manifests.filter((o) => o.kind === "Secret")) {
                    for (const v of strings({ data: obj.data, stringData: obj.stringData })) {
                        assert.strictEqual(v, "[secret]", `${obj.metadata.name} holds a plaintext value`);
                    }
                }
            });
        });
    }

    it("disables the default Kubernetes provider in every stack", () => {
        for (const stack of STACKS) {
            const doc = parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
                config: Record<string, unknown>;
            };
            assert.deepStrictEqual(doc.config["pulumi:disable-default-providers"], ["kubernetes"], stack);
        }
    });
});

describe("npm run render", function () {
    this.timeout(60000);
    let out: string;
    beforeEach(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    });
    afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

    const render = (argv: string[]) => runTool(RENDER_CLI, renderMain, argv);

    it("writes manifests, charts, resources and outputs, deterministically", async () => {
        const first = await render(["--stack", "prod", "--out", out]);
        assert.strictEqual(first.code, 0, first.stderr);
        assert.deepStrictEqual(fs.readdirSync(out).sort(), [...RENDER_FILES].sort());
        const docs = parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"));
        for (const d of docs) {
            const o = d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } };
            assert.ok(o.apiVersion && o.kind && o.metadata.name, JSON.stringify(o));
        }
        const charts = parse(fs.readFileSync(path.join(out, "charts.yaml"), "utf8")) as { chart: string }[];
        assert.ok(charts.some((c) => c.chart === "istiod"));
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as {
            name: string;
            dependsOn: string[];
        }[];
        assert.ok(
            resources
                .find((r) => r.name === "istio-gateway")
                ?.dependsOn.some((u) => u.endsWith("istio-istiod")),
        );
        const before = fs.readFileSync(path.join(out, "manifests.yaml"), "utf8");
        assert.strictEqual((await render(["--stack", "prod", "--out", out])).code, 0);
        assert.strictEqual(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"), before);
    });

    it("applies --config with --config-path like pulumi up does", async () => {
        const res = await render([
            "--stack",
            "dev",
            "--out",
            out,
            "--config-path",
            "--config",
            "mesh.mtls=PERMISSIVE",
        ]);
        assert.strictEqual(res.code, 0, res.stderr);
        assert.match(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"), /mode: PERMISSIVE/);
    });

    it("exits 2 with every config error, no stack trace, and writes nothing", async () => {
        const res = await render([
            "--stack",
            "dev",
            "--out",
            out,
            "--config-path",
            "--config",
            "gateway.serviceType=Ingress",
            "--config",
            "istiod.replicas=0",
        ]);
        assert.strictEqual(res.code, 2, res.stderr);
        assert.match(res.stderr, /gateway\.serviceType: "Ingress" is not allowed/);
        assert.match(res.stderr, /istiod\.replicas: 0 is too small/);
        assertNoTrace(res);
        assert.deepStrictEqual(fs.readdirSync(out), []);
    });

    describe("usage errors exit 2, name the bad value and write nothing", () => {
        const cases: [string, (out: string) => string[], RegExp][] = [
            [
                "an unknown stack",
                (o) => ["--stack", "qa", "--out", o],
                /unknown stack 'qa'.*known stacks: dev, staging, prod/,
            ],
            ["no stack", (o) => ["--out", o], /which stack\? pass --stack <name>/],
            ["no --out", () => ["--stack", "dev"], /where to\? pass --out <dir>/],
            ["--out twice", (o) => ["--stack", "dev", "--out", o, "--out", o], /--out given more than once/],
            [
                "an unknown option",
                (o) => ["--stack", "dev", "--out", o, "--dry-run"],
                /unknown option "--dry-run"/,
            ],
            [
                "a stray argument",
                (o) => ["--stack", "dev", "--out", o, "extra"],
                /unexpected argument "extra"/,
            ],
        ];
        for (const [what, argv, message] of cases) {
            it(what, async () => {
                assertUsageError(await render(argv(out)), RENDER_CLI, message);
                assert.deepStrictEqual(fs.readdirSync(out), []);
            });
        }
    });

    it("prints its usage for --help and exits 0", async () => {
        const res = await render(["--help"]);
        assert.strictEqual(res.code, 0);
        assert.match(res.stdout, /^usage: npm run render -- --stack <name> .*\[--out <dir>\]/);
    });

    it("@subprocess as `npm run render`: writes the rendered files", () => {
        const res = spawnTool("render", ["--stack", "dev", "--out", out]);
        assert.strictEqual(res.status, 0, res.stderr);
        assert.deepStrictEqual(fs.readdirSync(out).sort(), [...RENDER_FILES].sort());
        assert.match(res.stdout, /^\d+ objects, \d+ charts, \d+ resources$/m);
    });
});
