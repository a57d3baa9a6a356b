import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    KIND_ADOPTED_MARKER,
    KIND_CREATED_MARKER,
    KindClusterSpec,
    kindClusterIdentifier,
    kindClusterSpec,
    kindCreateScript,
    kindDeleteScript,
    kindUpdateScript,
} from "../../../components/cluster";
import { evaluateStack, one } from "../../support/stacks";

/**
 * Runs the kind scripts the Command resource is given under /bin/sh, with a fake `kind` on PATH
 * that knows the clusters listed in $KIND_CLUSTERS and records every call in $KIND_LOG.
 */
class FakeKind {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kind-"));
    readonly log = path.join(this.dir, "calls.log");

    constructor(private readonly existing: string[]) {
        const bin = path.join(this.dir, "kind");
        fs.writeFileSync(
            bin,
            [
                "#!/bin/sh",
                'echo "$*" >> "$KIND_LOG"',
                'case "$1 $2" in',
                '  "get clusters") for c in $KIND_CLUSTERS; do echo "$c"; done ;;',
                '  "get kubeconfig") echo "apiVersion: v1"; echo "kind: Config" ;;',
                "esac",
            ].join("\n"),
        );
        fs.chmodSync(bin, 0o755);
    }

    run(script: string, stdout = ""): { code: number; stdout: string; stderr: string; calls: string[] } {
        fs.writeFileSync(this.log, "");
        const r = spawnSync("/bin/sh", ["-c", script], {
            input: "kind: Cluster\n",
            encoding: "utf8",
            env: {
                PATH: `${this.dir}:${process.env.PATH ?? ""}`,
                KIND_LOG: this.log,
                KIND_CLUSTERS: this.existing.join(" "),
                PULUMI_COMMAND_STDOUT: stdout,
            },
        });
        const calls = fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, calls };
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("kind cluster ownership", () => {
    const fakes: FakeKind[] = [];
    const fake = (existing: string[]): FakeKind => {
        const f = new FakeKind(existing);
        fakes.push(f);
        return f;
    };
    after(() => fakes.forEach((f) => f.cleanup()));

    it("creates a missing cluster and records in its output that this stack created it", () => {
        const r = fake(["other"]).run(kindCreateScript("mesh", false));
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(r.calls.includes("create cluster --name mesh --config=- --wait 180s"), r.calls.join("\n"));
        assert.strictEqual(r.stdout.split("\n")[0], KIND_CREATED_MARKER);
        assert.match(r.stdout, /^apiVersion: v1$/m, "the kubeconfig follows the marker");
    });

    it("refuses a cluster of that name that it did not create, with a clear way out", () => {
        const r = fake(["mesh"]).run(kindCreateScript("mesh", false));
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /a kind cluster named mesh already exists and this stack did not create it/);
        assert.match(r.stderr, /cluster\.kind\.adoptExisting/);
        assert.ok(!r.calls.some((c) => c.startsWith("create") || c.startsWith("delete")), r.calls.join("\n"));
    });

    it("adopts an existing cluster only when told to, and marks it as adopted", () => {
        const r = fake(["mesh"]).run(kindCreateScript("mesh", true));
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(!r.calls.some((c) => c.startsWith("create")), "nothing is created");
        assert.strictEqual(r.stdout.split("\n")[0], KIND_ADOPTED_MARKER);
    });

    it("deletes on destroy only a cluster whose recorded output says this stack created it", () => {
        const created = fake(["mesh"]).run(
            kindDeleteScript("mesh"),
            `${KIND_CREATED_MARKER}\napiVersion: v1\n`,
        );
        assert.strictEqual(created.code, 0, created.stderr);
        assert.deepStrictEqual(created.calls, ["delete cluster --name mesh"]);
        for (const stdout of [`${KIND_ADOPTED_MARKER}\napiVersion: v1\n`, "apiVersion: v1\n", ""]) {
            const kept = fake(["mesh"]).run(kindDeleteScript("mesh"), stdout);
            assert.strictEqual(kept.code, 0, kept.stderr);
            assert.deepStrictEqual(kept.calls, [], `nothing deleted for ${JSON.stringify(stdout)}`);
            assert.match(kept.stderr, /was not created by this stack; leaving it in place/);
        }
    });

    it("keeps the recorded ownership across an update, and counts an unrecorded one as adopted", () => {
        const f = fake(["mesh"]);
        const kept = f.run(kindUpdateScript("mesh"), `${KIND_CREATED_MARKER}\napiVersion: v1\n`);
        assert.strictEqual(kept.stdout.split("\n")[0], KIND_CREATED_MARKER);
        const legacy = f.run(kindUpdateScript("mesh"), "apiVersion: v1\n");
        assert.strictEqual(legacy.stdout.split("\n")[0], KIND_ADOPTED_MARKER);
        assert.ok(!legacy.calls.some((c) => c.startsWith("create") || c.startsWith("delete")));
    });

    it("gives dev's kind command these scripts, adopting only with cluster.kind.adoptExisting", async () => {
        const dev = one(await evaluateStack("dev"), "command:local:Command", "cluster-kind");
        assert.strictEqual(dev.inputs.create, kindCreateScript("istio-mesh", false));
        assert.strictEqual(dev.inputs.update, kindUpdateScript("istio-mesh"));
        assert.strictEqual(dev.inputs.delete, kindDeleteScript("istio-mesh"));
        const adopt = one(
            await evaluateStack("dev", [{ key: "cluster.kind.adoptExisting", value: "true" }]),
            "command:local:Command",
            "cluster-kind",
        );
        assert.strictEqual(adopt.inputs.create, kindCreateScript("istio-mesh", true));
    });
});

describe("kind cluster identity", () => {
    const settings = {
        name: "mesh",
        httpHostPort: 8080,
        httpsHostPort: 8443,
        adoptExisting: false,
    };
    const ports = { http: 30080, https: 30443 };

    it("gives the provider an identifier that changes exactly when the cluster is replaced", () => {
        const base = kindClusterIdentifier(kindClusterSpec(settings, ports));
        // The spec is what `triggers` replaces the cluster on: a change to it is a new cluster.
        assert.notStrictEqual(
            kindClusterIdentifier(kindClusterSpec({ ...settings, httpHostPort: 9080 }, ports)),
            base,
        );
        assert.notStrictEqual(
            kindClusterIdentifier(kindClusterSpec({ ...settings, name: "other" }, ports)),
            base,
        );
        // Ownership settings change only the scripts, which update the command in place.
        assert.strictEqual(
            kindClusterIdentifier(kindClusterSpec({ ...settings, adoptExisting: true }, ports)),
            base,
        );
    });

    it("sets it on the dev stack's provider, whose kubeconfig is unknown whenever the kind command runs", async () => {
        const ev = await evaluateStack("dev");
        const provider = one(ev, "pulumi:providers:kubernetes", "cluster-provider");
        const kind = one(ev, "command:local:Command", "cluster-kind");
        assert.strictEqual(
            provider.inputs.clusterIdentifier,
            kindClusterIdentifier(parse(String(kind.inputs.stdin)) as KindClusterSpec),
        );
    });
});
