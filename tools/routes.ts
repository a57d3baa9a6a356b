/**
 * npm run routes -- --stack <name> [--config KEY=VALUE ...] [--config-path]
 *
 * Evaluates the program offline and prints, for each Bookinfo service and each kind of request,
 * which versions get what share of the traffic and any injected fault or timeout. It reads only the
 * VirtualServices and DestinationRules the program declares (not the variant catalogue), so it shows
 * what a routing change will do on the cluster before it ships.
 */
import type { DestinationRuleSpec, VirtualServiceSpec } from "../components/crds";
import { DestinationRule, VirtualService } from "../components/crds";
import { SpecObject, explainRoutes, formatRoutesTable } from "../components/bookinfo";
import { ConfigError } from "../config";
import { CapturedResource, evaluate } from "./lib/mockRuntime";
import { loadStackConfig, parseArgs } from "./lib/stackFiles";

function specs<Spec>(resources: CapturedResource[], type: string): SpecObject<Spec>[] {
    return resources
        .filter((r) => r.type === type)
        .map((r) => ({
            metadata: r.inputs.metadata as SpecObject<Spec>["metadata"],
            spec: r.inputs.spec as Spec,
        }));
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    if (!args.stack) {
        console.error("usage: npm run routes -- --stack <name> [--config KEY=VALUE ...] [--config-path]");
        return 2;
    }
    const ev = await evaluate(loadStackConfig(args.stack, args.overrides, args.configPath));
    const rows = explainRoutes(
        specs<VirtualServiceSpec>(ev.resources, VirtualService.pulumiType),
        specs<DestinationRuleSpec>(ev.resources, DestinationRule.pulumiType),
    );
    if (rows.length === 0) {
        console.log(`stack ${args.stack} declares no versioned services (is bookinfo.enabled false?)`);
        return 0;
    }
    console.log(formatRoutesTable(rows));
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof ConfigError ? err.message : `routes failed: ${String(err)}`);
        process.exit(1);
    },
);
