/**
 * npm run render -- --stack <name> --out <dir> [--config KEY=VALUE ...] [--config-path]
 *     [--stack-output NAME=FILE.json ...]
 *
 * Evaluates the program under Pulumi's mock runtime with the stack's config and writes
 * manifests.yaml, charts.yaml, resources.json and outputs.json to <dir>. Invalid config: the same
 * errors `pulumi up` would print, exit 2, and nothing written.
 */
import { CliSpec, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { evaluate, secretValue } from "./lib/mockRuntime";
import { STACK_OUTPUT_FLAG, stackOutputsOption } from "./lib/peers";
import { render, writeRendered } from "./lib/render";
import { loadStackConfig } from "./lib/stackFiles";

export const RENDER_CLI: CliSpec = {
    name: "render",
    summary:
        "Evaluates the program offline (mock runtime) and writes manifests.yaml, charts.yaml, resources.json and outputs.json.",
    stack: "required",
    config: true,
    flags: [
        { name: "--out", value: "<dir>", help: "directory to write the rendered files to" },
        STACK_OUTPUT_FLAG,
    ],
};

export async function renderMain(args: ParsedCli, io: Io): Promise<number> {
    const out = single(args, "--out");
    if (out === undefined) {
        throw new UsageError("where to? pass --out <dir>");
    }
    const config = loadStackConfig(args.stack as string, args.overrides, args.configPath);
    // Peer stacks of a multi-cluster mesh: from these files, else from their stack files here.
    const stackOutputs = stackOutputsOption(args, secretValue);
    const rendered = render(await evaluate(config, undefined, { stackOutputs }));
    for (const file of writeRendered(out, rendered)) {
        io.out(`wrote ${file}`);
    }
    io.out(
        `${rendered.manifests.length} objects, ${rendered.charts.length} charts, ${rendered.resources.length} resources`,
    );
    return 0;
}

if (require.main === module) {
    cliMain(RENDER_CLI, renderMain);
}
