/**
 * npm run routes -- --stack <name> [--config KEY=VALUE ...] [--config-path]
 *
 * Evaluates the program offline and prints, for every application (Bookinfo and those in
 * `applications`), each service and each kind of request its routes tell apart, which versions get
 * what share of the traffic, and any injected fault, timeout or retry policy. The table is the
 * `applications` stack output, which each Application reads back from the VirtualServices and
 * DestinationRules it generates, or in ambient mode from its HTTPRoutes and per-version Services
 * (not from its description), so it shows what a routing change will do on the cluster before it
 * ships, in the same table for both data planes.
 */
import { ApplicationRouteRow, formatApplicationsTable } from "../components/applications/explain";
import { CliSpec, Io, ParsedCli, cliMain } from "./lib/cli";
import { evaluate } from "./lib/mockRuntime";
import { loadStackConfig } from "./lib/stackFiles";

export const ROUTES_CLI: CliSpec = {
    name: "routes",
    summary:
        "Evaluates the program offline and prints, per application, service and kind of request, the versions reached and any fault, timeout or retries.",
    stack: "required",
    config: true,
};

export async function routesMain(args: ParsedCli, io: Io): Promise<number> {
    const stack = args.stack as string;
    const ev = await evaluate(loadStackConfig(stack, args.overrides, args.configPath));
    const rows = (ev.outputs.applications ?? []) as ApplicationRouteRow[];
    if (rows.length === 0) {
        io.out(
            `stack ${stack} declares no versioned services (bookinfo.enabled is false and no applications are described)`,
        );
        return 0;
    }
    io.out(formatApplicationsTable(rows));
    return 0;
}

if (require.main === module) {
    cliMain(ROUTES_CLI, routesMain);
}
