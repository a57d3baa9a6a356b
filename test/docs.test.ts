import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { VARIANT_NAMES } from "../components/bookinfo";
import { policies } from "../policies/policies";
import { configReference } from "../tools/lib/configDocs";
import { PROJECT_ROOT, readProject } from "../tools/lib/stackFiles";

const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

describe("documentation", () => {
    it("README's config reference matches Pulumi.yaml and the stack files (run `npm run docs`)", () => {
        assert.ok(readme.includes(configReference()), "README config reference is stale: run `npm run docs`");
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
