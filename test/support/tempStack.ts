/**
 * A throwaway project directory holding this project's Pulumi.yaml and one stack file written by
 * the test, so loader and gate tests can use stack files the repository does not commit (secure
 * values, misspelt sections, a section given as one value).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/lib/stackFiles";

export function tempProject(stacks: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-mesh-stack-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [name, yaml] of Object.entries(stacks)) {
        fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), yaml);
    }
    return dir;
}

/** The committed dev stack file with extra YAML appended under `config:`. */
export function devStackWith(extra: string): string {
    const dev = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
    return `${dev.trimEnd()}\n${extra.replace(/^\n/, "")}`;
}
