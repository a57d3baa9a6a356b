/**
 * npm run ui -- <kiali|grafana|jaeger|prometheus> [--stack NAME] [--port N] | --all
 *
 * The counterpart of `istioctl dashboard` for this project: reads the deployed stack's outputs
 * (`pulumi stack output --json`), runs `kubectl port-forward` to the UI's Service with the
 * kubeconfig and context the stack deploys with, and prints the URL and, for Kiali and Grafana, how
 * to log in. Runs until Ctrl-C (or until kubectl stops).
 */
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import { UIS, Ui } from "../components/observability";
import type { UiAccessOutput } from "../components/observability/access";
import { CliSpec, EXIT_NO, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { envPrefix, have, readEnv, stackKubectlArgs, stackOutputs } from "./lib/stackCli";

export const UI_CLI: CliSpec = {
    name: "ui",
    summary:
        "Opens Kiali, Grafana, Jaeger or Prometheus of a deployed stack through kubectl port-forward and prints the URL and login (default stack: dev).",
    stack: "optional",
    positionals: `<${UIS.join("|")}>`,
    flags: [
        { name: "--all", help: "open all four at once" },
        { name: "--port", value: "<n>", help: "local port instead of the UI's own" },
    ],
};

export const DEFAULT_STACK = "dev";

/** Whether a local port can be listened on (kubectl port-forward binds 127.0.0.1). */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
    });
}

/** The first free port after `port` (within a hundred), for the "port taken" message. */
export async function nextFreePort(
    port: number,
    taken: Set<number> = new Set(),
): Promise<number | undefined> {
    for (let p = port + 1; p <= Math.min(port + 100, 65535); p++) {
        if (!taken.has(p) && (await portFree(p))) {
            return p;
        }
    }
    return undefined;
}

function parsePort(value: string): number {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
        throw new UsageError(`--port ${JSON.stringify(value)} is not a port (1-65535)`);
    }
    return n;
}

function chosenUis(args: ParsedCli): Ui[] {
    if (args.switches.has("--all")) {
        if (args.positionals.length > 0 || args.values.has("--port")) {
            throw new UsageError("--all opens every UI on its own port: give no UI name and no --port");
        }
        return [...UIS];
    }
    if (args.positionals.length !== 1) {
        throw new UsageError(`which UI? one of ${UIS.join(", ")} (or --all)`);
    }
    const ui = args.positionals[0];
    if (!(UIS as readonly string[]).includes(ui)) {
        throw new UsageError(`unknown UI ${JSON.stringify(ui)}; one of ${UIS.join(", ")}`);
    }
    return [ui as Ui];
}

export async function uiMain(args: ParsedCli, io: Io): Promise<number> {
    const uis = chosenUis(args);
    const portValue = single(args, "--port");
    const port = portValue !== undefined ? parsePort(portValue) : undefined;
    const stack = args.stack ?? DEFAULT_STACK;
    if (!have("kubectl", ["version", "--client"])) {
        io.err("kubectl is not installed (or not on PATH): see https://kubernetes.io/docs/tasks/tools/");
        return EXIT_NO;
    }
    const env = readEnv(stack);
    const outputs = stackOutputs(stack, env);
    // The login commands must work in the user's shell, which may lack the backend npm run up chose.
    const withEnv = (login: string) =>
        login.replace(/\bpulumi stack output /g, `${envPrefix(env)}pulumi stack output `);
    const access = outputs.observability as Partial<Record<Ui, UiAccessOutput>> | undefined;
    if (!access) {
        io.err(`stack ${stack} has no observability outputs: is observability.enabled false?`);
        return EXIT_NO;
    }
    const missing = uis.filter((u) => !access[u]);
    if (missing.length > 0 && uis.length === 1) {
        io.err(`${missing[0]} is not enabled in stack ${stack} (observability.${missing[0]}.enabled)`);
        return EXIT_NO;
    }
    const open = uis.filter((u) => access[u]);
    const kubectl = stackKubectlArgs(stack);

    // Every port first, so that nothing is started when one is taken.
    const taken: string[] = [];
    const plan: { ui: Ui; a: UiAccessOutput; local: number }[] = [];
    for (const ui of open) {
        const a = access[ui] as UiAccessOutput;
        const local = port ?? a.localPort;
        if (!(await portFree(local))) {
            const next = await nextFreePort(
                local,
                new Set(open.map((u) => (access[u] as UiAccessOutput).localPort)),
            );
            taken.push(
                `port ${local} for ${ui} is taken on localhost (another port-forward?)` +
                    (next !== undefined
                        ? `; use the next free one: npm run ui -- ${ui} --stack ${stack} --port ${next}`
                        : ""),
            );
        }
        plan.push({ ui, a, local });
    }
    if (taken.length > 0) {
        taken.forEach((t) => io.err(t));
        return EXIT_NO;
    }

    const children: ChildProcess[] = [];
    for (const { ui, a, local } of plan) {
        const argv = [
            ...kubectl,
            "-n",
            a.namespace,
            "port-forward",
            `svc/${a.service}`,
            `${local}:${a.servicePort}`,
        ];
        io.out(`${ui}: http://localhost:${local}${a.path}`);
        if (a.login) {
            io.out(`  login: ${withEnv(a.login)}`);
        }
        if (a.publicUrl) {
            io.out(`  also exposed at ${a.publicUrl}`);
        }
        io.out(`  $ kubectl ${argv.join(" ")}`);
        children.push(spawn("kubectl", argv, { stdio: ["ignore", "inherit", "inherit"] }));
    }
    io.out("Ctrl-C stops the port-forward" + (children.length > 1 ? "s." : "."));
    const codes = await Promise.all(
        children.map(
            (c) =>
                new Promise<number>((resolve) => {
                    c.once("error", (err) => {
                        io.err(`kubectl could not be started: ${err.message}`);
                        resolve(EXIT_NO);
                    });
                    c.once("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 0 : EXIT_NO)));
                }),
        ),
    );
    const failed = codes.find((c) => c !== 0);
    if (failed !== undefined) {
        io.err(`kubectl port-forward stopped with exit code ${failed}: is the stack's cluster reachable?`);
        return EXIT_NO;
    }
    return 0;
}

if (require.main === module) {
    cliMain(UI_CLI, uiMain);
}
