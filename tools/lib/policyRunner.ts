/**
 * Runs CrossGuard policies offline over an {@link Evaluation}, the way the Pulumi engine would:
 * every resource policy against every registered resource's inputs, then every stack policy
 * against all of them, with the enforcement level and settings a policy config file gives each one.
 *
 * Like the engine's analyzer, policies see secrets unwrapped to their values (they receive plain
 * JSON); nothing here prints a property value.
 */
import * as fs from "fs";
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    PolicyProviderResource,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { CapturedResource, Evaluation, STACK_REFERENCE_TYPE, isSecretWrapper } from "./mockRuntime";

export const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The JSON file given to `--policy-pack-config`: `{"all": level, "<policy>": level | {enforcementLevel?, ...}}`. */
export type PolicyConfigFile = Record<string, unknown>;

export interface ResolvedPolicy {
    level: EnforcementLevel;
    config: Record<string, unknown>;
}

export interface Violation {
    policy: string;
    level: "advisory" | "mandatory";
    /** URN of the resource the violation is about; absent for stack-wide findings. */
    urn?: string;
    /** "type::name" of that resource, for display. */
    resource?: string;
    message: string;
}

export interface PolicyRun {
    violations: Violation[];
    /** Policies that ran (not disabled), by name. */
    ran: string[];
    resources: number;
}

export class PolicyConfigError extends Error {
    constructor(file: string, problems: string[]) {
        super(`invalid policy config ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
    }
}

class NotApplicable extends Error {}

/** Removes Pulumi's secret wrappers, as the engine does before it hands props to a policy. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretWrapper(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (x !== undefined) {
                out[k] = unwrapSecrets(x);
            }
        }
        return out;
    }
    return v;
}

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
    return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
    return "validateStack" in p;
}

function typeMatches(value: unknown, schema: Record<string, unknown>): boolean {
    switch (schema.type) {
        case "string":
            return typeof value === "string";
        case "boolean":
            return typeof value === "boolean";
        case "integer":
            return Number.isInteger(value);
        case "number":
            return typeof value === "number";
        case "array":
            return (
                Array.isArray(value) &&
                value.every((x) => !schema.items || typeMatches(x, schema.items as Record<string, unknown>))
            );
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        default:
            return true;
    }
}

function checkProperties(
    policy: string,
    schema: PolicyConfigSchema | undefined,
    given: Record<string, unknown>,
): string[] {
    const problems: string[] = [];
    const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, value] of Object.entries(given)) {
        const s = props[key];
        if (!s) {
            const known = Object.keys(props);
            problems.push(
                `${policy}.${key}: unknown setting; ${known.length > 0 ? `known: ${known.join(", ")}` : "the policy takes none"}`,
            );
        } else if (!typeMatches(value, s)) {
            problems.push(`${policy}.${key}: ${JSON.stringify(value)} is not of type ${String(s.type)}`);
        } else if (Array.isArray(s.enum) && !s.enum.includes(value)) {
            problems.push(
                `${policy}.${key}: ${JSON.stringify(value)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`,
            );
        }
    }
    for (const key of schema?.required ?? []) {
        if (!(key in given)) {
            problems.push(`${policy}.${key}: required`);
        }
    }
    return problems;
}

function defaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(
        (schema?.properties ?? {}) as Record<string, { default?: unknown }>,
    )) {
        if (s.default !== undefined) {
            out[key] = structuredClone(s.default);
        }
    }
    return out;
}

/**
 * Each policy's effective level and settings: the policy's own entry, else "all", else the policy's
 * level, else the pack's (the precedence the Pulumi CLI applies); schema defaults fill the settings.
 */
export function resolvePolicyConfig(
    policies: Policies,
    packLevel: EnforcementLevel,
    file: PolicyConfigFile,
    fileName = "policy config",
): Map<string, ResolvedPolicy> {
    const problems: string[] = [];
    const names = new Set(policies.map((p) => p.name));
    const isLevel = (v: unknown): v is EnforcementLevel => ENFORCEMENT_LEVELS.includes(v as EnforcementLevel);
    let all: EnforcementLevel | undefined;
    if (file.all !== undefined) {
        if (isLevel(file.all)) {
            all = file.all;
        } else {
            problems.push(`all: ${JSON.stringify(file.all)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`);
        }
    }
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) {
            problems.push(`${key}: no such policy in the pack`);
        }
    }
    const resolved = new Map<string, ResolvedPolicy>();
    for (const p of policies) {
        const entry = file[p.name];
        let level: EnforcementLevel | undefined;
        let given: Record<string, unknown> = {};
        if (typeof entry === "string") {
            if (isLevel(entry)) {
                level = entry;
            } else {
                problems.push(
                    `${p.name}: ${JSON.stringify(entry)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`,
                );
            }
        } else if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
            const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                problems.push(
                    `${p.name}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not a level`,
                );
            } else {
                level = enforcementLevel;
            }
            given = rest;
            problems.push(...checkProperties(p.name, p.configSchema, given));
        } else if (entry !== undefined) {
            problems.push(`${p.name}: expected a level or an object`);
        }
        resolved.set(p.name, {
            level: level ?? all ?? p.enforcementLevel ?? packLevel,
            config: { ...defaults(p.configSchema), ...given },
        });
    }
    if (problems.length > 0) {
        throw new PolicyConfigError(fileName, problems);
    }
    return resolved;
}

export function readPolicyConfigFile(file: string): PolicyConfigFile {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PolicyConfigError(file, [(e as Error).message]);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new PolicyConfigError(file, ["expected a JSON object"]);
    }
    return parsed as PolicyConfigFile;
}

const NO_TIMEOUTS = { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 };

function optionsOf(r: CapturedResource): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: NO_TIMEOUTS,
        additionalSecretOutputs: [],
        parent: r.parent,
    };
}

interface ResourceClass {
    __pulumiType?: string;
}

function typeCheck(type: string) {
    return (cls: unknown): boolean => (cls as ResourceClass).__pulumiType === type;
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

export async function runPolicies(
    ev: Evaluation,
    policies: Policies,
    resolved: Map<string, ResolvedPolicy>,
    stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<PolicyRun> {
    const violations: Violation[] = [];
    const ran: string[] = [];
    const byUrn = new Map(ev.resources.map((r) => [r.urn, r]));
    const display = (urn?: string): string | undefined => {
        const r = urn === undefined ? undefined : byUrn.get(urn);
        return r ? `${r.type}::${r.name}` : urn;
    };
    const props = new Map(
        ev.resources.map((r) => [r.urn, unwrapSecrets(r.inputs) as Record<string, unknown>]),
    );
    const providerOf = (r: CapturedResource): PolicyProviderResource | undefined => {
        const p = r.provider === undefined ? undefined : byUrn.get(r.provider);
        return p && { type: p.type, urn: p.urn, name: p.name, props: props.get(p.urn) ?? {} };
    };

    /** What resource and stack policies both see of a resource. */
    const describe = (r: CapturedResource): ResourceView => {
        const view: ResourceView = {
            type: r.type,
            props: props.get(r.urn) ?? {},
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            provider: providerOf(r),
            isType: typeCheck(r.type),
            asType: ((cls: unknown) =>
                typeCheck(r.type)(cls) ? view.props : undefined) as ResourceView["asType"],
        };
        return view;
    };
    let resources: PolicyResource[] | undefined;

    for (const p of policies) {
        const { level, config } = resolved.get(p.name) ?? { level: "advisory" as const, config: {} };
        if (level === "disabled") {
            continue;
        }
        ran.push(p.name);
        // Stack policies cannot remediate and nothing here remediates: a surviving violation is mandatory.
        const reported: Violation["level"] = level === "advisory" ? "advisory" : "mandatory";
        const report = (message: string, urn?: string): void => {
            violations.push({ policy: p.name, level: reported, urn, resource: display(urn), message });
        };
        const getConfig = <T extends object>(): T => structuredClone(config) as T;

        if (isResourcePolicy(p)) {
            const validations: ResourceValidation[] = Array.isArray(p.validateResource)
                ? p.validateResource
                : [p.validateResource as ResourceValidation];
            for (const r of ev.resources) {
                const args: ResourceValidationArgs = {
                    ...describe(r),
                    stackTags,
                    getConfig,
                    notApplicable,
                };
                for (const validate of validations) {
                    try {
                        await Promise.resolve(validate(args, (message) => report(message, r.urn)));
                    } catch (e) {
                        if (!(e instanceof NotApplicable)) {
                            throw new Error(`policy ${p.name} failed on ${r.urn}: ${String(e)}`);
                        }
                    }
                }
            }
        }
        if (isStackPolicy(p)) {
            // Policies may not mutate what they are given, so every stack policy shares one view.
            resources ??= stackResources(ev, describe);
            const args: StackValidationArgs = { resources, stackTags, getConfig, notApplicable };
            try {
                await Promise.resolve(p.validateStack(args, report));
            } catch (e) {
                if (!(e instanceof NotApplicable)) {
                    throw new Error(`policy ${p.name} failed: ${String(e)}`);
                }
            }
        }
    }
    return { violations, ran, resources: ev.resources.length };
}

/** The fields a resource policy and a stack policy both receive about a resource. */
type ResourceView = Pick<
    ResourceValidationArgs,
    "type" | "props" | "urn" | "name" | "opts" | "provider" | "isType" | "asType"
>;

function stackResources(ev: Evaluation, describe: (r: CapturedResource) => ResourceView): PolicyResource[] {
    const out = new Map<string, PolicyResource>();
    for (const r of ev.resources) {
        out.set(r.urn, { ...describe(r), dependencies: [], propertyDependencies: {} });
    }
    // The StackReferences the program read (its multi-cluster peers) are resources of the stack
    // too, as the engine hands them to stack policies: their props are the peer's outputs.
    const stackAndProject = (ev.resources[0]?.urn ?? "").split("::").slice(0, 2).join("::");
    for (const [name, outputs] of Object.entries(ev.stackReferences ?? {})) {
        const urn = `${stackAndProject}::${STACK_REFERENCE_TYPE}::multicluster-peer-${name}`;
        const props = unwrapSecrets({ name, outputs }) as Record<string, unknown>;
        out.set(urn, {
            type: STACK_REFERENCE_TYPE,
            props,
            urn,
            name: `multicluster-peer-${name}`,
            opts: { ...optionsOf({ protect: false } as CapturedResource) },
            isType: () => false,
            asType: () => undefined,
            dependencies: [],
            propertyDependencies: {},
        });
    }
    for (const r of ev.resources) {
        const resource = out.get(r.urn) as PolicyResource;
        resource.parent = r.parent === undefined ? undefined : out.get(r.parent);
        resource.dependencies = r.dependencies
            .map((d) => out.get(d))
            .filter((d): d is PolicyResource => d !== undefined);
    }
    return [...out.values()];
}
