/**
 * Each namespace the stack creates is declared once: config refuses two purposes sharing a name,
 * and no rendered stack declares a Namespace (or any URN) twice.
 */
import * as assert from "assert";
import { ConfigError } from "../../config";
import { listStacks } from "../../tools/lib/stackFiles";
import { evaluateStack } from "../support/stacks";

const NAMESPACE = "kubernetes:core/v1:Namespace";

function duplicates(values: string[]): string[] {
    return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

describe("namespaces declared once", function () {
    this.timeout(60000);

    for (const stack of listStacks()) {
        it(`the rendered ${stack} stack declares no Namespace and no URN twice`, async () => {
            const ev = await evaluateStack(stack);
            const names = ev.resources
                .filter((r) => r.type === NAMESPACE)
                .map((r) => (r.inputs.metadata as { name: string }).name);
            assert.ok(names.length >= 3, `${stack}: ${names.join(", ")}`);
            assert.deepStrictEqual(duplicates(names), []);
            assert.deepStrictEqual(duplicates(ev.resources.map((r) => r.urn)), []);
        });
    }

    it("refuses, before declaring anything, an application namespace that cert-manager owns", async () => {
        // This used to render two Namespace resources named cert-manager.
        await assert.rejects(
            evaluateStack("dev", [{ key: "mesh.namespaces[0]", value: "cert-manager" }]),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.issues.length === 1 &&
                e.issues[0].key === "mesh.namespaces[0]" &&
                e.issues[0].message.includes("tls.certManager.namespace"),
        );
    });
});
