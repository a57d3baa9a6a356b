/**
 * Renovate's bump pull requests arrive green: every version .github/renovate.json5 manages is
 * bumped here exactly as Renovate would (its regex manager on the file's text), and the bumped
 * project must validate, render with the new version everywhere the old one was, and pass the
 * policy check. Tests compare with the pins (test/support/stacks.ts `pinned`), never with copies.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BOOKINFO_IMAGE_TAG } from "../../components/bookinfo/catalogue";
import { checkStack, validateConfig } from "../../tools/lib/checkStack";
import { Evaluation } from "../../tools/lib/mockRuntime";
import {
    Pin,
    RENOVATE_CONFIG,
    bumpText,
    customManagers,
    findPins,
    nextVersion,
    parseJson5,
    renovateNext,
} from "../../tools/lib/renovate";
import { PROJECT_ROOT, listStacks, loadStackConfig } from "../../tools/lib/stackFiles";
import { evaluateLoaded, evaluateStack } from "../support/stacks";

const PINS = findPins();

/**
 * Occurrences of a version in the resources and outputs of an evaluation, as a whole token ("2.0.0"
 * not inside "12.0.0"; "v2.0.0" counts: an image tag that follows a chart version).
 */
function occurrences(ev: Evaluation, version: string): number {
    const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const token = new RegExp(`(?<![0-9A-Za-uw-z.])${escaped}(?![0-9A-Za-z.])`, "g");
    return JSON.stringify([ev.resources.map((r) => r.inputs), ev.outputs]).match(token)?.length ?? 0;
}

describe("Renovate bumps", function () {
    this.timeout(120000);

    describe("renovate.json5", () => {
        it("reads JSON5 as Renovate does: comments, unquoted keys, single quotes, trailing commas", () => {
            const text = `// c\n{ a: 'x\\\\.y\\n', "b": [1, true, null,], /* c */ $c: "it's", }`;
            assert.deepStrictEqual(parseJson5(text), { a: "x\\.y\n", b: [1, true, null], $c: "it's" });
        });

        it("every custom manager matches exactly one pin", () => {
            const managers = customManagers();
            assert.ok(managers.length >= 7, `${managers.length} custom managers`);
            assert.strictEqual(
                PINS.length,
                managers.length,
                PINS.map((p) => `${p.file} ${p.depName}`).join("\n"),
            );
            const keys = PINS.map((p) => p.configKey).filter(Boolean);
            assert.deepStrictEqual(
                [...new Set(keys)].sort(),
                [...keys].sort(),
                "two managers match the same config key",
            );
        });

        it("the Bookinfo tag it bumps is the one every Bookinfo image uses", async () => {
            const pin = PINS.find((p) => p.file === "components/bookinfo/catalogue.ts");
            assert.ok(pin, "no manager for the Bookinfo tag");
            assert.strictEqual(pin.currentValue, BOOKINFO_IMAGE_TAG);
            const ev = await evaluateStack("dev");
            const images =
                JSON.stringify(ev.resources.map((r) => r.inputs)).match(/"[^"]*examples-bookinfo-[^"]*"/g) ??
                [];
            assert.ok(images.length >= 6, images.join(" "));
            for (const image of images) {
                assert.ok(image.endsWith(`:${BOOKINFO_IMAGE_TAG}"`), image);
            }
        });

        it("bumps versions as Renovate proposes them", () => {
            assert.strictEqual(nextVersion("3.4.5", "minor"), "3.5.0");
            assert.strictEqual(nextVersion("3.4.5", "patch"), "3.4.6");
            assert.strictEqual(nextVersion("v3.4.5", "major"), "v4.0.0");
            assert.throws(() => nextVersion("latest", "minor"), /not a semantic version/);
        });
    });

    describe("no test copies a pinned version", () => {
        /** Test files, without their comment lines (comments may cite upstream at a version). */
        function testSources(dir = path.join(PROJECT_ROOT, "test")): [string, string[]][] {
            return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e): [string, string[]][] => {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) {
                    return testSources(p);
                }
                const code = fs
                    .readFileSync(p, "utf8")
                    .split("\n")
                    .map((l) => (/^\s*(\/\/|\/?\*)/.test(l) ? "" : l));
                return e.name.endsWith(".ts") ? [[path.relative(PROJECT_ROOT, p), code]] : [];
            });
        }
        const sources = testSources();
        for (const pin of PINS) {
            it(`${pin.configKey ?? pin.file} (${pin.currentValue})`, () => {
                const forms = [pin.currentValue, pin.currentValue.replace(/\./g, "\\.")];
                const copies = sources.flatMap(([file, lines]) =>
                    lines.flatMap((l, i) =>
                        forms.some((f) => l.includes(f)) ? [`${file}:${i + 1}: ${l.trim()}`] : [],
                    ),
                );
                assert.deepStrictEqual(
                    copies,
                    [],
                    "compare with pinned(...) or the program's constant instead",
                );
            });
        }
    });

    describe("each bump Renovate would make passes validation, render and the policy check", () => {
        // One copy of the project files per bump: the loader caches Pulumi.yaml by path.
        let base: string;
        before(() => {
            base = fs.mkdtempSync(path.join(os.tmpdir(), "renovate-"));
        });
        after(() => fs.rmSync(base, { recursive: true, force: true }));
        const copy = (name: string): string => {
            const root = path.join(base, name);
            for (const f of [
                "Pulumi.yaml",
                RENOVATE_CONFIG,
                ...listStacks().map((s) => `Pulumi.${s}.yaml`),
            ]) {
                fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
                fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
            }
            return root;
        };

        for (const pin of PINS.filter((p: Pin) => p.file === "Pulumi.yaml")) {
            const next = renovateNext(pin, "minor");
            it(`${pin.configKey}: ${pin.currentValue} -> ${next}`, async () => {
                const root = copy(String(pin.configKey));
                const original = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
                fs.writeFileSync(path.join(root, "Pulumi.yaml"), bumpText(original, pin, next));
                // Every committed stack validates with the bumped default.
                for (const s of listStacks()) {
                    validateConfig(loadStackConfig(s, [], false, root));
                }
                // The first committed stack that installs this version at all; a pin only some
                // settings install (the Gateway API CRDs) is checked for validation alone.
                let stack: string | undefined;
                let before: Evaluation | undefined;
                for (const s of listStacks()) {
                    const ev = await evaluateStack(s);
                    if (occurrences(ev, pin.currentValue) > 0) {
                        [stack, before] = [s, ev];
                        break;
                    }
                }
                if (!stack || !before) {
                    return;
                }

                const loaded = loadStackConfig(stack, [], false, root);
                validateConfig(loaded);
                const after = await evaluateLoaded(loaded);
                // The new version is wherever the old one was (a chart, the image that follows
                // it, a dashboard URL), and the old one is gone, unless another pin has the same
                // value (then the old value stays where that pin is installed).
                const stale = occurrences(after, pin.currentValue);
                const shared = PINS.some((p) => p !== pin && p.currentValue === pin.currentValue);
                assert.ok(occurrences(after, next) > 0, `${next} is installed nowhere`);
                assert.strictEqual(occurrences(after, next) + stale, occurrences(before, pin.currentValue));
                if (!shared) {
                    assert.strictEqual(stale, 0, `${pin.currentValue} is still installed after the bump`);
                }
                const result = await checkStack({ stack }, () => Promise.resolve(after));
                assert.ok(
                    result.passed,
                    JSON.stringify(result.violations.filter((v) => v.level === "mandatory")),
                );
            });
        }
    });
});
