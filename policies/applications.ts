/**
 * Application policies: what the applications' routing and egress must never do, whatever wrote
 * the objects (the Application component, or a hand-written manifest next to it). The weights and
 * subset rules that routing also needs are the mesh policies `virtualservice-weights-sum-to-100`
 * and `virtualservice-subsets-exist`, which hold for every VirtualService.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ISTIO_NETWORKING, Props, asList, asRecord, asString, at, describe, isKind } from "./lib/objects";

/** Milliseconds of a protobuf Duration as Istio writes it ("1.5s", "500ms", "1m30s"); NaN if not one. */
export function durationMs(d: string): number {
    if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(d)) {
        return NaN;
    }
    let total = 0;
    for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
        const n = Number(m[1]);
        total += m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n * 3_600_000;
    }
    return total;
}

export const retriesWithinTimeout: ResourceValidationPolicy = {
    name: "virtualservice-retries-within-timeout",
    description:
        "An HTTP route with both a timeout and retries gives each attempt a perTryTimeout below the route timeout, so a retry can still happen.",
    severity: "medium",
    validateResource: (args, reportViolation) => {
        if (!isKind(args.type, ISTIO_NETWORKING, "VirtualService")) {
            return args.notApplicable("not a VirtualService");
        }
        const props = args.props as Props;
        const what = describe(args.type, props, args.name);
        asList(at(props, "spec", "http")).forEach((raw, index) => {
            const rule = asRecord(raw) ?? {};
            const timeout = asString(rule.timeout);
            const retries = asRecord(rule.retries);
            const attempts = retries?.attempts;
            if (timeout === undefined || retries === undefined || attempts === 0) {
                return;
            }
            const where = `${what} http[${index}]${typeof rule.name === "string" ? ` ("${rule.name}")` : ""}`;
            const perTry = asString(retries.perTryTimeout);
            if (perTry === undefined) {
                reportViolation(
                    `${where} retries with a ${timeout} timeout but no perTryTimeout: each attempt may take the whole ${timeout}, so no retry ever runs. ` +
                        "Fix: set retries.perTryTimeout below the route timeout.",
                );
            } else if (!(durationMs(perTry) < durationMs(timeout))) {
                reportViolation(
                    `${where} has retries.perTryTimeout ${perTry}, not below its timeout ${timeout}: the first attempt uses up the call. ` +
                        "Fix: make perTryTimeout shorter than the timeout (e.g. timeout / (attempts + 1)).",
                );
            }
        });
    },
};

/** Hosts that stand for "anywhere": `*`, or a wildcard over a whole top-level domain (`*.com`). */
function isOpenHost(host: string): boolean {
    return host === "*" || (host.startsWith("*.") && !host.slice(2).includes("."));
}

export const noWildcardEgress: ResourceValidationPolicy = {
    name: "serviceentry-no-wildcard-egress",
    description:
        "No ServiceEntry for an external service (MESH_EXTERNAL, the default) has the host `*` or a wildcard over a whole top-level domain: egress names the hosts it needs.",
    severity: "high",
    validateResource: (args, reportViolation) => {
        if (!isKind(args.type, ISTIO_NETWORKING, "ServiceEntry")) {
            return args.notApplicable("not a ServiceEntry");
        }
        const props = args.props as Props;
        if (asString(at(props, "spec", "location")) === "MESH_INTERNAL") {
            return;
        }
        const open = asList(at(props, "spec", "hosts"))
            .map(asString)
            .filter((h): h is string => h !== undefined && isOpenHost(h));
        if (open.length > 0) {
            reportViolation(
                `${describe(args.type, props, args.name)} opens egress to ${open.map((h) => JSON.stringify(h)).join(", ")}: any external host becomes reachable. ` +
                    "Fix: list the hosts the application calls (applications.<app>.egress).",
            );
        }
    },
};

export const applicationPolicies = [retriesWithinTimeout, noWildcardEgress];
