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
 *
 * In a multi-cluster mesh it also prints the services that have endpoints in other clusters (their
 * `multicluster` outputs, read as the StackReferences read them), and through which east-west
 * gateway the remote endpoints are reached.
 */
import { ApplicationRouteRow, formatApplicationsTable } from "../components/applications/explain";
import { CliSpec, Io, ParsedCli, cliMain } from "./lib/cli";
import {
    CrossClusterRow,
    IDENTITY_OUTPUT,
    MeshIdentity,
    crossClusterEndpoints,
} from "../components/multicluster";
import { Evaluation, evaluate, isSecretWrapper, secretValue } from "./lib/mockRuntime";
import { STACK_OUTPUT_FLAG, stackOutputsOption } from "./lib/peers";
import { loadStackConfig } from "./lib/stackFiles";

export const ROUTES_CLI: CliSpec = {
    name: "routes",
    summary:
        "Evaluates the program offline and prints, per application, service and kind of request, the versions reached and any fault, timeout or retries.",
    stack: "required",
    config: true,
    flags: [STACK_OUTPUT_FLAG],
};

/** This stack's and its peers' `multicluster` outputs, when it is in a multi-cluster mesh. */
export function meshIdentities(ev: Evaluation): { self: MeshIdentity; peers: MeshIdentity[] } | undefined {
    const self = ev.outputs[IDENTITY_OUTPUT] as MeshIdentity | undefined;
    if (self === undefined) {
        return undefined;
    }
    const peers = Object.values(ev.stackReferences ?? {})
        .map((o) => o[IDENTITY_OUTPUT])
        .map((v) => (isSecretWrapper(v) ? v.value : v) as MeshIdentity | undefined)
        .filter((v): v is MeshIdentity => v !== undefined);
    return { self, peers };
}

export function formatCrossClusterTable(self: MeshIdentity, rows: readonly CrossClusterRow[]): string {
    const head = `Cross-cluster endpoints (mesh ${self.meshId}, seen from cluster ${self.clusterName} on network ${self.network}):`;
    if (rows.length === 0) {
        return `${head}\n  none: no service of this cluster is also deployed in a peer`;
    }
    const cells = [
        ["SERVICE", "CLUSTERS", "REACHED FROM " + self.clusterName],
        ...rows.map((r) => [
            r.host,
            r.clusters.join(", "),
            r.clusters.map((c) => `${c}: ${r.via[c]}`).join("; "),
        ]),
    ];
    const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length)));
    return [
        head,
        ...cells.map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join("  ")),
    ].join("\n");
}

export async function routesMain(args: ParsedCli, io: Io): Promise<number> {
    const stack = args.stack as string;
    const stackOutputs = stackOutputsOption(args, secretValue);
    const ev = await evaluate(loadStackConfig(stack, args.overrides, args.configPath), undefined, {
        stackOutputs,
    });
    const rows = (ev.outputs.applications ?? []) as ApplicationRouteRow[];
    if (rows.length === 0) {
        io.out(
            `stack ${stack} declares no versioned services (bookinfo.enabled is false and no applications are described)`,
        );
    } else {
        io.out(formatApplicationsTable(rows));
    }
    const mesh = meshIdentities(ev);
    if (mesh) {
        io.out("");
        io.out(formatCrossClusterTable(mesh.self, crossClusterEndpoints(mesh.self, mesh.peers)));
    }
    return 0;
}

if (require.main === module) {
    cliMain(ROUTES_CLI, routesMain);
}
