/**
 * npm run docs [-- --check]
 *
 * Regenerates the config reference in README.md from Pulumi.yaml and the stack files. With
 * `--check` it writes nothing and exits 1 when the reference is stale (for CI and hooks).
 */
import * as fs from "fs";
import * as path from "path";
import { CliSpec, EXIT_NO, EXIT_OK, Io, ParsedCli, cliMain } from "./lib/cli";
import { withConfigReference } from "./lib/configDocs";
import { PROJECT_ROOT } from "./lib/stackFiles";

export const DOCS_CLI: CliSpec = {
    name: "docs",
    summary: "Regenerates the config reference in README.md from Pulumi.yaml and the stack files.",
    flags: [{ name: "--check", help: "write nothing; exit 1 when the reference is stale" }],
};

/** `root` is the project directory (tests use a copy). */
export function docsMain(args: ParsedCli, io: Io, root = PROJECT_ROOT): number {
    const file = path.join(root, "README.md");
    const before = fs.readFileSync(file, "utf8");
    const after = withConfigReference(before, root);
    if (before === after) {
        io.out("README.md config reference is up to date");
        return EXIT_OK;
    }
    if (args.switches.has("--check")) {
        io.err("README.md config reference is stale: run `npm run docs`");
        return EXIT_NO;
    }
    fs.writeFileSync(file, after);
    io.out("README.md config reference updated");
    return EXIT_OK;
}

if (require.main === module) {
    cliMain(DOCS_CLI, docsMain);
}
