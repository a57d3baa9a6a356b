/**
 * The project file (Pulumi.yaml) as the config parser needs it: the project name, each declared
 * key with its default, and which keys are secrets (`secret: true`).
 *
 * The program reads it too: the Pulumi CLI hands the program only the merged values
 * (`pulumi.runtime.allConfig()`), not the declarations, and the declarations are written once, in
 * Pulumi.yaml. The program always runs from the project directory, next to which this file lives.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

export interface ProjectConfigDeclaration {
    type?: "string" | "integer" | "boolean" | "array";
    default?: unknown;
    value?: unknown;
    description?: string;
    items?: { type: string };
    secret?: boolean;
}

export interface ProjectFile {
    name: string;
    config: Record<string, ProjectConfigDeclaration>;
}

const cache = new Map<string, ProjectFile>();

export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
    const file = path.join(root, "Pulumi.yaml");
    const hit = cache.get(file);
    if (hit) {
        return hit;
    }
    const doc = parse(fs.readFileSync(file, "utf8")) as {
        name: string;
        config?: Record<string, ProjectConfigDeclaration>;
    };
    const project = { name: doc.name, config: doc.config ?? {} };
    cache.set(file, project);
    return project;
}

/** Keys declared `secret: true`: top-level keys outside the structured sections. */
export function declaredSecrets(project: ProjectFile = readProjectFile()): string[] {
    return Object.entries(project.config)
        .filter(([, d]) => d.secret === true)
        .map(([k]) => k);
}

/** Every declared (non-secret) key path, e.g. `gateway.replicas`. */
export function declaredPaths(project: ProjectFile = readProjectFile()): string[] {
    return Object.entries(project.config)
        .filter(([, d]) => d.secret !== true)
        .map(([k]) => k);
}

/** The default of a declared key, or undefined. */
export function declaredDefault(key: string, project: ProjectFile = readProjectFile()): unknown {
    const d = project.config[key];
    return d === undefined ? undefined : (d.default ?? d.value);
}
