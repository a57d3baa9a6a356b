import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, parseClusterConfig } from "../components/cluster/config";
import { IstioConfig, parseIstioConfig } from "../components/istio/config";
import { ConfigError, ConfigIssue, ConfigReader, RawConfig } from "./reader";

export { ConfigError, formatIssues } from "./reader";
export type { ConfigIssue, RawConfig } from "./reader";

/** The whole validated stack configuration, one section per concern. */
export interface StackConfig {
    stack: string;
    cluster: ClusterConfig;
    istio: IstioConfig;
}

/** The structured config keys this program owns (each one object in the stack file). */
export const CONFIG_SECTIONS = ["cluster", "istio", "istiod", "gateway", "mesh"] as const;

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates the raw stack config (project defaults already applied, as the Pulumi CLI does) and
 * returns either the typed config or every problem found. Pure: no Pulumi engine needed.
 */
export function parseStackConfig(raw: RawConfig, stack: string): ParseResult {
    const r = new ConfigReader(raw);
    const config: StackConfig = {
        stack,
        cluster: parseClusterConfig(r),
        istio: parseIstioConfig(r),
    };
    r.rejectUnknownKeys(CONFIG_SECTIONS);
    return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, config };
}

/**
 * Reads this project's config from the running Pulumi program. Values arrive as strings (objects
 * as JSON); secret keys are left out here and read with `getSecret` by the code that needs them.
 * Throws a {@link ConfigError} listing every problem, before any resource is declared.
 */
export function readStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        const [ns, name] = key.split(":", 2);
        if (ns !== project || !(CONFIG_SECTIONS as readonly string[]).includes(name)) {
            continue;
        }
        raw[name] = decode(value);
    }
    const result = parseStackConfig(raw, pulumi.getStack());
    if (!result.ok) {
        throw new ConfigError(result.issues, pulumi.getStack());
    }
    return result.config;
}

function decode(value: string): unknown {
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
