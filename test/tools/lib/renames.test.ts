import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered } from "../../../tools/lib/render";
import {
    Revision,
    git,
    prepareRevision,
    previousRevisions,
    renderSide,
    scratchDir,
} from "../../../tools/lib/revisions";
import { listStacks } from "../../../tools/lib/stackFiles";
import { unaliasedRenames } from "../../../tools/lib/urns";
import { renderStack } from "../../support/stacks";

/** A copy of the render with one resource (and its children's parent link) under a new name. */
function renamed(r: Rendered, type: string, from: string, to: string): Rendered {
    const copy = structuredClone(r);
    const target = copy.resources.find((x) => x.type === type && x.name === from);
    assert.ok(target, `${type} ${from} in the render`);
    const oldUrn = target.urn;
    const newUrn = `${oldUrn.slice(0, oldUrn.lastIndexOf("::"))}::${to}`;
    for (const x of copy.resources) {
        if (x === target) {
            x.urn = newUrn;
            x.name = to;
        }
        if (x.parent === oldUrn) {
            x.parent = newUrn;
        }
    }
    return copy;
}

describe("renames are safe: URNs are the state's API", function () {
    // Renders each committed stack at the previous revision (in-process, a few seconds each).
    this.timeout(180_000);

    it("catches a renamed resource without an alias, and accepts it with one", async () => {
        const prod = await renderStack("prod");
        const ns = prod.resources.find((r) => r.object?.kind === "Namespace");
        assert.ok(ns, "prod declares a Namespace");
        const moved = renamed(prod, ns.type, ns.name, `${ns.name}-renamed`);
        const problems = unaliasedRenames(prod.resources, moved.resources);
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], new RegExp(`::${ns.name} became .*::${ns.name}-renamed without an alias`));
        const target = moved.resources.find((r) => r.name === `${ns.name}-renamed`);
        assert.ok(target);
        target.options = { ...target.options, aliases: [{ name: ns.name }] };
        assert.deepStrictEqual(unaliasedRenames(prod.resources, moved.resources), []);
    });

    it("@subprocess compares against the previous commit and the fork point from main, and explains a shallow clone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-history-"));
        const sh = (cwd: string, ...args: string[]) => {
            const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
                cwd,
                encoding: "utf8",
            });
            assert.strictEqual(r.status, 0, r.stderr);
            return r.stdout.trim();
        };
        try {
            const repo = path.join(dir, "repo");
            fs.mkdirSync(repo);
            sh(repo, "init", "-q", "-b", "main");
            const commit = (n: number) => {
                fs.writeFileSync(path.join(repo, "f"), String(n));
                sh(repo, "add", "-A");
                sh(repo, "commit", "-q", "--no-gpg-sign", "-m", `c${n}`);
                return sh(repo, "rev-parse", "HEAD");
            };
            commit(1);
            assert.deepStrictEqual(previousRevisions(repo), [], "a first commit has no previous render");
            const second = commit(2);
            assert.deepStrictEqual(
                previousRevisions(repo).map((r) => r.ref),
                ["HEAD~1"],
                "on main, HEAD~1 (the fork point is HEAD)",
            );
            sh(repo, "checkout", "-q", "-b", "feature");
            commit(3);
            commit(4);
            assert.deepStrictEqual(
                previousRevisions(repo).map((r) => [r.ref, r.sha === second]),
                [
                    ["HEAD~1", false],
                    ["merge-base with main", true],
                ],
            );
            const shallow = path.join(dir, "shallow");
            sh(dir, "clone", "-q", "--depth", "1", `file://${repo}`, shallow);
            assert.throws(() => previousRevisions(shallow), /shallow .*git fetch --deepen=1/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("@subprocess every committed stack keeps the URNs of the previous commit's render, or aliases them", async () => {
        // In CI (a clone of main) the previous commit is main's previous tip, so a merge is checked
        // whole; on a branch the fork point from main is checked too. See previousRevisions.
        const revisions: Revision[] = previousRevisions();
        const scratch = scratchDir();
        const problems: string[] = [];
        let compared = 0;
        try {
            for (const rev of revisions) {
                for (const stack of listStacks()) {
                    const side = prepareRevision(rev, stack, scratch.dir);
                    const out = path.join(scratch.dir, `${rev.sha.slice(0, 12)}-${stack}`);
                    const before = await renderSide(side, { stack, overrides: [], configPath: false }, out);
                    if (before === undefined) {
                        continue; // a stack new since that revision has no URNs to keep
                    }
                    const after = await renderStack(stack);
                    compared++;
                    problems.push(
                        ...unaliasedRenames(before.resources, after.resources).map(
                            (p) => `${stack} vs ${rev.ref}: ${p}`,
                        ),
                    );
                }
            }
        } finally {
            scratch.cleanup();
        }
        assert.deepStrictEqual(problems, []);
        if (revisions.length === 0) {
            assert.strictEqual(
                git(["rev-list", "--count", "HEAD"]).stdout,
                "1",
                "only a root commit has no previous render",
            );
        } else {
            assert.ok(compared > 0, "at least one stack was compared with a previous render");
        }
    });
});
