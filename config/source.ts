/**
 * The one path from Pulumi config to the parser's raw input.
 *
 * The Pulumi CLI hands the program every key of the stack config, of every namespace
 * (`istio-mesh:gateway`, `kubernetes:context`, `pulumi:disable-default-providers`), each value a
 * string (objects as JSON), with the project defaults of Pulumi.yaml already merged in, plus the
 * list of keys whose values were encrypted. See pulumi/pulumi pkg/resource/deploy/source_eval.go,
 * `evalSource.Iterate` (`Target.Config.Decrypt`, `Target.Config.SecureKeys()`), and the Node.js
 * SDK's runtime/config.ts (`allConfig()`, `isConfigSecret()`, PULUMI_CONFIG and
 * PULUMI_CONFIG_SECRET_KEYS).
 *
 * {@link configInput} turns exactly that into the parser's raw input. The program calls it with
 * `pulumi.runtime.allConfig()`; the offline tools call it with the same string map built from the
 * stack file and Pulumi.yaml (tools/lib/stackFiles.ts `asProgramConfig`), so both see the same
 * config and the same errors.
 */
import { ConfigIssue, RawConfig, closest } from "./reader";
import { ProjectFile, declaredPaths, declaredSecrets, readProjectFile } from "./project";

/** What the program is given: `allConfig()` and which of its keys are secret. */
export interface ConfigSource {
    /** The project name (namespace of this program's keys). */
    project: string;
    /** Fully qualified key ("istio-mesh:gateway") to value; objects as JSON, as `allConfig()` gives. */
    values: Record<string, string>;
    /** Fully qualified keys whose values are secret (encrypted in the stack file). */
    secretKeys: readonly string[];
    /**
     * Leaf paths (without the project prefix) the stack or `--config` set. Known to the offline
     * loader; absent in the program, where a value counts as set when it differs from its default.
     */
    explicit?: readonly string[];
    /** Problems the loader found before the program would run (e.g. a section given as one value). */
    issues?: readonly ConfigIssue[];
}

export interface ConfigInput {
    raw: RawConfig;
    /** Problems with the keys themselves (namespace, plaintext secrets), found before parsing. */
    issues: ConfigIssue[];
    explicit?: readonly string[];
}

/** Stands for a secret's value while the config is validated; the parser never sees secrets. */
export const SECRET_SET = "[set]";

/** The structured config keys this program owns (each one object in the stack file). */
export const CONFIG_SECTIONS = [
    "cluster",
    "istio",
    "istiod",
    "ztunnel",
    "cni",
    "gateway",
    "mesh",
    "observability",
    "bookinfo",
    "tls",
    "applications",
    "multicluster",
] as const;

/**
 * Config namespaces of the provider packages the program uses (`tls:` is also a section name):
 * theirs, never a misplaced section. A test holds this equal to package.json's `@pulumi/*` providers.
 */
export const PROVIDER_NAMESPACES = [
    "pulumi",
    "kubernetes",
    "kubernetes-cert-manager",
    "random",
    "tls",
    "command",
];

/** Sections: the ones above plus the head of every key Pulumi.yaml declares. */
export function knownSections(project: ProjectFile = readProjectFile()): string[] {
    const heads = declaredPaths(project).map((k) => k.split(/[.[]/)[0]);
    return [...new Set<string>([...CONFIG_SECTIONS, ...heads])];
}

/** Parses a value as `allConfig()` gives it: JSON objects and lists decoded, anything else as is. */
export function decodeValue(value: string): unknown {
    const t = value.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

function simplify(s: string): string {
    return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Whether a namespace is a plausible misspelling of the project name (`istiomesh`, `isito-mesh`). */
export function nearProjectName(ns: string, project: string): boolean {
    if (ns === project) {
        return false;
    }
    return simplify(ns) === simplify(project) || closest(ns, [project]) !== undefined;
}

/**
 * Turns the program's config (or the same map built offline) into the parser's raw input: this
 * project's keys without the prefix, sections decoded, each secret replaced by {@link SECRET_SET}.
 */
export function configInput(src: ConfigSource, project: ProjectFile = readProjectFile()): ConfigInput {
    const issues: ConfigIssue[] = [...(src.issues ?? [])];
    const raw: RawConfig = {};
    const sections = knownSections(project);
    const secrets = declaredSecrets(project);
    const secretKeys = new Set(src.secretKeys);
    for (const [fq, value] of Object.entries(src.values)) {
        const at = fq.indexOf(":");
        const ns = at < 0 ? "" : fq.slice(0, at);
        const name = at < 0 ? fq : fq.slice(at + 1);
        if (ns !== src.project) {
            if (nearProjectName(ns, src.project)) {
                issues.push({
                    key: fq,
                    message:
                        `namespace '${ns}' is not this project's ('${src.project}'), so nothing reads it; ` +
                        `did you mean '${src.project}:${name}'?`,
                });
            }
            if (sections.includes(ns) && !PROVIDER_NAMESPACES.includes(ns)) {
                // `gateway:api` for `gateway.api`: a namespace nothing reads, so the setting would
                // silently keep its default.
                issues.push({
                    key: fq,
                    message:
                        `'${ns}' is a section of this project, not a config namespace, so nothing reads this key; ` +
                        `did you mean '${ns}.${name}' (\`pulumi config set --path ${ns}.${name} <value>\`, ` +
                        `then \`pulumi config rm '${fq}'\`)?`,
                });
            }
            // Keys of providers and tools (`kubernetes:`, `pulumi:`, `random:`) are theirs.
            continue;
        }
        if (secrets.includes(name)) {
            if (value !== "" && !secretKeys.has(fq)) {
                // The CLI checks this only for typed keys (pkg/workspace/config.go,
                // validateStackConfigValue); a secret is declared untyped so that its "" default
                // does not fail that same check on stacks that leave it unset.
                issues.push({
                    key: name,
                    message:
                        `is a secret but is given in plaintext; remove it with \`pulumi config rm ${name}\` ` +
                        `and set it with \`pulumi config set --secret ${name} <value>\``,
                });
            }
            raw[name] = value === "" ? "" : SECRET_SET;
            continue;
        }
        raw[name] = sections.includes(name) ? decodeValue(value) : secretKeys.has(fq) ? SECRET_SET : value;
    }
    return { raw, issues, explicit: src.explicit };
}

/** Renders a warning or issue as one line, as the tools print them. */
export function formatWarning(w: ConfigIssue): string {
    return `warning: ${w.key}: ${w.message}`;
}
