/**
 * CPU and memory sizing, as read from config and as handed to charts and Deployments. One reader
 * and one conversion for every component, so sizing rules and messages are the same everywhere.
 */
import { ConfigReader, QUANTITY, show } from "../../config/reader";
import { quantityValue } from "../../config/quantity";

/** Requests and limits from config; an unset limit (or, where allowed, request) means "none". */
export interface ResourceSettings {
    requests: { cpu: string | undefined; memory: string | undefined };
    limits: { cpu: string | undefined; memory: string | undefined };
}

/** The Kubernetes `resources` block (limits left out when none is set). */
export interface K8sResources {
    requests: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
}

/**
 * Reads `<prefix>.requests.{cpu,memory}` and `<prefix>.limits.{cpu,memory}`. Limits may be empty
 * (none); requests too when `optionalRequests` (the addons, whose charts then drop their default).
 */
export function readResources(
    r: ConfigReader,
    prefix: string,
    { optionalRequests = false }: { optionalRequests?: boolean } = {},
): ResourceSettings {
    const q = (p: string, required: boolean): string | undefined => {
        const v = r.optionalString(`${prefix}.${p}`, {
            pattern: QUANTITY,
            patternHint: required
                ? "a Kubernetes quantity such as 100m or 256Mi"
                : "a Kubernetes quantity such as 500m or 1Gi, or empty for none",
        });
        if (required && v === undefined) {
            r.error(`${prefix}.${p}`, "must not be empty");
        }
        const bytes = p.endsWith("memory") && v !== undefined ? quantityValue(v) : undefined;
        if (v !== undefined && bytes !== undefined && bytes < 2 ** 20) {
            // Memory is counted in bytes: "512m" is half a byte. Container runtimes refuse limits
            // this small and nothing of this stack runs in under a mebibyte, so it is a slip.
            r.error(
                `${prefix}.${p}`,
                `${show(v)} is less than 1Mi (memory is counted in bytes); did you mean ${show(`${v.replace(/[a-zA-Z]+$/, "")}Mi`)}?`,
            );
        }
        return v;
    };
    const settings: ResourceSettings = {
        requests: {
            cpu: q("requests.cpu", !optionalRequests),
            memory: q("requests.memory", !optionalRequests),
        },
        limits: { cpu: q("limits.cpu", false), memory: q("limits.memory", false) },
    };
    for (const kind of ["cpu", "memory"] as const) {
        const reqKey = `${prefix}.requests.${kind}`;
        const limKey = `${prefix}.limits.${kind}`;
        const request = settings.requests[kind];
        const limit = settings.limits[kind];
        if (limit === undefined || r.hasIssue(reqKey, limKey)) {
            continue;
        }
        // The API server refuses such a container: "must be less than or equal to <kind> limit"
        // (kubernetes pkg/apis/core/validation/validation.go, ValidateResourceRequirements).
        const requested = request === undefined ? 0 : (quantityValue(request) ?? 0);
        if (requested > (quantityValue(limit) ?? Infinity)) {
            r.error(
                reqKey,
                `${show(request)} is above ${limKey} (${show(limit)}); Kubernetes refuses a request above its limit: ` +
                    `lower the request or raise the limit`,
            );
        }
    }
    return settings;
}

export function k8sResources(r: ResourceSettings): K8sResources {
    const requests: { cpu?: string; memory?: string } = {};
    if (r.requests.cpu !== undefined) {
        requests.cpu = r.requests.cpu;
    }
    if (r.requests.memory !== undefined) {
        requests.memory = r.requests.memory;
    }
    const limits: { cpu?: string; memory?: string } = {};
    if (r.limits.cpu !== undefined) {
        limits.cpu = r.limits.cpu;
    }
    if (r.limits.memory !== undefined) {
        limits.memory = r.limits.memory;
    }
    return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}

/**
 * The `resources` value of a chart that Helm merges over its own defaults (kiali-server, grafana,
 * prometheus). An empty setting whose key the chart defaults becomes null, which deletes that
 * default: the provider keeps nulls in the values it hands Helm (pulumi/pulumi-kubernetes v4.32.0
 * provider/pkg/helm/values_test.go, "overrides: null values"), and Helm's coalescing removes a
 * default whose override is null. Leaving the key out would keep the default instead (Kiali's 1Gi
 * memory limit, for one). Where the chart has no default the key is left out: a null there would
 * reach the template and could be rendered as `null`. Istio's gateway and proxy charts merge their
 * defaults inside the templates, where a null cannot delete anything: istio/config.ts refuses
 * empty limits there.
 */
export type ChartResources = {
    [K in "requests" | "limits"]: { cpu?: string | null; memory?: string | null };
};

/** What a chart's values.yaml sets under its `resources` key (absent keys: no default). */
export type ChartResourceDefaults = {
    [K in "requests" | "limits"]?: { cpu?: string; memory?: string };
};

export function chartResources(r: ResourceSettings, defaults: ChartResourceDefaults): ChartResources {
    const out: ChartResources = { requests: {}, limits: {} };
    for (const section of ["requests", "limits"] as const) {
        for (const kind of ["cpu", "memory"] as const) {
            const v = r[section][kind];
            if (v !== undefined) {
                out[section][kind] = v;
            } else if (defaults[section]?.[kind] !== undefined) {
                out[section][kind] = null;
            }
        }
    }
    return out;
}
