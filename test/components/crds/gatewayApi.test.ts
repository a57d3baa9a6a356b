import { strict as assert } from "assert";
import { HTTPRoute } from "../../../components/crds";
import type { K8sObject } from "../../../tools/lib/render";
import { validateObject } from "../../support/schemas";

describe("components/crds: Gateway API", () => {
    it("validates Gateway API objects against the Gateway API schemas, refusing a bad one", async () => {
        const route = (weight: unknown): K8sObject => ({
            apiVersion: HTTPRoute.apiVersion,
            kind: HTTPRoute.kind,
            metadata: { name: "reviews", namespace: "bookinfo" },
            spec: {
                parentRefs: [{ group: "", kind: "Service", name: "reviews", port: 9080 }],
                rules: [{ backendRefs: [{ name: "reviews-v1", port: 9080, weight }] }],
            },
        });
        await validateObject(route(100));
        await assert.rejects(
            validateObject(route("all")),
            /HTTPRoute bookinfo\/reviews does not match its schema/,
        );
    });
});
