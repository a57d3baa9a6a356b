/**
 * npm run render -- --stack <name> --out <dir> [--config KEY=VALUE ...] [--config-path]
 *
 * Evaluates the program under Pulumi's mock runtime with the stack's config and writes
 * manifests.yaml, charts.yaml, resources.json and outputs.json to <dir>. Invalid config: the same
 * errors `pulumi up` would print, a non-zero exit, and nothing written.
 */
import { ConfigError } from "../config";
import { evaluate } from "./lib/mockRuntime";
import { render, writeRendered } from "./lib/render";
import { loadStackConfig, parseArgs } from "./lib/stackFiles";

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    if (!args.stack || !args.out) {
        console.error(
            "usage: npm run render -- --stack <name> --out <dir> [--config KEY=VALUE ...] [--config-path]",
        );
        return 2;
    }
    const config = loadStackConfig(args.stack, args.overrides, args.configPath);
    const rendered = render(await evaluate(config));
    for (const file of writeRendered(args.out, rendered)) {
        console.log(`wrote ${file}`);
    }
    console.log(
        `${rendered.manifests.length} objects, ${rendered.charts.length} charts, ${rendered.resources.length} resources`,
    );
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof ConfigError ? err.message : `render failed: ${String(err)}`);
        process.exit(1);
    },
);
