/**
 * npm run diff -- --stack <name> --base <git-ref> [--head <git-ref>] [--config KEY=VALUE ...]
 *                 [--config-path] [--format text|markdown] [--max-chars N] [--out <dir>]
 *                 [--verbose] [--exit-code]
 *
 * Renders the stack offline (mock runtime, no cluster) at the base revision and at the working tree
 * (or at --head) and prints what differs: first the warnings (replacements, deletions, resource
 * option changes), then Kubernetes objects added, removed and changed with their field changes,
 * Helm chart version and value changes, other resources and stack outputs. Each side is rendered
 * by its own revision's tools/render.ts (see ./lib/revisions.ts), so the comparison is what each
 * revision would deploy. Secrets stay redacted.
 *
 * Exit codes: 0 rendered and compared ("no changes" when nothing differs), 1 differences found
 * and --exit-code given, 2 usage error or a side failed to render.
 */
import * as path from "path";
import { CliSpec, EXIT_NO, EXIT_OK, EXIT_USAGE, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { DiffLabels, diffRendered, formatMarkdown, formatText, isEmpty } from "./lib/diff";
import {
    RenderRequest,
    configArgs,
    prepareRevision,
    prepareWorkingTree,
    projectPrefix,
    renderSide,
    resolveRevision,
    scratchDir,
} from "./lib/revisions";
import { PROJECT_ROOT, listStacks } from "./lib/stackFiles";

const FORMATS = ["text", "markdown"] as const;
/** Leaves room for three stacks and the policy verdicts in one GitHub comment (65536 characters). */
const DEFAULT_MARKDOWN_CHARS = 18000;

export const DIFF_CLI: CliSpec = {
    name: "diff",
    summary:
        "Renders the stack offline at two git revisions (or a revision and the working tree) and prints what a deploy would change, warnings first.",
    stack: "required",
    // The stack may exist on one side only (new, or deleted in the working tree), so it is checked
    // against both sides rather than against the working tree's stack files.
    stackInAnyRevision: true,
    config: true,
    flags: [
        { name: "--base", value: "<git-ref>", help: "the revision to compare against (branch, tag, commit)" },
        { name: "--head", value: "<git-ref>", help: "compare this revision instead of the working tree" },
        {
            name: "--format",
            value: "text|markdown",
            help: "plain text (default) or the pull-request comment",
        },
        {
            name: "--max-chars",
            value: "N",
            help: `markdown only: cut the listing to about N characters (default ${DEFAULT_MARKDOWN_CHARS})`,
        },
        { name: "--out", value: "<dir>", help: "keep both renders in <dir>/base and <dir>/head" },
        { name: "--verbose", help: "print added and removed objects in full, and long values untruncated" },
        { name: "--exit-code", help: "exit 1 when something differs (like git diff --exit-code)" },
    ],
};

interface Options extends RenderRequest {
    base: string;
    head?: string;
    format: (typeof FORMATS)[number];
    maxChars?: number;
    out?: string;
    verbose: boolean;
    exitCode: boolean;
}

export function diffOptions(args: ParsedCli): Options {
    const stack = args.stack as string;
    const base = single(args, "--base");
    if (base === undefined) {
        throw new UsageError("compared with what? pass --base <git-ref> (main, origin/main, HEAD~1)");
    }
    const format = single(args, "--format") ?? "text";
    if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--format ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
    }
    const maxChars = single(args, "--max-chars");
    if (maxChars !== undefined && !/^[1-9]\d*$/.test(maxChars)) {
        throw new UsageError(`--max-chars ${JSON.stringify(maxChars)} is not a positive integer`);
    }
    return {
        stack,
        overrides: args.overrides,
        configPath: args.configPath,
        base,
        head: single(args, "--head"),
        format: format as Options["format"],
        maxChars: maxChars === undefined ? undefined : Number(maxChars),
        out: single(args, "--out"),
        verbose: args.switches.has("--verbose"),
        exitCode: args.switches.has("--exit-code"),
    };
}

function rerunCommand(opts: Options): string {
    const head = opts.head ? ` --head ${opts.head}` : "";
    const config = configArgs(opts)
        .map((a) => (/^[\w./:=@-]+$/.test(a) ? a : JSON.stringify(a)))
        .join(" ");
    const verbose = opts.verbose ? " --verbose" : "";
    return `npm run diff -- --stack ${opts.stack} --base ${opts.base}${head}${config ? ` ${config}` : ""}${verbose}`;
}

/** `root` is the project checkout to compare in (tests pass a throwaway repository). */
export async function diffMain(args: ParsedCli, io: Io, root = PROJECT_ROOT): Promise<number> {
    const opts = diffOptions(args);
    const prefix = projectPrefix(root);
    const base = resolveRevision(opts.base, root, prefix);
    const head = opts.head === undefined ? undefined : resolveRevision(opts.head, root, prefix);

    const scratch = scratchDir();
    try {
        const baseSide = prepareRevision(base, opts.stack, scratch.dir);
        const headSide = head
            ? prepareRevision(head, opts.stack, scratch.dir)
            : prepareWorkingTree(opts.stack, root);
        if (baseSide.root === undefined && headSide.root === undefined) {
            const where = opts.head === undefined ? "in the working tree" : `at ${opts.head}`;
            throw new UsageError(
                `unknown stack '${opts.stack}': Pulumi.${opts.stack}.yaml exists neither at ${opts.base} nor ${where}; known stacks: ${listStacks(root).join(", ")}`,
            );
        }
        const outDir = path.resolve(opts.out ?? path.join(scratch.dir, "rendered"));
        let sides;
        try {
            sides = await Promise.all([
                renderSide(baseSide, opts, path.join(outDir, "base")),
                renderSide(headSide, opts, path.join(outDir, "head")),
            ]);
        } catch (err) {
            // A side that does not render (invalid config at that revision) is the user's to fix.
            io.err(`diff: ${(err as Error).message}`);
            return EXIT_USAGE;
        }
        const d = diffRendered(sides[0], sides[1]);
        const labels: DiffLabels = { stack: opts.stack, base: baseSide.label, head: headSide.label };
        const text =
            opts.format === "markdown"
                ? formatMarkdown(d, labels, {
                      verbose: opts.verbose,
                      maxChars: opts.maxChars ?? DEFAULT_MARKDOWN_CHARS,
                      rerun: rerunCommand(opts),
                  })
                : formatText(d, labels, { verbose: opts.verbose });
        io.out(text.replace(/\n$/, ""));
        return opts.exitCode && !isEmpty(d) ? EXIT_NO : EXIT_OK;
    } finally {
        scratch.cleanup();
    }
}

if (require.main === module) {
    cliMain(DIFF_CLI, diffMain);
}
