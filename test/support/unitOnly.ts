/**
 * `mocha --require ./test/support/unitOnly.ts`, as `npm run test:unit` runs: leaves out every test
 * with "@subprocess" in its title (or its suite's), before any of them starts, so the run stays
 * in-process and other filters (`--grep`, a file) still compose with it.
 */
import type { Context, Suite } from "mocha";

export const SUBPROCESS_TAG = "@subprocess";

export function leaveOutSubprocessTests(suite: Suite): void {
    suite.tests = suite.tests.filter((t) => !t.fullTitle().includes(SUBPROCESS_TAG));
    suite.suites.forEach(leaveOutSubprocessTests);
}

export const mochaHooks = {
    beforeAll(this: Context): void {
        const root = this.test?.parent;
        if (root) {
            leaveOutSubprocessTests(root);
        }
    },
};
