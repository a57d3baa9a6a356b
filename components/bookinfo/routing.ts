/**
 * Bookinfo's routing variants: layering and validation; the VirtualService and DestinationRule
 * specs come from the generic builder (applications/routing.ts). Pure functions.
 */
import type { DestinationRuleSpec, VirtualServiceSpec } from "../crds";
import { destinationRuleSpec, subsetIssues, virtualServiceSpec } from "../applications/routing";
import { DURATION, validHeaderMatch } from "../applications/rules";
import { toRoute } from "./application";
import { DeployedVersions, SERVICES, ServiceName } from "./catalogue";

export { subsetIssues };
import { CUSTOM_VARIANT, RouteRule, ServiceRoutes, VARIANTS, VARIANT_NAMES } from "./variants";

/** A problem in the routing config, attributed to the layer (variant name) that caused it. */
export interface RoutingIssue {
    /** The variant (or `custom`) the problem comes from; undefined for the layered result. */
    layer?: string;
    /** The position in `bookinfo.routing` of the variant the problem is about, when it is one item. */
    index?: number;
    service?: ServiceName;
    message: string;
}

/** The routes in effect once every layer is applied, with the layer each service's routes came from. */
export interface LayeredRoutes {
    routes: ServiceRoutes;
    origin: Partial<Record<ServiceName, string>>;
}

/**
 * Applies the variants in order, the way the Istio tasks apply one file after another: each later
 * variant replaces the routes of the services it names and leaves the others alone.
 */
export function layerVariants(
    names: readonly string[],
    custom: ServiceRoutes = {},
): { layered: LayeredRoutes; issues: RoutingIssue[] } {
    const issues: RoutingIssue[] = [];
    const layered: LayeredRoutes = { routes: {}, origin: {} };
    if (names.length === 0) {
        issues.push({ message: `is empty; list at least one variant (${validLayerNames()})` });
    }
    names.forEach((name, index) => {
        const variant = name === CUSTOM_VARIANT ? { routes: custom } : VARIANTS[name];
        if (variant === undefined) {
            issues.push({
                layer: name,
                index,
                message: `unknown routing variant ${JSON.stringify(name)}; valid variants: ${validLayerNames()}`,
            });
            return;
        }
        for (const service of SERVICES) {
            const rules = variant.routes[service];
            if (rules !== undefined) {
                layered.routes[service] = rules;
                layered.origin[service] = name;
            }
        }
    });
    return { layered, issues };
}

function validLayerNames(): string {
    return [...VARIANT_NAMES, CUSTOM_VARIANT].join(", ");
}

/** The versions each service's routes send traffic to (weight above zero). */
export function routedVersions(routes: ServiceRoutes): DeployedVersions {
    const out = Object.fromEntries(SERVICES.map((s) => [s, [] as string[]])) as DeployedVersions;
    for (const service of SERVICES) {
        for (const rule of routes[service] ?? []) {
            for (const [version, weight] of Object.entries(rule.split)) {
                if (weight > 0 && !out[service].includes(version)) {
                    out[service].push(version);
                }
            }
        }
    }
    return out;
}

function validPercent(p: number): boolean {
    return Number.isFinite(p) && p > 0 && p <= 100;
}

/** Checks one service's rules on their own (shape, weights, matches, faults, timeouts). */
export function ruleIssues(rules: readonly RouteRule[]): string[] {
    const out: string[] = [];
    if (rules.length === 0) {
        return ["has no rules; give at least one route"];
    }
    rules.forEach((rule, i) => {
        const at = rules.length > 1 ? `rule ${i + 1}: ` : "";
        const entries = Object.entries(rule.split);
        if (entries.length === 0) {
            out.push(`${at}routes to no version`);
        }
        for (const [version, weight] of entries) {
            if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
                out.push(
                    `${at}weight of ${version} must be a whole number from 0 to 100, got ${JSON.stringify(weight)}`,
                );
            }
        }
        const total = entries.reduce((sum, [, w]) => sum + (Number.isFinite(w) ? w : 0), 0);
        if (entries.length > 0 && total !== 100) {
            const shown = entries.map(([v, w]) => `${v}=${w}`).join(", ");
            out.push(`${at}weights must add up to 100, got ${total} (${shown})`);
        }
        for (const [name, match] of Object.entries(rule.headers ?? {})) {
            const problem = validHeaderMatch(name, match);
            if (problem) {
                out.push(`${at}${problem}`);
            }
        }
        if (rule.headers !== undefined && Object.keys(rule.headers).length === 0) {
            out.push(`${at}has an empty header match; leave it out for a catch-all rule`);
        }
        if (rule.delay) {
            if (!DURATION.test(rule.delay.fixedDelay)) {
                out.push(
                    `${at}delay ${JSON.stringify(rule.delay.fixedDelay)} is not a duration such as 7s or 500ms`,
                );
            }
            if (!validPercent(rule.delay.percent)) {
                out.push(`${at}delay percentage must be above 0 and at most 100, got ${rule.delay.percent}`);
            }
        }
        if (rule.abort) {
            const s = rule.abort.httpStatus;
            if (!Number.isInteger(s) || s < 200 || s > 599) {
                out.push(`${at}abort status must be an HTTP status from 200 to 599, got ${s}`);
            }
            if (!validPercent(rule.abort.percent)) {
                out.push(`${at}abort percentage must be above 0 and at most 100, got ${rule.abort.percent}`);
            }
        }
        if (rule.timeout !== undefined && !DURATION.test(rule.timeout)) {
            out.push(`${at}timeout ${JSON.stringify(rule.timeout)} is not a duration such as 0.5s`);
        }
    });
    const last = rules[rules.length - 1];
    if (last.headers !== undefined) {
        out.push("the last rule must match every request (no headers), or other requests get 404");
    }
    rules.slice(0, -1).forEach((rule, i) => {
        if (rule.headers === undefined) {
            out.push(`rule ${i + 1} matches every request, so the rules after it are never used`);
        }
    });
    return out;
}

/**
 * Every problem with the layered routes: malformed rules (attributed to the layer that set them)
 * and routes to versions that are not deployed.
 */
export function routingIssues(layered: LayeredRoutes, deployed: DeployedVersions): RoutingIssue[] {
    const out: RoutingIssue[] = [];
    for (const service of SERVICES) {
        const rules = layered.routes[service];
        if (rules === undefined) {
            continue;
        }
        const layer = layered.origin[service];
        for (const message of ruleIssues(rules)) {
            out.push({ layer, service, message });
        }
        for (const version of routedVersions({ [service]: rules })[service]) {
            if (!deployed[service].includes(version)) {
                out.push({
                    layer,
                    service,
                    message: `routes to ${service} ${version}, which is not deployed (deployed: ${deployed[service].join(", ") || "none"})`,
                });
            }
        }
    }
    return out;
}

/**
 * Every routing object of Bookinfo (all four HTTP services, whether routed or not), built by the
 * generic builder from the layered routes.
 */
export function routingObjects(routes: ServiceRoutes, versions: DeployedVersions): RoutingObjects {
    const services = SERVICES.map((service) => ({
        service,
        destinationRule: destinationRuleSpec(service, versions[service]),
        virtualService: virtualServiceSpec(service, routes[service]?.map(toRoute)),
    }));
    const problems = subsetIssues(
        services.map((s) => s.virtualService),
        services.map((s) => s.destinationRule),
    );
    if (problems.length > 0) {
        throw new Error(`Bookinfo routing is inconsistent:\n  ${problems.join("\n  ")}`);
    }
    return { services };
}

export interface RoutingObjects {
    /** Per service: its DestinationRule and its VirtualService (both named after the service). */
    services: {
        service: ServiceName;
        destinationRule: DestinationRuleSpec;
        virtualService: VirtualServiceSpec;
    }[];
}
