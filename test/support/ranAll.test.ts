import * as assert from "assert";
import * as Mocha from "mocha";
import { ranAllAndPassed } from "./ranAll";

describe("ranAllAndPassed (suite-wide checks under --grep)", () => {
    function suite(states: (Mocha.Test["state"] | undefined)[], nested: (Mocha.Test["state"] | undefined)[]) {
        const root = new Mocha.Suite("root");
        const child = new Mocha.Suite("child");
        root.addSuite(child);
        states.forEach((s, i) => {
            const t = new Mocha.Test(`t${i}`, () => undefined);
            t.state = s;
            root.addTest(t);
        });
        nested.forEach((s, i) => {
            const t = new Mocha.Test(`n${i}`, () => undefined);
            t.state = s;
            child.addTest(t);
        });
        return root;
    }

    it("holds when every test, nested ones included, ran and passed", () => {
        assert.strictEqual(ranAllAndPassed(suite(["passed", "passed"], ["passed"])), true);
    });

    it("does not hold when --grep left a nested test out, or a test failed", () => {
        assert.strictEqual(ranAllAndPassed(suite(["passed"], [undefined])), false);
        assert.strictEqual(ranAllAndPassed(suite(["passed", "failed"], ["passed"])), false);
        assert.strictEqual(ranAllAndPassed(suite(["pending"], [])), false);
    });
});
