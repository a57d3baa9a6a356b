/**
 * The offline loader resolves config as the Pulumi CLI does, and render, check and the program
 * reach the same verdict on it through the one config path (config/source.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, ConfigIssue, parseConfig } from "../../config";
import { PROVIDER_NAMESPACES } from "../../config/source";
import { validateConfig } from "../../tools/lib/checkStack";
import { evaluate } from "../../tools/lib/mockRuntime";
import {
    LoadedConfig,
    Override,
    SECRET_PLACEHOLDER,
    coerce,
    configSource,
    PROJECT_ROOT,
    loadStackConfig,
} from "../../tools/lib/stackFiles";
import { tempProject } from "../support/tempStack";

const HEADER = "config:\n  pulumi:disable-default-providers:\n    - kubernetes\n";

function load(stackYaml: string, overrides: Override[] = [], usePaths = false): LoadedConfig {
    const root = tempProject({ t: HEADER + stackYaml });
    return loadStackConfig("t", overrides, usePaths, root);
}

function issuesOf(loaded: LoadedConfig): ConfigIssue[] {
    const result = parseConfig(configSource(loaded), loaded.stack);
    return result.ok ? [] : result.issues;
}

/**
 * The one error `render`/`check` report: the loader refuses what the program cannot see, then
 * validateConfig throws what the program would.
 */
function configError(loaded: LoadedConfig | (() => LoadedConfig)): ConfigError {
    try {
        validateConfig(typeof loaded === "function" ? loaded() : loaded);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e;
    }
    assert.fail("expected the config to be refused");
}

/** What the program itself throws under the mock runtime for the same config. */
async function programError(loaded: LoadedConfig): Promise<ConfigError | undefined> {
    try {
        await evaluate(loaded);
        return undefined;
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e;
    }
}

const OPENID_STACK = `  istio-mesh:observability:
    kiali:
      auth:
        strategy: openid
        openid:
          clientId: kiali
          issuerUri: https://login.example.com/realms/mesh
  istio-mesh:kialiOidcClientSecret:
    secure: AAABAKfakeciphertextonlyforthetest==
`;

describe("stack files to program config (tools/lib/stackFiles.ts)", function () {
    this.timeout(60000);

    it("writes Pulumi.yaml defaults by path under the sections a stack sets", () => {
        const loaded = load("  istio-mesh:gateway:\n    serviceType: NodePort\n");
        const gateway = loaded.values["istio-mesh:gateway"] as Record<string, unknown>;
        assert.strictEqual(gateway.serviceType, "NodePort");
        assert.strictEqual(gateway.name, "istio-ingressgateway");
        assert.deepStrictEqual(loaded.explicit, ["gateway.serviceType"]);
    });

    it("coerces --config-path values as `pulumi config set --path` does", () => {
        // sdk/go/common/resource/config/object.go coerce: booleans, base-10 integers (sign allowed),
        // but a leading zero keeps the string.
        assert.strictEqual(coerce("3"), 3);
        assert.strictEqual(coerce("+5"), 5);
        assert.strictEqual(coerce("-2"), -2);
        assert.strictEqual(coerce("true"), true);
        assert.strictEqual(coerce("0123"), "0123");
        assert.strictEqual(coerce("0"), 0);
        assert.strictEqual(coerce("1.5"), "1.5");
        const loaded = load("", [{ key: "mesh.namespaces[0]", value: "shop" }], true);
        assert.deepStrictEqual((loaded.values["istio-mesh:mesh"] as { namespaces: string[] }).namespaces, [
            "shop",
        ]);
        assert.deepStrictEqual(loaded.explicit, ["mesh.namespaces"]);
    });

    for (const [what, yaml, overrides] of [
        ["--config 'gateway={...}' without --path", "", [{ key: "gateway", value: '{"replicas":3}' }]],
        ["a JSON string in the stack file", "  istio-mesh:gateway: '{\"replicas\": 3}'\n", []],
        ["a scalar in the stack file", "  istio-mesh:gateway: NodePort\n", []],
    ] as const) {
        it(`refuses a section given as one value (${what}) instead of silently using the defaults`, () => {
            const err = configError(() => load(yaml, [...overrides]));
            assert.deepStrictEqual(
                err.issues.map((i) => i.key),
                ["gateway"],
                err.message,
            );
            assert.match(err.issues[0].message, /must be a map of settings/);
            assert.match(err.issues[0].message, /Pulumi would replace it with the defaults/);
            assert.match(err.issues[0].message, /pulumi config set --path gateway\./);
        });
    }

    it("names the exact --path command for a section given as JSON", () => {
        const err = configError(() => load("", [{ key: "gateway", value: '{"replicas":3}' }]));
        assert.match(err.issues[0].message, /`pulumi config set --path gateway\.replicas 3`/);
    });

    it("refuses a value that hides settings below it once, at its own path", () => {
        const err = configError(load("  istio-mesh:gateway:\n    resources: big\n"));
        assert.deepStrictEqual(
            err.issues.map((i) => i.key),
            ["gateway.resources"],
        );
        assert.match(err.issues[0].message, /expected a map of settings/);
    });

    it("keeps secure values secret and out of the parser", () => {
        const loaded = load(OPENID_STACK);
        assert.deepStrictEqual(loaded.secretKeys, ["istio-mesh:kialiOidcClientSecret"]);
        assert.strictEqual(loaded.values["istio-mesh:kialiOidcClientSecret"], SECRET_PLACEHOLDER);
    });

    it("check accepts a correct Kiali OpenID stack, as render and the program do (regression)", async () => {
        const loaded = load(OPENID_STACK);
        // npm run check used to pass only the sections to the parser, so the secret was "missing".
        assert.doesNotThrow(() => validateConfig(loaded));
        assert.strictEqual(await programError(loaded), undefined);
    });

    it("refuses a declared secret given in plaintext, telling to use --secret", async () => {
        const loaded = load(OPENID_STACK.replace(/\n {4}secure: .*\n/, " plaintext-oops\n"));
        const err = configError(loaded);
        assert.deepStrictEqual(
            err.issues.map((i) => i.key),
            ["kialiOidcClientSecret"],
        );
        assert.match(err.message, /pulumi config set --secret kialiOidcClientSecret/);
        assert.ok(!err.message.includes("plaintext-oops"), "the message must not echo the secret");
        assert.strictEqual((await programError(loaded))?.message, err.message);
    });

    it("tells the whole fix for a flat key: set it with --path and remove the flat key", () => {
        const err = configError(load("", [{ key: "istio.version", value: "1.30.4" }]));
        assert.deepStrictEqual(
            err.issues.map((i) => i.key),
            ["istio.version"],
        );
        assert.match(err.message, /pulumi config set --path istio\.version <value>/);
        assert.match(err.message, /pulumi config rm istio\.version/);
    });

    describe("render, check and the program refuse the same stacks with the same message", () => {
        const bad: Record<string, string> = {
            "a misspelt section": "  istio-mesh:gatway:\n    serviceType: NodePort\n",
            "a misspelt project namespace": "  istiomesh:gateway:\n    serviceType: NodePort\n",
            "an underscore namespace": "  istio_mesh:mesh:\n    mtls: STRICT\n",
            "a transposed namespace": "  isito-mesh:mesh:\n    mtls: STRICT\n",
            "a section written as a namespace": "  gateway:api: gateway-api\n",
            "a key in the wrong section": "  istio-mesh:istio:\n    mtls: PERMISSIVE\n",
            "a request above its limit":
                "  istio-mesh:gateway:\n    resources:\n      requests:\n        memory: 2Gi\n      limits:\n        memory: 512Mi\n",
            "a namespace collision": "  istio-mesh:mesh:\n    namespaces:\n      - istio-ingress\n",
            "kind with a LoadBalancer gateway":
                "  istio-mesh:cluster:\n    kind:\n      create: true\n  istio-mesh:gateway:\n    serviceType: LoadBalancer\n",
        };
        for (const [what, yaml] of Object.entries(bad)) {
            it(what, async () => {
                const loaded = load(yaml);
                const err = configError(loaded);
                assert.strictEqual(err.issues.length, 1, err.message);
                assert.strictEqual((await programError(loaded))?.message, err.message);
            });
        }

        it("keys of other providers and tools are theirs", () => {
            const loaded = load("  kubernetes:context: kind-x\n  random:seed: '1'\n  tls:proxy: x\n");
            assert.deepStrictEqual(issuesOf(loaded), []);
        });

        it("knows the config namespace of every provider package the program depends on", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
                dependencies: Record<string, string>;
            };
            const providers = Object.keys(pkg.dependencies)
                .filter((d) => d.startsWith("@pulumi/"))
                .map((d) => d.slice("@pulumi/".length));
            assert.deepStrictEqual([...providers].sort(), [...PROVIDER_NAMESPACES].sort());
        });
    });
});
