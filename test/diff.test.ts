import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { DIFF_CLI, diffMain } from "../tools/diff";
import { runCli } from "../tools/lib/cli";
import { diffRendered, diffValues, formatMarkdown, formatText, isEmpty } from "../tools/lib/diff";
import { isSecretWrapper } from "../tools/lib/mockRuntime";
import { K8sObject, Rendered } from "../tools/lib/render";
import { PROJECT_ROOT } from "../tools/lib/stackFiles";
import { evaluateStack, renderStack } from "./support/stacks";
import { VIRTUAL_SERVICE } from "./support/types";

const LABELS = { stack: "dev", base: "base", head: "head" };

function chartVersion(r: Rendered, resource: string): string {
    const chart = r.charts.find((c) => c.resource === resource);
    assert.ok(chart, `chart ${resource} rendered`);
    return chart.version;
}

/** Every plaintext string that the mock runtime holds as a Pulumi secret, anywhere in `v`. */
function secretPlaintexts(v: unknown, inSecret = false): string[] {
    if (isSecretWrapper(v)) {
        return secretPlaintexts(v.value, true);
    }
    if (typeof v === "string") {
        return inSecret && v.length >= 6 ? [v] : [];
    }
    if (v !== null && typeof v === "object") {
        return Object.values(v).flatMap((x) => secretPlaintexts(x, inSecret));
    }
    return [];
}

describe("diff: field-level changes", () => {
    it("addresses fields by JSON pointer, escaping '/' and '~' in keys", () => {
        const before = { metadata: { labels: { "app.kubernetes.io/name": "a", "x~y": "1" } } };
        const after = { metadata: { labels: { "app.kubernetes.io/name": "b", "x~y": "2" } } };
        assert.deepStrictEqual(diffValues(before, after), [
            { path: "/metadata/labels/app.kubernetes.io~1name", change: "changed", before: "a", after: "b" },
            { path: "/metadata/labels/x~0y", change: "changed", before: "1", after: "2" },
        ]);
    });

    it("matches list items by name when every item has a distinct one, by position otherwise", () => {
        const named = diffValues(
            {
                ports: [
                    { name: "http", port: 80 },
                    { name: "https", port: 443 },
                ],
            },
            {
                ports: [
                    { name: "https", port: 8443 },
                    { name: "http", port: 80 },
                    { name: "tcp", port: 31400 },
                ],
            },
        );
        assert.deepStrictEqual(named, [
            { path: "/ports[name=https]/port", change: "changed", before: 443, after: 8443 },
            { path: "/ports[name=tcp]/name", change: "added", after: "tcp" },
            { path: "/ports[name=tcp]/port", change: "added", after: 31400 },
        ]);
        const positional = diffValues(
            { http: [{ route: [{ weight: 100 }] }] },
            { http: [{ route: [{ weight: 50 }, { weight: 50 }] }] },
        );
        assert.deepStrictEqual(positional, [
            { path: "/http/0/route/0/weight", change: "changed", before: 100, after: 50 },
            { path: "/http/0/route/1/weight", change: "added", after: 50 },
        ]);
    });

    it("shows a list of scalars whole, and nothing when values are equal", () => {
        assert.deepStrictEqual(diffValues({ hosts: ["a", "b"] }, { hosts: ["a", "c"] }), [
            { path: "/hosts", change: "changed", before: ["a", "b"], after: ["a", "c"] },
        ]);
        assert.deepStrictEqual(
            diffValues({ a: { b: [1, { c: null }] } }, { a: { b: [1, { c: null }] } }),
            [],
        );
    });
});

describe("diff: real renders", () => {
    it("shows an Istio version bump as a version change of the three Istio charts", async () => {
        const base = await renderStack("dev");
        const bumped = await renderStack("dev", [{ key: "istio.version", value: "1.30.4" }]);
        const d = diffRendered(base, bumped);
        const istioRepo = base.charts.find((c) => c.resource === "istio-istiod")?.repository;
        const istioCharts = d.charts.filter((c) => c.before?.repository === istioRepo);
        assert.deepStrictEqual(
            istioCharts.map((c) => [c.resource, c.change, c.fields]),
            ["istio-base", "istio-gateway", "istio-istiod"].map((resource) => [
                resource,
                "changed",
                [
                    {
                        path: "/version",
                        change: "changed",
                        before: chartVersion(base, resource),
                        after: "1.30.4",
                    },
                ],
            ]),
        );
        // Charts from elsewhere keep their own pinned versions (values may follow Istio's).
        for (const c of d.charts.filter((x) => !istioCharts.includes(x))) {
            assert.ok(!c.fields.some((f) => f.path === "/version"), `${c.resource} version unchanged`);
        }
        assert.deepStrictEqual(
            d.outputs.filter((f) => f.path === "/istioVersion"),
            [
                {
                    path: "/istioVersion",
                    change: "changed",
                    before: chartVersion(base, "istio-istiod"),
                    after: "1.30.4",
                },
            ],
        );
        const text = formatText(d, LABELS);
        assert.match(text, /~ chart istio-istiod: istiod \S+ -> 1\.30\.4/);
        assert.match(text, /~ \/version: "[^"]+" -> "1\.30\.4"/);
    });

    it("titles a manifest bundle's change without the namespace and repository it does not have", async () => {
        const ambient = [{ key: "mesh.dataPlane", value: "ambient" }];
        const base = await renderStack("dev", ambient);
        const bumped = await renderStack("dev", [
            ...ambient,
            { key: "gateway.crds.version", value: "99.0.0" },
        ]);
        const text = formatText(diffRendered(base, bumped), LABELS);
        const title = text.split("\n").find((l) => l.includes("standard-install.yaml"));
        assert.ok(title, text);
        assert.match(title, /-> 99\.0\.0$/);
        assert.doesNotMatch(title, / in +\(|\(\)/);
    });

    it("shows a mesh mTLS change as a field change of the PeerAuthentication object", async () => {
        const base = await renderStack("prod");
        const permissive = await renderStack("prod", [{ key: "mesh.mtls", value: "PERMISSIVE" }]);
        const d = diffRendered(base, permissive);
        assert.deepStrictEqual(
            d.objects.map((o) => ({ kind: o.kind, change: o.change, fields: o.fields })),
            [
                {
                    kind: "PeerAuthentication",
                    change: "changed",
                    fields: [
                        { path: "/spec/mtls/mode", change: "changed", before: "STRICT", after: "PERMISSIVE" },
                    ],
                },
            ],
        );
        const md = formatMarkdown(d, { ...LABELS, stack: "prod" });
        assert.match(md, /^### Stack `prod`: objects: 1 changed/);
        assert.match(
            md,
            /```diff\n@@ PeerAuthentication [^\n]+ @@\n- +\/spec\/mtls\/mode: "STRICT"\n\+ +\/spec\/mtls\/mode: "PERMISSIVE"\n```/,
        );
    });

    it("shows a routing change as a VirtualService field change", async () => {
        const base = await evaluateStack("dev");
        assert.ok(
            base.resources.some((r) => r.type === VIRTUAL_SERVICE),
            "the dev stack declares VirtualServices (Bookinfo routing)",
        );
        // all-v1, then all reviews traffic to v3.
        const d = diffRendered(
            await renderStack("dev"),
            await renderStack("dev", [
                { key: "bookinfo.routing[0]", value: "all-v1" },
                { key: "bookinfo.routing[1]", value: "reviews-v3" },
            ]),
        );
        assert.deepStrictEqual(
            d.objects.map((o) => ({ kind: o.kind, name: o.name, change: o.change, fields: o.fields })),
            [
                {
                    kind: "VirtualService",
                    name: "reviews",
                    change: "changed",
                    fields: [
                        {
                            path: "/spec/http/0/route/0/destination/subset",
                            change: "changed",
                            before: "v1",
                            after: "v3",
                        },
                    ],
                },
            ],
        );
        assert.deepStrictEqual(d.charts, []);
        assert.match(
            formatText(d, LABELS),
            /\n~ VirtualService \S+\/reviews \(networking\.istio\.io\/v1\)\n {4}~ \/spec\/http\/0\/route\/0\/destination\/subset: "v1" -> "v3"\n/,
        );
    });

    it("treats a missing side as empty: a new stack is all added, and equal renders are no changes", async () => {
        const r = await renderStack("staging");
        const d = diffRendered(undefined, r);
        assert.strictEqual(d.objects.length, r.manifests.length);
        assert.ok(d.objects.every((o) => o.change === "added"));
        assert.deepStrictEqual(
            d.charts.map((c) => c.resource).sort(),
            r.charts.map((c) => c.resource).sort(),
        );
        assert.ok(d.charts.every((c) => c.change === "added"));
        assert.ok(isEmpty(diffRendered(r, structuredClone(r))));
        assert.strictEqual(formatText(diffRendered(r, r), LABELS).split("\n")[1], "no changes");
    });

    it("never prints a secret, even in verbose listings of whole objects", async () => {
        const ev = await evaluateStack("dev");
        const secrets = ev.resources.flatMap((r) => secretPlaintexts(r.inputs));
        assert.ok(secrets.length > 0, "the dev stack holds secret inputs (the kind kubeconfig at least)");
        const d = diffRendered(undefined, await renderStack("dev"));
        const printed =
            formatText(d, LABELS, { verbose: true }) + formatMarkdown(d, LABELS, { verbose: true });
        for (const s of secrets) {
            assert.ok(!printed.includes(s), `secret value ${s.slice(0, 3)}… printed`);
        }
        // Defence in depth: a Secret's data is masked even if a render handed it over in plaintext.
        const secret = (password: string): K8sObject => ({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s", namespace: "n" },
            stringData: { password },
        });
        const one = (o: K8sObject): Rendered => ({ manifests: [o], charts: [], resources: [], outputs: {} });
        const leak = diffRendered(one(secret("hunter2")), one(secret("hunter3")));
        const out = formatText(leak, LABELS, { verbose: true }) + formatMarkdown(leak, LABELS);
        assert.match(out, /\/stringData\/password: "\[secret\]" -> "\[secret\]"/);
        assert.doesNotMatch(out, /hunter/);
        assert.doesNotMatch(
            formatText(diffRendered(undefined, one(secret("hunter2"))), LABELS, { verbose: true }),
            /hunter/,
        );
    });

    it("cuts a long markdown listing and says how to see all of it", async () => {
        const d = diffRendered(undefined, await renderStack("prod"));
        const full = formatMarkdown(d, LABELS);
        const cut = formatMarkdown(d, LABELS, {
            maxChars: 600,
            rerun: "npm run diff -- --stack prod --base main",
        });
        assert.ok(cut.length < full.length && cut.length < 1200, `cut to ${cut.length} of ${full.length}`);
        assert.match(
            cut,
            /_\d+ more lines not shown: run `npm run diff -- --stack prod --base main` for the full listing\._/,
        );
        assert.strictEqual((cut.match(/```/g) ?? []).length % 2, 0, "fences balanced");
    });

    it("lists new objects in full in markdown when they fit, and only by name when they do not", async () => {
        const d = diffRendered(undefined, await renderStack("dev"));
        const namespace = /^\+ {7}kind: Namespace$/m;
        assert.match(formatMarkdown(d, LABELS, { verbose: true }), namespace);
        const summary = formatMarkdown(d, LABELS);
        const fitted = formatMarkdown(d, LABELS, { verbose: true, maxChars: summary.length + 200 });
        assert.doesNotMatch(fitted, namespace);
        assert.match(
            fitted,
            /_Added and removed objects are listed without their contents to fit this comment\._/,
        );
        assert.match(fitted, /^\+ Namespace istio-system \(v1\)$/m);
    });
});

/** Project files a checkout needs to render; copied into a throwaway repository per test run. */
const PROJECT_FILES = [
    "Pulumi.yaml",
    "index.ts",
    "package.json",
    "tsconfig.json",
    "config",
    "components",
    "tools",
];
/** The compile-cache loader `npm run diff` runs with (copied into the throwaway repository). */
const REGISTER = "./tools/lib/register.cjs";

describe("@subprocess npm run diff (in a throwaway git repository)", function () {
    // Each run renders both sides in-process (a few seconds each on an idle machine).
    this.timeout(120_000);
    let repo: string;

    /** Runs the tool in this process against the throwaway repository. */
    const run = async (...args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const status = await runCli(DIFF_CLI, (a, io) => diffMain(a, io, repo), args, {
            out: (l) => out.push(l),
            err: (l) => err.push(l),
        });
        return { status, stdout: out.map((l) => `${l}\n`).join(""), stderr: err.join("\n") };
    };
    const git = (...args: string[]) => {
        const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
            cwd: repo,
            encoding: "utf8",
        });
        assert.strictEqual(r.status, 0, r.stderr);
    };

    before(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-diff-test-"));
        git("init", "-q");
        // A first commit that predates the offline render.
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(repo, "Pulumi.yaml"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), path.join(repo, "Pulumi.dev.yaml"));
        git("add", "-A");
        git("commit", "-q", "--no-gpg-sign", "-m", "before the render tool");
        git("tag", "ancient");
        for (const f of PROJECT_FILES) {
            fs.cpSync(path.join(PROJECT_ROOT, f), path.join(repo, f), { recursive: true });
        }
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
        fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
        git("add", "-A");
        git("commit", "-q", "--no-gpg-sign", "-m", "project");
    });

    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("prints 'no changes' and exits 0 when the working tree renders like HEAD (as a command)", () => {
        // The one subprocess: `npm run diff` as a script, its renders in its own process.
        const r = spawnSync(
            process.execPath,
            ["-r", REGISTER, "tools/diff.ts", "--stack", "dev", "--base", "HEAD"],
            { cwd: repo, encoding: "utf8" },
        );
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^stack dev: HEAD \([0-9a-f]{7}\) -> working tree\nno changes\n$/);
    });

    it("shows an edit of the stack file, with --exit-code exiting 1", async () => {
        const file = path.join(repo, "Pulumi.dev.yaml");
        const doc = parse(fs.readFileSync(file, "utf8")) as {
            config: Record<string, Record<string, unknown>>;
        };
        doc.config["istio-mesh:mesh"] = { ...doc.config["istio-mesh:mesh"], mtls: "PERMISSIVE" };
        fs.writeFileSync(file, stringify(doc));
        // An override given on the command line applies to both sides, so it does not show.
        const r = await run(
            ...["--stack", "dev", "--base", "HEAD", "--exit-code", "--format", "markdown"],
            ...["--config-path", "--config", "istio.version=1.30.4"],
        );
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stdout, /^### Stack `dev`: objects: 1 changed\n/);
        assert.match(r.stdout, /\+ +\/spec\/mtls\/mode: "PERMISSIVE"/);
    });

    it("lists a stack new in the working tree as all added", async () => {
        fs.copyFileSync(path.join(repo, "Pulumi.dev.yaml"), path.join(repo, "Pulumi.qa.yaml"));
        const r = await run(
            "--stack",
            "qa",
            "--base",
            "HEAD",
            "--verbose",
            "--config-path",
            "--config",
            "mesh.mtls=PERMISSIVE",
        );
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^ +mode: PERMISSIVE$/m);
        assert.match(
            r.stdout,
            /^stack qa: HEAD \([0-9a-f]{7}\), where stack qa does not exist -> working tree\n/,
        );
        assert.doesNotMatch(r.stdout, /^[~-] /m);
        assert.match(r.stdout, /^\+ PeerAuthentication /m);
    });

    it("compares a stack deleted in the working tree, and names a stack neither side has", async () => {
        git("add", "-A");
        git("commit", "-q", "--no-gpg-sign", "-m", "qa");
        fs.rmSync(path.join(repo, "Pulumi.qa.yaml"));
        const gone = await run("--stack", "qa", "--base", "HEAD");
        assert.strictEqual(gone.status, 0, gone.stderr);
        assert.match(
            gone.stdout,
            /^stack qa: HEAD \([0-9a-f]{7}\) -> working tree, where stack qa does not exist\n/,
        );
        assert.match(gone.stdout, /^- PeerAuthentication /m);
        assert.doesNotMatch(gone.stdout, /^[~+] /m);
        const unknown = await run("--stack", "nope", "--base", "HEAD");
        assert.strictEqual(unknown.status, 2);
        assert.match(
            unknown.stderr,
            /^diff: unknown stack 'nope': Pulumi\.nope\.yaml exists neither at HEAD nor in the working tree; known stacks: dev\n/,
        );
    });

    it("explains a base it cannot render or resolve, and a usage mistake, exiting 2", async () => {
        const old = await run("--stack", "dev", "--base", "ancient");
        assert.strictEqual(old.status, 2);
        assert.match(old.stderr, /ancient has no tools\/render\.ts/);
        const unknown = await run("--stack", "dev", "--base", "no-such-branch");
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /unknown git revision "no-such-branch"/);
        for (const args of [
            ["--stack", "dev"],
            ["--base", "HEAD"],
            ["--stack", "dev", "--base", "HEAD", "--format", "html"],
            ["--stack", "dev", "--base", "HEAD", "--max-chars", "0"],
            ["--stack", "dev", "--base", "HEAD", "--verbose=yes"],
            ["--stack", "dev", "--base", "HEAD", "--base", "main"],
            ["--stack", "dev", "--base", "HEAD", "--colour"],
        ]) {
            const usage = await run(...args);
            assert.strictEqual(usage.status, 2, args.join(" "));
            assert.match(usage.stderr, /^diff: .+\nusage: npm run diff -- --stack <name> /, args.join(" "));
        }
        const help = await run("--help");
        assert.strictEqual(help.status, 0);
        for (const flag of [
            "--base",
            "--head",
            "--format",
            "--max-chars",
            "--out",
            "--verbose",
            "--exit-code",
        ]) {
            assert.ok(help.stdout.includes(`  ${flag}`), `--help lists ${flag}`);
        }
    });

    it("fails with exit 2 when a side's config does not validate", async () => {
        const r = await run(
            "--stack",
            "dev",
            "--base",
            "HEAD",
            "--config-path",
            "--config",
            "mesh.mtls=SOMETIMES",
        );
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /^diff: rendering dev at HEAD \([0-9a-f]{7}\) failed:\n.*mesh\.mtls/s);
    });
});
