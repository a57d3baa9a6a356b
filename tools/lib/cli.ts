/**
 * The conventions every command under tools/ shares, so that they read and fail alike:
 * - one argument style: `--flag value` or `--flag=value`, `--stack NAME` wherever a stack is meant
 *   (tools that take a stack first may also take it as the first word: `npm run up -- dev`);
 * - `--help` prints the usage and exits 0;
 * - one set of exit codes: 0 ok, 1 the verdict is "no" (or the tool could not do its job),
 *   2 a usage or config error. A user mistake is one line naming the bad value, never a stack trace.
 *
 * {@link runCli} returns the exit code instead of exiting, so tests run a tool's `main` in-process.
 */
import { ConfigError } from "../../config/reader";
import { Override, listStacks } from "./stackFiles";

export const EXIT_OK = 0;
export const EXIT_NO = 1;
export const EXIT_USAGE = 2;

/** A mistake in the arguments or the environment the user can fix: exit 2 with the usage line. */
export class UsageError extends Error {}

export interface Flag {
    /** With the dashes: "--out". */
    name: string;
    /** Placeholder for the value ("<dir>"); absent for a boolean switch. */
    value?: string;
    /** May be given more than once (values are collected in order). */
    repeat?: boolean;
    help: string;
}

export interface CliSpec {
    /** The npm script: "render" is run as `npm run render`. */
    name: string;
    summary: string;
    /** Whether the tool takes `--stack NAME`; "positional" also accepts the stack as the first word. */
    stack?: "required" | "optional" | "positional";
    /**
     * The stack may exist in another git revision only (`npm run diff`): the tool checks it itself
     * instead of against the working tree's stack files.
     */
    stackInAnyRevision?: boolean;
    /** Accepts `--config KEY=VALUE` (repeatable) and `--config-path`, as `pulumi up` does. */
    config?: boolean;
    /** Placeholder for other words ("<kiali|grafana>"); absent means the tool takes none. */
    positionals?: string;
    flags?: Flag[];
}

export interface ParsedCli {
    stack?: string;
    overrides: Override[];
    configPath: boolean;
    /** Value flags, by name, in the order given. */
    values: Map<string, string[]>;
    /** Boolean switches that were given. */
    switches: Set<string>;
    positionals: string[];
}

/** Where a tool writes; tests pass collectors. */
export interface Io {
    out(line: string): void;
    err(line: string): void;
}

export const consoleIo: Io = {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
};

const STACK_FLAG: Flag = { name: "--stack", value: "<name>", help: "the stack (Pulumi.<name>.yaml)" };
const CONFIG_FLAGS: Flag[] = [
    {
        name: "--config",
        value: "KEY=VALUE",
        repeat: true,
        help: "override a config value, as `pulumi up --config`",
    },
    { name: "--config-path", help: "treat --config keys as paths (`gateway.replicas`), as `--config-path`" },
];
const HELP_FLAG: Flag = { name: "--help", help: "print this help" };

function allFlags(spec: CliSpec): Flag[] {
    return [
        ...(spec.stack ? [STACK_FLAG] : []),
        ...(spec.config ? CONFIG_FLAGS : []),
        ...(spec.flags ?? []),
        HELP_FLAG,
    ];
}

/** One usage line, then a line per option. */
export function usage(spec: CliSpec): string {
    const stack =
        spec.stack === "positional"
            ? " <stack>"
            : spec.stack === "required"
              ? " --stack <name>"
              : spec.stack === "optional"
                ? " [--stack <name>]"
                : "";
    const rest = spec.positionals ? ` ${spec.positionals}` : "";
    const opts = allFlags(spec)
        .filter((f) => f !== STACK_FLAG || spec.stack === "positional")
        .map((f) => `[${f.name}${f.value ? ` ${f.value}` : ""}${f.repeat ? " ..." : ""}]`)
        .join(" ");
    const width = Math.max(...allFlags(spec).map((f) => f.name.length + (f.value?.length ?? 0) + 1));
    const lines = allFlags(spec).map(
        (f) => `  ${`${f.name}${f.value ? ` ${f.value}` : ""}`.padEnd(width)}  ${f.help}`,
    );
    return [`usage: npm run ${spec.name} --${stack}${rest} ${opts}`, "", spec.summary, "", ...lines].join(
        "\n",
    );
}

/** Parses argv against the spec. Returns "help" for `--help`; throws {@link UsageError}. */
export function parseCli(argv: string[], spec: CliSpec): ParsedCli | "help" {
    const flags = new Map(allFlags(spec).map((f) => [f.name, f]));
    const parsed: ParsedCli = {
        overrides: [],
        configPath: false,
        values: new Map(),
        switches: new Set(),
        positionals: [],
    };
    for (let i = 0; i < argv.length; i++) {
        const word = argv[i];
        if (!word.startsWith("-") || word === "-") {
            parsed.positionals.push(word);
            continue;
        }
        const eq = word.indexOf("=");
        const name = word.startsWith("--") && eq > 0 ? word.slice(0, eq) : word;
        const inline = word.startsWith("--") && eq > 0 ? word.slice(eq + 1) : undefined;
        const flag = flags.get(name === "-s" ? "--stack" : name === "-c" ? "--config" : name);
        if (!flag) {
            throw new UsageError(`unknown option ${JSON.stringify(word)}`);
        }
        if (flag === HELP_FLAG) {
            return "help";
        }
        if (!flag.value) {
            if (inline !== undefined) {
                throw new UsageError(`${flag.name} takes no value`);
            }
            parsed.switches.add(flag.name);
            if (flag.name === "--config-path") {
                parsed.configPath = true;
            }
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined) {
            throw new UsageError(`${flag.name} needs a value ${flag.value}`);
        }
        const list = parsed.values.get(flag.name) ?? [];
        if (list.length > 0 && !flag.repeat) {
            throw new UsageError(`${flag.name} given more than once`);
        }
        list.push(value);
        parsed.values.set(flag.name, list);
        if (flag.name === "--config") {
            const at = value.indexOf("=");
            if (at <= 0) {
                throw new UsageError(`--config expects KEY=VALUE, got ${JSON.stringify(value)}`);
            }
            parsed.overrides.push({ key: value.slice(0, at), value: value.slice(at + 1) });
        }
    }
    parsed.stack = parsed.values.get("--stack")?.[0];
    if (spec.stack === "positional" && parsed.stack === undefined && parsed.positionals.length > 0) {
        parsed.stack = parsed.positionals.shift();
    }
    if (parsed.positionals.length > 0 && !spec.positionals) {
        throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    }
    if (spec.stack && spec.stack !== "optional" && parsed.stack === undefined) {
        throw new UsageError("which stack? pass --stack <name>");
    }
    if (parsed.stack !== undefined && !spec.stackInAnyRevision) {
        checkStackName(parsed.stack);
    }
    return parsed;
}

/** Refuses a stack that has no stack file, naming the ones that do. */
export function checkStackName(stack: string): void {
    const known = listStacks();
    if (!known.includes(stack)) {
        throw new UsageError(
            `unknown stack '${stack}' (no Pulumi.${stack}.yaml); known stacks: ${known.join(", ")}`,
        );
    }
}

/** The one value of a flag that may be given once. */
export function single(parsed: ParsedCli, flag: string): string | undefined {
    return parsed.values.get(flag)?.[0];
}

/**
 * Runs a tool's main with the shared conventions and returns its exit code. Usage and config
 * errors print one message (config errors list every problem, as `pulumi up` does) and return 2;
 * any other failure prints "<tool> failed: <message>" and returns 1, with the stack trace only
 * when ISTIO_MESH_DEBUG is set.
 */
export async function runCli(
    spec: CliSpec,
    main: (args: ParsedCli, io: Io) => Promise<number> | number,
    argv: string[] = process.argv.slice(2),
    io: Io = consoleIo,
): Promise<number> {
    let flatPaths: string[] = [];
    try {
        const parsed = parseCli(argv, spec);
        if (parsed !== "help" && !parsed.configPath) {
            flatPaths = parsed.overrides
                .map((o) => o.key)
                .filter((k) => /[.[]/.test(k.replace(/^[^:]*:/, "")));
        }
        if (parsed === "help") {
            io.out(usage(spec));
            return EXIT_OK;
        }
        return await main(parsed, io);
    } catch (err) {
        if (err instanceof UsageError) {
            io.err(`${spec.name}: ${err.message}`);
            io.err(usage(spec).split("\n")[0]);
            return EXIT_USAGE;
        }
        if (err instanceof ConfigError) {
            io.err(err.message);
            if (flatPaths.length > 0) {
                // As with `pulumi up --config`, a dotted key is a path only under --config-path
                // (pkg/cmd/pulumi/operations/up.go: `--config-path`); say so once, here, where the
                // command line is known.
                io.err(
                    `  (--config ${flatPaths.join(", ")}: a key with "." or "[" is a path only with --config-path, ` +
                        `as with \`pulumi up --config-path\`; add --config-path to this command)`,
                );
            }
            return EXIT_USAGE;
        }
        const e = err instanceof Error ? err : new Error(String(err));
        io.err(`${spec.name} failed: ${e.message}`);
        if (process.env.ISTIO_MESH_DEBUG) {
            io.err(e.stack ?? "");
        }
        return EXIT_NO;
    }
}

/** Entry point for a tool module run as a script: runs it and exits with its code. */
export function cliMain(spec: CliSpec, main: (args: ParsedCli, io: Io) => Promise<number> | number): void {
    void runCli(spec, main).then((code) => process.exit(code));
}
