import { strict as assert } from "assert";
import { ConfigError } from "../../../config/reader";
import { CliSpec, ParsedCli } from "../../../tools/lib/cli";
import { runTool } from "../../support/cli";

const SPEC: CliSpec = { name: "probe", summary: "test", stack: "optional", config: true };

/** A main that fails as the program does on a flat key (config/index.ts). */
function refuses(args: ParsedCli): number {
    throw new ConfigError(
        args.overrides.map((o) => ({ key: o.key, message: "was set as a flat key, which nothing reads" })),
        "dev",
    );
}

describe("tools/lib/cli: config errors", () => {
    it("tells a user who passed a dotted --config key without --config-path to add it", async () => {
        const run = await runTool(SPEC, refuses, ["--config", "mesh.dataPlane=ambient"]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /mesh\.dataPlane: was set as a flat key/);
        assert.match(
            run.stderr,
            /--config mesh\.dataPlane: a key with "\." or "\[" is a path only with --config-path/,
        );
    });

    it("gives no such hint when --config-path was given or no key is a path", async () => {
        for (const argv of [
            ["--config-path", "--config", "mesh.dataPlane=ambient"],
            ["--config", "istio-mesh:bookinfo=x"],
        ]) {
            const run = await runTool(SPEC, refuses, argv);
            assert.equal(run.code, 2);
            assert.doesNotMatch(run.stderr, /--config-path/, argv.join(" "));
        }
    });
});
