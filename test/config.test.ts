import * as assert from "assert";
import { parseStackConfig } from "../config";
import { CANARY, configIssues, pinned, rawConfig } from "./support/stacks";

/** Asserts that exactly the given keys are reported, each message mentioning the given text. */
function expectIssues(issues: { key: string; message: string }[], expected: Record<string, string>): void {
    const got = Object.fromEntries(issues.map((i) => [i.key, i.message]));
    assert.deepStrictEqual(
        Object.keys(got).sort(),
        Object.keys(expected).sort(),
        JSON.stringify(issues, null, 2),
    );
    for (const [key, text] of Object.entries(expected)) {
        assert.ok(
            got[key].includes(text),
            `${key}: expected ${JSON.stringify(text)} in ${JSON.stringify(got[key])}`,
        );
    }
}

describe("stack config", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`accepts the committed ${stack} stack`, () => {
            assert.deepStrictEqual(configIssues(stack, {}), []);
        });
    }

    it("applies Pulumi.yaml defaults by path under the values a stack sets", () => {
        const result = parseStackConfig(rawConfig("prod"), "prod");
        assert.ok(result.ok);
        const istio = result.config.istio;
        assert.strictEqual(istio.istiod.replicas, 2); // from Pulumi.prod.yaml
        assert.strictEqual(istio.gateway.name, "istio-ingressgateway"); // from Pulumi.yaml
        assert.strictEqual(istio.primary.version, pinned("istio.version")); // from Pulumi.yaml
    });

    it("reports every invalid value at once, naming the key, the value and what is allowed", () => {
        const issues = configIssues("dev", {
            "gateway.serviceType": "Ingress",
            "mesh.mtls": "OFF",
            "mesh.tracing.samplingPercent": "150",
            "istiod.replicas": 0,
            "istio.version": "latest",
            "gateway.resources.requests.cpu": "lots",
        });
        expectIssues(issues, {
            "gateway.serviceType":
                '"Ingress" is not allowed; allowed values: LoadBalancer, NodePort, ClusterIP',
            "mesh.mtls": '"OFF" is not allowed; allowed values: STRICT, PERMISSIVE',
            "mesh.tracing.samplingPercent": "150 is too large; allowed range 0..100",
            "istiod.replicas": "0 is too small",
            "istio.version": '"latest" is not valid; expected a chart version',
            "gateway.resources.requests.cpu": '"lots" is not valid; expected a Kubernetes quantity',
        });
    });

    it("rejects wrongly typed values", () => {
        expectIssues(configIssues("dev", { "istiod.replicas": "two", "mesh.accessLogging": "yes" }), {
            "istiod.replicas": 'expected a number, got "two"',
            "mesh.accessLogging": 'expected true or false, got "yes"',
        });
        expectIssues(configIssues("dev", { "istiod.replicas": "1.5", "istiod.maxReplicas": 2 }), {
            "istiod.replicas": "whole number",
        });
    });

    it("flags misspelt keys with the closest known key", () => {
        expectIssues(configIssues("dev", { "istio.verison": pinned("istio.version") }), {
            "istio.verison": "did you mean 'istio.version'?",
        });
    });

    it("requires maxReplicas to be at least replicas", () => {
        expectIssues(configIssues("prod", { "gateway.maxReplicas": 2 }), {
            "gateway.maxReplicas": "2 is below gateway.replicas (3)",
        });
    });

    it("refuses an empty gateway or sidecar limit, which the charts would replace with their default", () => {
        expectIssues(
            configIssues("dev", {
                "gateway.resources.limits.cpu": "",
                "mesh.proxy.resources.limits.memory": "",
            }),
            {
                "gateway.resources.limits.cpu": "the chart would keep its default limit of 2000m",
                "mesh.proxy.resources.limits.memory": "the chart would keep its default limit of 1024Mi",
            },
        );
        // istiod has no default limit, so there an empty one does mean none.
        expectIssues(configIssues("prod", { "istiod.resources.limits.memory": "" }), {});
    });

    it("keeps node ports in the NodePort range and distinct", () => {
        expectIssues(configIssues("dev", { "gateway.httpNodePort": 80 }), {
            "gateway.httpNodePort": "80 is too small; allowed range 30000..32767",
        });
        expectIssues(configIssues("dev", { "gateway.httpsNodePort": 30080 }), {
            "gateway.httpsNodePort": "already used by gateway.httpNodePort",
        });
    });

    it("refuses kind together with an explicit kubeconfig or context", () => {
        expectIssues(configIssues("dev", { "cluster.context": "prod-cluster" }), {
            "cluster.kind.create": "cannot be combined with cluster.kubeconfig or cluster.context",
        });
    });

    describe("revisions", () => {
        it("needs a canary revision name when a canary version is set", () => {
            expectIssues(configIssues("dev", { "istio.canary.version": CANARY.version }), {
                "istio.canary.revision": "must be set when istio.canary.version is set",
            });
        });

        it("refuses a canary revision equal to the primary one", () => {
            expectIssues(
                configIssues("dev", {
                    "istio.revision": "stable",
                    "istio.canary.version": CANARY.version,
                    "istio.canary.revision": "stable",
                }),
                { "istio.canary.revision": "already the primary revision" },
            );
        });

        it("refuses a namespace bound to a revision that is not installed", () => {
            expectIssues(
                configIssues("dev", {
                    "mesh.namespaces[0]": "shop",
                    "mesh.namespaceRevisions.shop": CANARY.revision,
                }),
                {
                    "mesh.namespaceRevisions.shop": `revision "${CANARY.revision}" is not installed; installed revisions: default`,
                },
            );
        });

        it("binds namespaces to the primary revision unless told otherwise", () => {
            const raw = rawConfig("dev", [
                { key: "istio.canary.version", value: CANARY.version },
                { key: "istio.canary.revision", value: CANARY.revision },
                { key: "mesh.namespaces[0]", value: "shop" },
                { key: "mesh.namespaces[1]", value: "payments" },
                { key: "mesh.namespaceRevisions.payments", value: CANARY.revision },
            ]);
            const result = parseStackConfig(raw, "dev");
            assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
            assert.deepStrictEqual(result.config.istio.namespaces, [
                { name: "shop", revision: undefined },
                { name: "payments", revision: CANARY.revision },
            ]);
        });
    });

    it("refuses platform namespaces as application namespaces", () => {
        expectIssues(configIssues("dev", { "mesh.namespaces[0]": "istio-system" }), {
            "mesh.namespaces[0]": '"istio-system" is already used by istio.rootNamespace',
        });
        expectIssues(configIssues("dev", { "mesh.namespaces[0]": "Shop_1" }), {
            "mesh.namespaces[0]": "lowercase DNS label",
        });
    });

    it("explains a setting made without --path instead of silently using the default", () => {
        const result = parseStackConfig({ ...rawConfig("dev"), "istio.version": "1.30.4" }, "dev");
        assert.ok(!result.ok);
        expectIssues(result.issues, {
            "istio.version": "set it with `pulumi config set --path istio.version <value>`",
        });
    });

    it("reports a missing value when the project defaults were not applied", () => {
        const result = parseStackConfig({}, "bare");
        assert.ok(!result.ok);
        assert.ok(result.issues.some((i) => i.key === "istio.version" && i.message.includes("is missing")));
    });
});
