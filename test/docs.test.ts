import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VARIANT_NAMES } from "../components/bookinfo";
import { policies } from "../policies/policies";
import { DOCS_CLI, docsMain } from "../tools/docs";
import { END, PINNED_CELL, START, configReference } from "../tools/lib/configDocs";
import { RENOVATE_CONFIG, findPins } from "../tools/lib/renovate";
import { PROJECT_ROOT, listStacks, readProject } from "../tools/lib/stackFiles";
import { assertUsageError, runTool, spawnTool } from "./support/cli";

const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

describe("documentation", () => {
    it("README's config reference matches Pulumi.yaml and the stack files (run `npm run docs`)", () => {
        assert.ok(readme.includes(configReference()), "README config reference is stale: run `npm run docs`");
    });

    it("points to Pulumi.yaml for every default Renovate bumps, instead of copying it", () => {
        const reference = configReference();
        const pins = findPins().filter((p) => p.configKey !== undefined);
        assert.ok(pins.length >= 6, `only ${pins.length} pinned defaults found`);
        for (const pin of pins) {
            const row = reference.split("\n").find((l) => l.startsWith(`| \`${pin.configKey}\` |`));
            assert.ok(row, `${pin.configKey} is not in the reference`);
            assert.strictEqual(row.split(" | ")[2], PINNED_CELL, row);
            // Not in any cell but the description, which may name the version it was written against.
            const cells = row.split(" | ");
            assert.ok(!cells.slice(0, -1).join(" | ").includes(pin.currentValue), row);
        }
    });

    it("every config key has a description and a default", () => {
        for (const [key, decl] of Object.entries(readProject().config)) {
            assert.ok(decl.description && decl.description.length > 10, `${key} has no description`);
            assert.ok(decl.default !== undefined, `${key} has no default`);
        }
    });

    it("README documents every npm script", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
            scripts: Record<string, string>;
        };
        for (const script of Object.keys(pkg.scripts)) {
            const mentioned = readme.includes(`npm run ${script}`) || readme.includes(`npm ${script}`);
            assert.ok(mentioned, `README does not mention npm script ${script}`);
        }
    });

    it("README's set-up commands are the ones CI runs", () => {
        const ci = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
        const commands = ci.split("\n").filter((l) => /^npm (ci|test)\b/.test(l.trim()));
        assert.deepStrictEqual(commands, ["npm ci", "npm test"]);
        assert.match(readme, /```sh\nnpm ci\nnpm test\n```/);
    });

    it("README names every policy of the pack", () => {
        for (const policy of policies) {
            assert.ok(readme.includes(`\`${policy.name}\``), `README does not list policy ${policy.name}`);
        }
    });

    it("README lists every Bookinfo routing variant", () => {
        for (const variant of VARIANT_NAMES) {
            assert.ok(readme.includes(`| \`${variant}\``), `README's variant table lacks ${variant}`);
        }
    });

    it("links only to docs that exist", () => {
        for (const [, link] of readme.matchAll(/\]\((docs\/[^)]+)\)/g)) {
            assert.ok(fs.existsSync(path.join(PROJECT_ROOT, link)), `${link} does not exist`);
        }
    });
});

describe("npm run docs", () => {
    let root: string;
    /** A project copy whose README has a stale reference. */
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "docs-"));
        for (const f of ["Pulumi.yaml", RENOVATE_CONFIG, ...listStacks().map((s) => `Pulumi.${s}.yaml`)]) {
            fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
        }
        fs.writeFileSync(path.join(root, "README.md"), `# x\n\n${START}\n| stale |\n${END}\n\nafter\n`);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const docs = (argv: string[]) => runTool(DOCS_CLI, (a, io) => docsMain(a, io, root), argv);
    const readmeOf = () => fs.readFileSync(path.join(root, "README.md"), "utf8");

    it("regenerates a stale reference between the markers, keeping the rest", async () => {
        const r = await docs([]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.strictEqual(r.stdout, "README.md config reference updated");
        assert.strictEqual(readmeOf(), `# x\n\n${configReference(root)}\n\nafter\n`);
        assert.strictEqual((await docs([])).stdout, "README.md config reference is up to date");
    });

    it("--check exits 1 on a stale reference and writes nothing", async () => {
        const before = readmeOf();
        const r = await docs(["--check"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /stale: run `npm run docs`/);
        assert.strictEqual(readmeOf(), before);
    });

    it("refuses options it does not have, and stacks (it documents them all)", async () => {
        assertUsageError(await docs(["--chek"]), DOCS_CLI, /unknown option "--chek"/);
        assertUsageError(await docs(["--stack", "dev"]), DOCS_CLI, /unknown option "--stack"/);
        assertUsageError(await docs(["--check=yes"]), DOCS_CLI, /--check takes no value/);
        assertUsageError(await docs(["README.md"]), DOCS_CLI, /unexpected argument "README.md"/);
    });

    it("fails with a message, not a stack trace, when the README has no markers", async () => {
        fs.writeFileSync(path.join(root, "README.md"), "# x\n");
        const r = await docs([]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^docs failed: README.md has no config reference markers/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it("prints its usage for --help", async () => {
        const r = await docs(["--help"]);
        assert.strictEqual(r.code, 0);
        assert.match(r.stdout, /^usage: npm run docs -- \[--check\] \[--help\]/);
    });

    it("@subprocess as `npm run docs -- --check`: the committed README is up to date", () => {
        const r = spawnTool("docs", ["--check"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "README.md config reference is up to date\n");
    });
});
