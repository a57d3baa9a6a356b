import * as assert from "assert";
import * as Mocha from "mocha";
import { leaveOutSubprocessTests } from "./unitOnly";

describe("test:unit leaves out @subprocess tests", () => {
    it("by their own title or their suite's, at any depth", () => {
        const root = new Mocha.Suite("");
        const tool = Mocha.Suite.create(root, "npm run x");
        const spawned = Mocha.Suite.create(root, "@subprocess npm run y");
        const nested = Mocha.Suite.create(tool, "usage");
        for (const [suite, title] of [
            [tool, "in-process"],
            [tool, "@subprocess smoke"],
            [spawned, "anything"],
            [nested, "deeper"],
        ] as const) {
            suite.addTest(new Mocha.Test(title, () => undefined));
        }
        leaveOutSubprocessTests(root);
        const left = (s: Mocha.Suite): string[] => [
            ...s.tests.map((t) => t.fullTitle().trim()),
            ...s.suites.flatMap(left),
        ];
        assert.deepStrictEqual(left(root), ["npm run x in-process", "npm run x usage deeper"]);
    });
});
