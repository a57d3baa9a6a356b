/**
 * `istio-mesh:multicluster`: every value validated before anything is declared, one message per
 * mistake, naming the full key.
 */
import * as assert from "assert";
import { configIssues, oneIssue, parsedStack } from "../../support/stacks";

describe("multicluster config", () => {
    it("reads the committed pair: identity, peers and the root stack", () => {
        const east = parsedStack("dev-east").config.multicluster;
        const west = parsedStack("dev-west").config.multicluster;
        assert.strictEqual(east.enabled, true);
        assert.strictEqual(east.meshId, west.meshId);
        assert.notStrictEqual(east.clusterName, west.clusterName);
        assert.notStrictEqual(east.network, west.network);
        assert.deepStrictEqual(east.peers, ["dev-west"]);
        assert.deepStrictEqual(west.peers, ["dev-east"]);
        // Exactly one of them holds the root.
        assert.strictEqual(east.trust.rootStack, undefined);
        assert.strictEqual(west.trust.rootStack, "dev-east");
    });

    it("is off by default, and then unset values are not required", () => {
        const dev = parsedStack("dev").config.multicluster;
        assert.strictEqual(dev.enabled, false);
        assert.deepStrictEqual(dev.peers, []);
    });

    it("requires the identity and the API server address when enabled, each by its key", () => {
        const issues = configIssues("dev", { "multicluster.enabled": true });
        assert.deepStrictEqual(issues.map((i) => i.key).sort(), [
            "multicluster.apiServer",
            "multicluster.clusterName",
            "multicluster.meshId",
            "multicluster.network",
        ]);
        for (const i of issues) {
            assert.match(i.message, /must be set when multicluster\.enabled is true/);
        }
    });

    it("refuses a cluster name that is not a DNS label (it names a Secret)", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.clusterName": "East_1" }),
            "multicluster.clusterName",
            '"East_1"',
            "DNS label",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.clusterName": "c".repeat(44) }),
            "multicluster.clusterName",
            "at most 43",
        );
    });

    it("refuses a mesh ID and a network that are not label values", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.meshId": "Mesh 1" }),
            "multicluster.meshId",
            '"Mesh 1"',
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.network": "-net" }),
            "multicluster.network",
            '"-net"',
            "label value",
        );
    });

    it("refuses this stack among its peers, duplicate peers and malformed references", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.peers[1]": "dev-east" }),
            "multicluster.peers[1]",
            "this stack itself",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.peers[1]": "acme/istio-mesh/dev-east" }),
            "multicluster.peers[1]",
            "this stack itself",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.peers[1]": "dev-west" }),
            "multicluster.peers",
            "duplicate entries: dev-west",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.peers[0]": "a b" }),
            "multicluster.peers[0]",
            "a stack name, or org/project/stack",
        );
    });

    it("refuses an API server address that is not https://", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.apiServer": "http://east:6443" }),
            "multicluster.apiServer",
            '"http://east:6443"',
            "https://",
        );
    });

    it("refuses an API server address with a malformed host or port", () => {
        for (const bad of [
            "https://a:b:c",
            "https://east:6443:6443",
            "https://east:65536",
            "https://east:123456",
            "https://east:0",
            "https://east:",
            "https://:6443",
        ]) {
            oneIssue(
                configIssues("dev-east", { "multicluster.apiServer": bad }),
                "multicluster.apiServer",
                JSON.stringify(bad),
            );
        }
        for (const good of [
            "https://east:65535",
            "https://10.0.0.1:6443",
            "https://east.example.com/",
            "https://east",
        ]) {
            assert.strictEqual(
                parsedStack("dev-east", { "multicluster.apiServer": good }).config.multicluster.apiServer,
                good,
            );
        }
    });

    it("refuses a root stack that is not a peer", () => {
        oneIssue(
            configIssues("dev-west", { "multicluster.trust.rootStack": "prod" }),
            "multicluster.trust.rootStack",
            '"prod" is not one of multicluster.peers',
        );
    });

    it("bounds the intermediate's validity and generation", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.trust.intermediateValidityHours": 1 }),
            "multicluster.trust.intermediateValidityHours",
            "too small",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.trust.generation": 0 }),
            "multicluster.trust.generation",
        );
    });

    it("names a misspelt key with the one it meant", () => {
        oneIssue(
            configIssues("dev-east", { "multicluster.meshID": "mesh1" }),
            "multicluster.meshID",
            "did you mean 'multicluster.meshId'?",
        );
        oneIssue(
            configIssues("dev-east", { "multicluster.trust.rootstack": "dev-west" }),
            "multicluster.trust.rootstack",
            "did you mean 'multicluster.trust.rootStack'?",
        );
    });

    it("refuses the ambient data plane (a different, alpha recipe)", () => {
        oneIssue(
            // Bookinfo is off: it has its own ambient restrictions.
            configIssues("dev-east", { "mesh.dataPlane": "ambient", "bookinfo.enabled": false }),
            "multicluster.enabled",
            'mesh.dataPlane "ambient"',
        );
    });

    it("refuses writing YAML files (they would hold the CA keys and peer tokens in plaintext)", () => {
        oneIssue(
            configIssues("dev-east", { "cluster.renderYamlTo": "out/manifests" }),
            "cluster.renderYamlTo",
            '"out/manifests"',
            "multicluster.enabled",
            "plaintext",
        );
        // Without the mesh, writing YAML stays allowed.
        parsedStack("dev-east", { "cluster.renderYamlTo": "out/manifests", "multicluster.enabled": "false" });
    });

    it("reports every problem at once", () => {
        const issues = configIssues("dev-east", {
            "multicluster.clusterName": "A",
            "multicluster.network": "-x",
            "multicluster.apiServer": "east",
        });
        assert.deepStrictEqual(issues.map((i) => i.key).sort(), [
            "multicluster.apiServer",
            "multicluster.clusterName",
            "multicluster.network",
        ]);
    });

    it("warns that the trust generation and validity are read on the root stack only", () => {
        const trustWarnings = (stack: string, overrides: Record<string, string> = {}) =>
            parsedStack(stack, overrides).warnings.filter((w) => w.key.includes("multicluster.trust."));
        const west = trustWarnings("dev-west", {
            "multicluster.trust.generation": "2",
            "multicluster.trust.intermediateValidityHours": "48",
        });
        assert.deepStrictEqual(
            west.map((w) => w.key),
            ["multicluster.trust.generation, multicluster.trust.intermediateValidityHours"],
        );
        assert.match(west[0].message, /multicluster\.trust\.rootStack is "dev-east"/);
        assert.match(west[0].message, /root stack only/);
        // Not set on the non-root stack, or set on the root stack: nothing to say.
        assert.deepStrictEqual(trustWarnings("dev-west"), []);
        assert.deepStrictEqual(trustWarnings("dev-east", { "multicluster.trust.generation": "2" }), []);
    });

    it("warns about multicluster settings while it is off", () => {
        const result = parsedStack("dev", { "multicluster.meshId": "mesh1" });
        assert.ok(
            result.warnings.some(
                (w) => w.key === "multicluster.meshId" && w.message.includes("multicluster.enabled"),
            ),
            JSON.stringify(result.warnings),
        );
    });
});
