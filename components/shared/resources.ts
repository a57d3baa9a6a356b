/**
 * CPU and memory sizing, as read from config and as handed to charts and Deployments. One reader
 * and one conversion for every component, so sizing rules and messages are the same everywhere.
 */
import { ConfigReader, QUANTITY } from "../../config/reader";

/** Requests and limits from config; an empty limit means "no limit". */
export interface ResourceSettings {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** The Kubernetes `resources` block (limits left out when none is set). */
export interface K8sResources {
    requests: { cpu: string; memory: string };
    limits?: { cpu?: string; memory?: string };
}

/** Reads `<prefix>.requests.{cpu,memory}` (required) and `<prefix>.limits.{cpu,memory}` (optional). */
export function readResources(r: ConfigReader, prefix: string): ResourceSettings {
    const q = (p: string, required: boolean): string => {
        const v = r.string(`${prefix}.${p}`, {
            pattern: QUANTITY,
            patternHint: required
                ? "a Kubernetes quantity such as 100m or 256Mi"
                : "a Kubernetes quantity such as 500m or 1Gi, or empty for none",
        });
        if (required && v === "") {
            r.error(`${prefix}.${p}`, "must not be empty");
        }
        return v;
    };
    return {
        requests: { cpu: q("requests.cpu", true), memory: q("requests.memory", true) },
        limits: { cpu: q("limits.cpu", false), memory: q("limits.memory", false) },
    };
}

export function k8sResources(r: ResourceSettings): K8sResources {
    const limits: { cpu?: string; memory?: string } = {};
    if (r.limits.cpu !== "") {
        limits.cpu = r.limits.cpu;
    }
    if (r.limits.memory !== "") {
        limits.memory = r.limits.memory;
    }
    return Object.keys(limits).length > 0
        ? { requests: { ...r.requests }, limits }
        : { requests: { ...r.requests } };
}
