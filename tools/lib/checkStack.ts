/**
 * The offline policy verdict behind `npm run check`: validate the stack config, evaluate the
 * program under the mock runtime, validate every declared object against its schema, and run the
 * policy pack with the stack's policy config. No cluster, no Pulumi CLI, no Pulumi Cloud.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, ConfigIssue, parseConfig } from "../../config";
import { PACK_ENFORCEMENT, policies } from "../../policies/policies";
import { Evaluation, evaluate } from "./mockRuntime";
import {
    Violation,
    readPolicyConfigFile,
    resolvePolicyConfig,
    runPolicies,
    unwrapSecrets,
} from "./policyRunner";
import { K8sObject, isK8sObject } from "./render";
import { validateObject } from "./schemas";
import { LoadedConfig, Override, PROJECT_ROOT, configSource, loadStackConfig } from "./stackFiles";

export interface CheckOptions {
    stack: string;
    overrides?: Override[];
    usePaths?: boolean;
    /** Policy config file; defaults to policies/<stack>.json. */
    policyConfig?: string;
}

export interface CheckResult {
    stack: string;
    policyConfig: string;
    resources: number;
    objects: number;
    policiesRun: number;
    schemaErrors: string[];
    violations: Violation[];
    mandatory: number;
    passed: boolean;
    /** Settings the stack sets that have no effect (printed to stderr by `npm run check`). */
    warnings: ConfigIssue[];
}

export class UsageError extends Error {}

export function defaultPolicyConfig(stack: string): string {
    return path.join(PROJECT_ROOT, "policies", `${stack}.json`);
}

/**
 * Throws the {@link ConfigError} `pulumi up` would raise, before anything is evaluated, through the
 * same path as the program (config/source.ts); returns the warnings for settings without effect.
 */
export function validateConfig(loaded: LoadedConfig): ConfigIssue[] {
    const result = parseConfig(configSource(loaded), loaded.stack);
    if (!result.ok) {
        throw new ConfigError(result.issues, loaded.stack);
    }
    return result.warnings;
}

export async function checkStack(
    opts: CheckOptions,
    evaluateFn: (c: LoadedConfig) => Promise<Evaluation> = evaluate,
): Promise<CheckResult> {
    let loaded: LoadedConfig;
    try {
        loaded = loadStackConfig(opts.stack, opts.overrides ?? [], opts.usePaths ?? false);
    } catch (e) {
        if (e instanceof ConfigError) {
            throw e;
        }
        throw new UsageError((e as Error).message);
    }
    const policyConfig = opts.policyConfig ?? defaultPolicyConfig(opts.stack);
    if (!fs.existsSync(policyConfig)) {
        throw new UsageError(`no policy config ${policyConfig}; pass --policy-config <file>`);
    }
    const resolved = resolvePolicyConfig(
        policies,
        PACK_ENFORCEMENT,
        readPolicyConfigFile(policyConfig),
        policyConfig,
    );
    const warnings = validateConfig(loaded);
    const ev = await evaluateFn(loaded);

    // Validated with secrets unwrapped (a redacted Secret would no longer have the schema's shape);
    // a schema error names the object and the field, never the value.
    const manifests = ev.resources.filter(isK8sObject).map((r) => unwrapSecrets(r.inputs) as K8sObject);
    const schemaErrors: string[] = [];
    for (const obj of manifests) {
        try {
            await validateObject(obj);
        } catch (e) {
            schemaErrors.push((e as Error).message);
        }
    }
    const run = await runPolicies(ev, policies, resolved);
    const mandatory = run.violations.filter((v) => v.level === "mandatory").length;
    return {
        stack: opts.stack,
        policyConfig,
        resources: run.resources,
        objects: manifests.length,
        policiesRun: run.ran.length,
        schemaErrors,
        violations: run.violations,
        mandatory,
        passed: mandatory === 0 && schemaErrors.length === 0,
        warnings,
    };
}

function table(rows: string[][]): string[] {
    const widths = rows[0].map((_, i) =>
        Math.max(...rows.map((r) => (i === r.length - 1 ? 0 : r[i].length))),
    );
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  "));
}

/** The report `npm run check` prints: schema errors, a violation table, and the verdict. */
export function formatResult(r: CheckResult): string {
    const lines: string[] = [];
    for (const e of r.schemaErrors) {
        lines.push(`schema: ${e}`);
    }
    if (r.violations.length > 0) {
        const sorted = [...r.violations].sort(
            (a, b) => a.level.localeCompare(b.level) * -1 || a.policy.localeCompare(b.policy),
        );
        lines.push(
            ...table([
                ["LEVEL", "POLICY", "RESOURCE", "MESSAGE"],
                ...sorted.map((v) => [v.level, v.policy, v.resource ?? "(stack)", v.message]),
            ]),
        );
    }
    const advisory = r.violations.length - r.mandatory;
    lines.push(
        `stack ${r.stack}: ${r.resources} resources, ${r.objects} objects checked against their schemas ` +
            `(${r.schemaErrors.length} invalid), ${r.policiesRun} policies (${path.relative(PROJECT_ROOT, r.policyConfig)}): ` +
            `${r.mandatory} mandatory, ${advisory} advisory violation(s)`,
        r.passed ? "PASS" : "FAIL",
    );
    return lines.join("\n");
}
