import type { Suite, Test } from "mocha";

function testsOf(suite: Suite): Test[] {
    return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/**
 * Whether every test of a suite ran and passed: false under `--grep`, `.only` or a single-test
 * run (tests left out have no state) and after a failure. A check over the whole suite's results,
 * such as "every policy has a passing and a failing case", holds only then; otherwise it would
 * just restate the filter or the failure.
 */
export function ranAllAndPassed(suite: Suite): boolean {
    return testsOf(suite).every((t) => t.state === "passed");
}
