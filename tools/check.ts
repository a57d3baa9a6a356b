/**
 * npm run check -- --stack <name> [--config KEY=VALUE ...] [--config-path] [--policy-config <file>]
 *
 * A policy verdict with no cluster and no Pulumi Cloud: validates the stack config, evaluates the
 * program under the mock runtime, validates every object against its schema and runs the policy pack
 * (policies/) with policies/<stack>.json. Prints each violation; exits 1 on a mandatory violation,
 * a schema error or invalid config (with the message `pulumi up` would print), 2 on a usage error.
 */
import { ConfigError } from "../config";
import { PolicyConfigError } from "./lib/policyRunner";
import { UsageError, checkStack, formatResult } from "./lib/checkStack";
import { parseArgs } from "./lib/stackFiles";

const USAGE =
    "usage: npm run check -- --stack <name> [--config KEY=VALUE ...] [--config-path] [--policy-config <file>]";

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs(process.argv.slice(2), ["--policy-config"]);
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    const policyConfig = args.rest.get("--policy-config");
    if (!args.stack || args.out !== undefined || (policyConfig?.length ?? 0) > 1) {
        console.error(USAGE);
        return 2;
    }
    const result = await checkStack({
        stack: args.stack,
        overrides: args.overrides,
        usePaths: args.configPath,
        policyConfig: policyConfig?.[0],
    });
    console.log(formatResult(result));
    return result.passed ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        if (err instanceof UsageError) {
            console.error(`${err.message}\n${USAGE}`);
            process.exit(2);
        }
        if (err instanceof PolicyConfigError) {
            console.error(err.message);
            process.exit(2);
        }
        // Invalid stack config: the message `pulumi up` prints, listing every problem.
        console.error(err instanceof ConfigError ? err.message : `check failed: ${String(err)}`);
        process.exit(1);
    },
);
