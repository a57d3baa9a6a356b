/**
 * Rules shared by every description of routes (Bookinfo's variants and applications' routes):
 * what Envoy accepts as a header match and what Istio accepts as a duration.
 */
import type { StringMatch } from "./model";

/** HTTP header names as Envoy matches them: lowercase tokens. */
export const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers Envoy owns or rewrites; matching on them in a VirtualService does not do what it says. */
export const RESERVED_HEADERS = ["host", ":authority", "content-length", "transfer-encoding"];
/** Istio durations as the v1 API accepts them (protobuf Duration). */
export const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** Milliseconds of an Istio duration (validated by {@link DURATION}), such as "0.5s" or "1m30s". */
export function durationMs(d: string): number {
    let total = 0;
    for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
        const n = Number(m[1]);
        total += m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n * 3_600_000;
    }
    return total;
}

export function validHeaderMatch(name: string, m: StringMatch): string | undefined {
    if (!HEADER_NAME.test(name)) {
        return `header ${JSON.stringify(name)} is not a valid header name (lowercase letters, digits, '-')`;
    }
    if (RESERVED_HEADERS.includes(name)) {
        return `header ${JSON.stringify(name)} cannot be matched on; Istio reserves it`;
    }
    const forms = (["exact", "prefix", "regex"] as const).filter((k) => m[k] !== undefined);
    if (forms.length !== 1) {
        return `header ${JSON.stringify(name)} needs exactly one of exact, prefix or regex (got ${forms.join(", ") || "none"})`;
    }
    const value = m[forms[0]];
    if (typeof value !== "string" || value === "") {
        return `header ${JSON.stringify(name)}: ${forms[0]} must be a non-empty string`;
    }
    if (forms[0] === "regex") {
        try {
            new RegExp(value);
        } catch {
            return `header ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid regular expression`;
        }
    }
    return undefined;
}
