/**
 * The committed pair dev-east/dev-west, evaluated offline as the render evaluates them: each one's
 * StackReference is fed the other's own offline outputs.
 */
import * as assert from "assert";
import { parse } from "yaml";
import { ConfigError } from "../../../config";
import {
    CapturedResource,
    Evaluation,
    SECRET_SIG,
    evaluate,
    isSecretWrapper,
} from "../../../tools/lib/mockRuntime";
import { diffRendered } from "../../../tools/lib/diff";
import { render } from "../../../tools/lib/render";
import { loadStackConfig } from "../../../tools/lib/stackFiles";
import { RENDER_CLI, renderMain } from "../../../tools/render";
import { assertUsageError, runTool } from "../../support/cli";
import {
    byType,
    evaluateStack,
    one,
    oneObject,
    parsedStack,
    pinned,
    renderStack,
} from "../../support/stacks";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const CHART = "kubernetes:helm.sh/v4:Chart";
const SECRET = "kubernetes:core/v1:Secret";
const PRIVATE_KEY = "tls:index/privateKey:PrivateKey";

function config(stack: string) {
    return parsedStack(stack).config;
}

function chart(ev: Evaluation, release: string): CapturedResource {
    const found = byType(ev, CHART).filter((r) => r.inputs.name === release);
    assert.strictEqual(found.length, 1, `one chart release ${release}`);
    return found[0];
}

const secretNamed = (ev: Evaluation, name: string) => oneObject(ev, SECRET, name);

function unwrap(v: unknown): unknown {
    return isSecretWrapper(v) ? v.value : v;
}

/** Evaluates a stack with the given peer outputs; the error a refusal throws, or the evaluation. */
async function withPeers(stack: string, stackOutputs: Record<string, Record<string, unknown>>) {
    try {
        return await evaluate(loadStackConfig(stack), undefined, { stackOutputs });
    } catch (e) {
        return e as Error;
    }
}

describe("multi-cluster mesh (dev-east and dev-west)", () => {
    for (const [stack, peer] of [
        ["dev-east", "dev-west"],
        ["dev-west", "dev-east"],
    ]) {
        describe(stack, () => {
            it("gives every istiod the mesh, cluster and network identity and labels the root namespace", async () => {
                const ev = await evaluateStack(stack);
                const m = config(stack).multicluster;
                const values = chart(ev, "istiod").inputs.values as { global: Record<string, unknown> };
                assert.strictEqual(values.global.meshID, m.meshId);
                assert.deepStrictEqual(values.global.multiCluster, { clusterName: m.clusterName });
                assert.strictEqual(values.global.network, m.network);
                const ns = one(ev, "kubernetes:core/v1:Namespace", "istio-root-namespace");
                assert.deepStrictEqual((ns.inputs.metadata as { labels: unknown }).labels, {
                    "topology.istio.io/network": m.network,
                });
            });

            it("installs the east-west gateway chart at istio.version with 15443, after istiod", async () => {
                const ev = await evaluateStack(stack);
                const ew = chart(ev, "istio-eastwestgateway");
                const istiod = chart(ev, "istiod");
                assert.strictEqual(ew.inputs.version, pinned("istio.version"));
                assert.strictEqual(ew.inputs.chart, "gateway");
                assert.strictEqual(ew.inputs.namespace, config(stack).istio.rootNamespace);
                const values = ew.inputs.values as {
                    networkGateway: string;
                    networkGatewayPorts: { tls: { port: number } };
                };
                assert.strictEqual(values.networkGateway, config(stack).multicluster.network);
                assert.strictEqual(values.networkGatewayPorts.tls.port, 15443);
                assert.ok(ew.dependsOn.includes(istiod.urn), "the gateway's pods need istiod's injection");
            });

            it("exposes the cluster's services through an AUTO_PASSTHROUGH Gateway", async () => {
                const ev = await evaluateStack(stack);
                const gw = one(
                    ev,
                    "kubernetes:networking.istio.io/v1:Gateway",
                    "multicluster-cross-network-gateway",
                );
                const spec = gw.inputs.spec as {
                    servers: { port: { number: number }; tls: { mode: string } }[];
                };
                assert.deepStrictEqual(
                    spec.servers.map((s) => [s.port.number, s.tls.mode]),
                    [[15443, "AUTO_PASSTHROUGH"]],
                );
            });

            it(`creates the remote secret for ${peer}, named after its clusterName, holding its kubeconfig as a secret`, async () => {
                const ev = await evaluateStack(stack);
                const other = config(peer).multicluster;
                const s = secretNamed(ev, `istio-remote-secret-${other.clusterName}`);
                const meta = s.inputs.metadata as {
                    labels: unknown;
                    annotations: unknown;
                    namespace: string;
                };
                assert.deepStrictEqual(meta.labels, { "istio/multiCluster": "true" });
                assert.deepStrictEqual(meta.annotations, {
                    "networking.istio.io/cluster": other.clusterName,
                });
                assert.strictEqual(meta.namespace, config(stack).istio.rootNamespace);
                assert.ok(isSecretWrapper(s.inputs.stringData), "the kubeconfig is a Pulumi secret");
                const data = unwrap(s.inputs.stringData) as Record<string, string>;
                assert.deepStrictEqual(Object.keys(data), [other.clusterName]);
                const kc = parse(data[other.clusterName]) as {
                    clusters: { cluster: { server: string } }[];
                    users: { user: { token: string } }[];
                };
                // The peer's own offline outputs: its API server and its reader token.
                assert.strictEqual(kc.clusters[0].cluster.server, other.apiServer);
                assert.match(kc.users[0].user.token, /mock-service-account-token-multicluster-reader-token/);
            });

            it("exports its identity in plaintext and its reader credentials as a secret", async () => {
                const ev = await evaluateStack(stack);
                const m = config(stack).multicluster;
                const identity = ev.outputs.multicluster as Record<string, unknown>;
                assert.ok(!isSecretWrapper(identity));
                assert.strictEqual(identity.meshId, m.meshId);
                assert.strictEqual(identity.clusterName, m.clusterName);
                assert.strictEqual(identity.network, m.network);
                assert.ok(isSecretWrapper(ev.outputs.multiclusterCredentials));
                const creds = unwrap(ev.outputs.multiclusterCredentials) as Record<string, string>;
                assert.strictEqual(creds.server, m.apiServer);
                const token = one(ev, SECRET, "multicluster-reader-token");
                assert.strictEqual(token.inputs.type, "kubernetes.io/service-account-token");
                assert.deepStrictEqual((token.inputs.metadata as { annotations: unknown }).annotations, {
                    "kubernetes.io/service-account.name": "istio-reader-service-account",
                });
            });

            it("writes its intermediate CA to cacerts before istiod starts", async () => {
                const ev = await evaluateStack(stack);
                const cacerts = secretNamed(ev, "cacerts");
                assert.ok(isSecretWrapper(cacerts.inputs.stringData));
                const files = unwrap(cacerts.inputs.stringData) as Record<string, string>;
                assert.deepStrictEqual(Object.keys(files).sort(), [
                    "ca-cert.pem",
                    "ca-key.pem",
                    "cert-chain.pem",
                    "root-cert.pem",
                ]);
                assert.strictEqual(
                    files["cert-chain.pem"],
                    `${files["ca-cert.pem"].trimEnd()}\n${files["root-cert.pem"].trimEnd()}\n`,
                );
                // The intermediate the root stack (dev-east) issued for this stack.
                assert.match(
                    Buffer.from(files["ca-cert.pem"].split("\n")[1], "base64").toString(),
                    new RegExp(`${stack}-cert`),
                );
                const istiod = chart(ev, "istiod");
                assert.ok(
                    istiod.dependencies.includes(cacerts.urn),
                    "istiod picks plug-in mode only if cacerts exists",
                );
            });
        });
    }

    it("keeps the root key in the root stack only, protected", async () => {
        const east = await evaluateStack("dev-east");
        const west = await evaluateStack("dev-west");
        assert.deepStrictEqual(byType(west, PRIVATE_KEY), []);
        const root = one(east, PRIVATE_KEY, "multicluster-root-ca-root-key");
        assert.strictEqual(root.protect, true);
        // One intermediate per cluster stack of the mesh.
        assert.deepStrictEqual(
            byType(east, "tls:index/locallySignedCert:LocallySignedCert")
                .map((r) => r.name)
                .sort(),
            ["multicluster-root-ca-dev-east-cert", "multicluster-root-ca-dev-west-cert"],
        );
        assert.ok(isSecretWrapper(east.outputs.multiclusterTrust));
        assert.strictEqual(west.outputs.multiclusterTrust, undefined);
        const signer = one(
            east,
            "tls:index/locallySignedCert:LocallySignedCert",
            "multicluster-root-ca-dev-west-cert",
        );
        assert.ok(
            isSecretWrapper(signer.inputs.caPrivateKeyPem),
            "the root key is only ever handled as a secret",
        );
    });

    it("rotates the intermediates (new keys, same root) when trust.generation is raised, visibly in the diff", async () => {
        const base = render(await evaluateStack("dev-east"));
        const rotated = [{ key: "multicluster.trust.generation", value: "7" }];
        const ev = await evaluateStack("dev-east", rotated);
        const trigger = (name: string) => one(ev, PRIVATE_KEY, name).options.replacementTrigger;
        assert.strictEqual(trigger("multicluster-root-ca-dev-west-key"), 7);
        assert.strictEqual(trigger("multicluster-root-ca-dev-east-key"), 7);
        assert.strictEqual(trigger("multicluster-root-ca-root-key"), undefined, "the root stays");
        const diff = diffRendered(base, render(ev));
        const messages = diff.warnings.map((w) => w.message);
        for (const cluster of ["dev-east", "dev-west"]) {
            for (const what of ["privateKey:PrivateKey", "locallySignedCert:LocallySignedCert"]) {
                assert.ok(
                    messages.some(
                        (m) =>
                            m.includes(`${what} multicluster-root-ca-${cluster}-`) &&
                            m.includes("replacementTrigger changes 1 -> 7"),
                    ),
                    `${what} of ${cluster}: ${messages.join("\n")}`,
                );
            }
        }
        assert.ok(!messages.some((m) => m.includes("root-key")), "the root key is not replaced");
        // Each cluster's cacerts says which generation it holds.
        const cacerts = one(ev, SECRET, "istio-cacerts").inputs.metadata as {
            annotations: Record<string, string>;
        };
        assert.strictEqual(cacerts.annotations["istio-mesh.io/trust-generation"], "7");
    });

    it("annotates the peer's cacerts with the root stack's generation", async () => {
        const ev = await evaluateStack("dev-west");
        const cacerts = one(ev, SECRET, "istio-cacerts").inputs.metadata as {
            annotations: Record<string, string>;
        };
        assert.strictEqual(
            cacerts.annotations["istio-mesh.io/trust-generation"],
            String(config("dev-east").multicluster.trust.generation),
        );
    });

    it("keeps the reader token, the kubeconfigs and the CA keys out of the render", async () => {
        const text = JSON.stringify(await renderStack("dev-east"));
        for (const leak of ["mock-service-account-token", "PRIVATE KEY", "-----BEGIN"]) {
            assert.ok(!text.includes(leak), `${leak} in the render`);
        }
        assert.ok(!text.includes(SECRET_SIG));
    });

    describe("refuses a peer, naming its key", () => {
        it("that does not exist", async () => {
            const err = await evaluate(
                loadStackConfig("dev-east", [{ key: "multicluster.peers[0]", value: "dev-north" }], true),
            ).then(
                () => undefined,
                (e: Error) => e,
            );
            assert.ok(err instanceof ConfigError, err instanceof Error ? err.message : "evaluated");
            assert.deepStrictEqual(
                err.issues.map((i) => i.key),
                ["multicluster.peers[0]"],
            );
            assert.match(err.issues[0].message, /stack "dev-north" does not exist/);
        });

        it("of another mesh", async () => {
            const west = (await evaluateStack("dev-west")).outputs;
            const other = { ...west, multicluster: { ...(west.multicluster as object), meshId: "mesh2" } };
            const err = await withPeers("dev-east", { "dev-west": other });
            assert.ok(err instanceof ConfigError, err instanceof Error ? err.message : "evaluated");
            assert.deepStrictEqual(
                err.issues.map((i) => i.key),
                ["multicluster.peers[0]"],
            );
            assert.match(err.message, /"dev-west" is in mesh "mesh2"/);
        });

        it("whose root stack was never deployed", async () => {
            const err = await withPeers("dev-west", { "dev-east": {} });
            assert.ok(err instanceof ConfigError, err instanceof Error ? err.message : "evaluated");
            assert.deepStrictEqual(
                err.issues.map((i) => i.key),
                ["multicluster.trust.rootStack"],
            );
        });
    });

    it("goes up before a peer that exists but was never deployed, without its remote secret", async () => {
        const ev = await withPeers("dev-east", { "dev-west": {} });
        assert.ok(!(ev instanceof Error), ev instanceof Error ? ev.message : "");
        assert.deepStrictEqual(
            byType(ev, SECRET)
                .map((r) => (r.inputs.metadata as { name: string }).name)
                .filter((n) => n.startsWith("istio-remote-secret-")),
            [],
        );
        assert.ok(byType(ev, CHART).some((r) => r.inputs.name === "istio-eastwestgateway"));
        one(ev, SECRET, "istio-cacerts");
    });

    describe("npm run render --stack-output", () => {
        it("feeds a peer from another repository from its outputs file, marking its credentials secret", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i14-"));
            const west = (await evaluateStack("dev-west")).outputs;
            const plain = {
                istioVersion: west.istioVersion,
                multicluster: west.multicluster,
                multiclusterCredentials: {
                    server: "https://elsewhere:6443",
                    certificateAuthorityData: "Q0E=",
                    token: "from-a-file-7f3a",
                },
            };
            fs.writeFileSync(path.join(dir, "west.json"), JSON.stringify(plain));
            const run = await runTool(RENDER_CLI, renderMain, [
                "--stack",
                "dev-east",
                "--out",
                path.join(dir, "out"),
                "--stack-output",
                `dev-west=${path.join(dir, "west.json")}`,
            ]);
            assert.strictEqual(run.code, 0, run.stderr);
            const rendered = fs.readFileSync(path.join(dir, "out", "manifests.yaml"), "utf8");
            assert.match(rendered, /name: istio-remote-secret-west/);
            for (const f of fs.readdirSync(path.join(dir, "out"))) {
                assert.ok(!fs.readFileSync(path.join(dir, "out", f), "utf8").includes("from-a-file-7f3a"), f);
            }
        });

        it("refuses a malformed option and an unreadable file", async () => {
            const bad = await runTool(RENDER_CLI, renderMain, [
                "--stack",
                "dev-east",
                "--out",
                os.tmpdir(),
                "--stack-output",
                "dev-west",
            ]);
            assertUsageError(bad, RENDER_CLI, /--stack-output expects NAME=FILE\.json, got "dev-west"/);
            const missing = await runTool(RENDER_CLI, renderMain, [
                "--stack",
                "dev-east",
                "--out",
                os.tmpdir(),
                "--stack-output",
                "dev-west=/nonexistent/west.json",
            ]);
            assertUsageError(missing, RENDER_CLI, /--stack-output dev-west: .*no such file/);
        });

        it("refuses outputs for a stack that is not a peer (a misspelt name would leave the stack file to answer)", async () => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "i14-")), "west.json");
            fs.writeFileSync(file, "{}");
            const typo = await runTool(RENDER_CLI, renderMain, [
                "--stack",
                "dev-east",
                "--out",
                os.tmpdir(),
                "--stack-output",
                `dev-wset=${file}`,
            ]);
            assertUsageError(
                typo,
                RENDER_CLI,
                /--stack-output dev-wset: stack 'dev-east' has no such peer \(multicluster\.peers: dev-west\)/,
            );
        });
    });
});
