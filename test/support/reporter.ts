// Mocha's spec reporter, plus the plain "N passed, N failed" closing line that CI reads.
import * as Mocha from "mocha";

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        // Registered after the spec reporter's own epilogue, so this is the last line printed.
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
            console.log(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}`);
        });
    }
}

export = SpecWithSummary;
