/**
 * npm run check -- --stack <name> [--config KEY=VALUE ...] [--config-path] [--policy-config <file>]
 *
 * A policy verdict with no cluster and no Pulumi Cloud: validates the stack config, evaluates the
 * program under the mock runtime, validates every object against its schema and runs the policy pack
 * (policies/) with policies/<stack>.json. Prints each violation and the verdict. Exits 0 on PASS,
 * 1 on FAIL (a mandatory violation or a schema error), 2 on a usage error, an invalid policy config
 * or invalid stack config (with the message `pulumi up` would print).
 */
import { CliSpec, EXIT_NO, EXIT_OK, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { UsageError as CheckUsageError, checkStack, formatResult } from "./lib/checkStack";
import { Evaluation, evaluate } from "./lib/mockRuntime";
import { PolicyConfigError } from "./lib/policyRunner";
import { LoadedConfig } from "./lib/stackFiles";

export const CHECK_CLI: CliSpec = {
    name: "check",
    summary:
        "Offline policy verdict: validates the config, evaluates the program under the mock runtime, " +
        "validates every object against its schema and runs the policy pack. Exits 1 on FAIL.",
    stack: "required",
    config: true,
    flags: [
        {
            name: "--policy-config",
            value: "<file>",
            help: "policy config to apply (default: policies/<stack>.json)",
        },
    ],
};

/** `evaluateFn` lets tests share their cached evaluations; the CLI evaluates afresh. */
export async function checkMain(
    args: ParsedCli,
    io: Io,
    evaluateFn: (c: LoadedConfig) => Promise<Evaluation> = evaluate,
): Promise<number> {
    let result;
    try {
        result = await checkStack(
            {
                stack: args.stack as string,
                overrides: args.overrides,
                usePaths: args.configPath,
                policyConfig: single(args, "--policy-config"),
            },
            evaluateFn,
        );
    } catch (e) {
        // A missing or invalid policy config is the caller's to fix, like a bad flag.
        if (e instanceof CheckUsageError || e instanceof PolicyConfigError) {
            throw new UsageError(e.message);
        }
        throw e;
    }
    io.out(formatResult(result));
    return result.passed ? EXIT_OK : EXIT_NO;
}

if (require.main === module) {
    cliMain(CHECK_CLI, checkMain);
}
