import { ConfigReader, DNS_LABEL, show } from "../../config/reader";
import { ACCESS_MODES, AccessSettings } from "./access";
import {
    DEFAULT_VERSIONS,
    DeployedVersions,
    SERVICES,
    ServiceName,
    WORKLOADS,
    knownVersions,
    workloadId,
} from "./catalogue";
import type { DataPlane } from "../applications/model";
import { applicationDataPlane } from "../istio/config";
import { gammaIssues } from "../applications/gamma";
import { toRoute } from "./application";
import { LayeredRoutes, layerVariants, routedVersions, routingIssues } from "./routing";
import { CUSTOM_VARIANT, RouteRule, ServiceRoutes } from "./variants";

export interface BookinfoConfig {
    enabled: boolean;
    namespace: string;
    /** Hosts the ingress Gateway and its VirtualService answer for ("*" = any). */
    hosts: string[];
    /** The variant names as configured, applied in order. */
    routing: string[];
    /** The routes in effect after layering (a service absent here has no variant route). */
    routes: ServiceRoutes;
    /** The versions deployed: `bookinfo.versions`, or the upstream set plus whatever is routed to. */
    versions: DeployedVersions;
    access: AccessSettings;
    /**
     * `bookinfo.dataPlane`, default `mesh.dataPlane`: sidecar (VirtualServices) or ambient
     * (HTTPRoutes and L7 policies on a waypoint).
     */
    dataPlane: DataPlane;
}

/** A DNS name (labels of at most 63 characters, RFC 1123), "*." in front allowed, or "*". */
const HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/;

/** The `<app>-<version>` names `bookinfo.versions` accepts. */
export function selectableWorkloads(): string[] {
    return WORKLOADS.filter((w) => (SERVICES as readonly string[]).includes(w.app)).map(workloadId);
}

/** `bookinfo.customWeights`: `{ <service>: { <version>: <weight> } }`, one weighted route per service. */
function customRoutes(r: ConfigReader): ServiceRoutes {
    const key = "bookinfo.customWeights";
    const raw = r.structured(key);
    if (raw === undefined || raw === null || raw === "") {
        return {};
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        r.error(key, `expected a map of service to {version: weight}, got ${show(raw)}`);
        return {};
    }
    const out: ServiceRoutes = {};
    for (const [service, split] of Object.entries(raw as Record<string, unknown>)) {
        if (!(SERVICES as readonly string[]).includes(service)) {
            r.error(`${key}.${service}`, `unknown service; services: ${SERVICES.join(", ")}`);
            continue;
        }
        if (split === null || typeof split !== "object" || Array.isArray(split)) {
            r.error(
                `${key}.${service}`,
                `expected a map of version to weight, e.g. {v1: 80, v2: 20}, got ${show(split)}`,
            );
            continue;
        }
        const weights: Record<string, number> = {};
        for (const [version, w] of Object.entries(split as Record<string, unknown>)) {
            const n =
                typeof w === "number"
                    ? w
                    : typeof w === "string" && /^-?\d+$/.test(w.trim())
                      ? Number(w)
                      : NaN;
            if (!knownVersions(service as ServiceName).includes(version)) {
                r.error(
                    `${key}.${service}.${version}`,
                    `unknown version of ${service}; versions: ${knownVersions(service as ServiceName).join(", ")}`,
                );
            } else if (!Number.isInteger(n)) {
                r.error(`${key}.${service}.${version}`, `expected a whole-number weight, got ${show(w)}`);
            } else {
                weights[version] = n;
            }
        }
        const rule: RouteRule = { split: weights };
        out[service as ServiceName] = [rule];
    }
    return out;
}

function explicitVersions(r: ConfigReader, list: string[]): DeployedVersions {
    const valid = selectableWorkloads();
    const out = Object.fromEntries(SERVICES.map((s) => [s, [] as string[]])) as DeployedVersions;
    const unknown: string[] = [];
    list.forEach((id, i) => {
        const w = WORKLOADS.find(
            (x) => workloadId(x) === id && (SERVICES as readonly string[]).includes(x.app),
        );
        if (w === undefined) {
            unknown.push(id);
            r.error(
                `bookinfo.versions[${i}]`,
                `${show(id)} is not a Bookinfo workload; valid: ${valid.join(", ")}`,
            );
            return;
        }
        out[w.app as ServiceName].push(w.version);
    });
    // A misspelt entry for a service ("reviews-v9") was reported already; "deploys no version of
    // reviews" would restate it. A service no entry is meant for is still reported.
    const meant = (service: string) => unknown.some((id) => id.startsWith(`${service}-`));
    for (const service of SERVICES) {
        if (out[service].length === 0 && !meant(service)) {
            r.error(
                "bookinfo.versions",
                `deploys no version of ${service}; list at least one of ${knownVersions(service)
                    .map((v) => `${service}-${v}`)
                    .join(", ")} (or leave bookinfo.versions empty for the default set)`,
            );
        }
    }
    return out;
}

function union(a: DeployedVersions, b: DeployedVersions): DeployedVersions {
    return Object.fromEntries(
        SERVICES.map((s) => [s, knownVersions(s).filter((v) => a[s].includes(v) || b[s].includes(v))]),
    ) as DeployedVersions;
}

/**
 * What Bookinfo's routes cannot do in ambient mode, attributed to the variant (or
 * `bookinfo.customWeights`) that set them: routes without an HTTPRoute form (faults, for the
 * fault-injection variants), and details v2, whose Google Books calls need a sidecar to
 * originate TLS.
 */
function ambientIssues(
    r: ConfigReader,
    layered: LayeredRoutes,
    versions: DeployedVersions,
    listed: boolean,
): void {
    for (const service of SERVICES) {
        const rules = layered.routes[service];
        const layer = layered.origin[service];
        for (const issue of rules === undefined ? [] : gammaIssues(rules.map(toRoute))) {
            const key = layer === CUSTOM_VARIANT ? `bookinfo.customWeights.${service}` : "bookinfo.routing";
            const from = layer === CUSTOM_VARIANT ? "" : `variant ${JSON.stringify(layer)}, `;
            const rule =
                issue.index === undefined
                    ? ""
                    : `rule ${issue.index + 1}${issue.field ? ` (${issue.field})` : ""}: `;
            r.error(
                key,
                `${from}${service}: ${rule}${issue.message}; choose variants without it, or keep ` +
                    `Bookinfo on sidecars with bookinfo.dataPlane "sidecar" (in ambient mode, docs/ambient.md)`,
            );
        }
    }
    if (versions.details.includes("v2")) {
        r.error(
            listed ? "bookinfo.versions" : "bookinfo.routing",
            `details v2 calls the Google Books API over plain HTTP for the sidecar to originate TLS, and ` +
                `ambient pods have no sidecar; leave details v2 out, or keep Bookinfo on sidecars with ` +
                `bookinfo.dataPlane "sidecar" (docs/ambient.md)`,
        );
    }
}

export function parseBookinfoConfig(r: ConfigReader, meshDataPlane: DataPlane): BookinfoConfig {
    const enabled = r.bool("bookinfo.enabled");
    const value = r.optionalString("bookinfo.dataPlane");
    const plane = applicationDataPlane(value, meshDataPlane);
    // A bad value is reported in any case; that ambient needs the ambient mesh, only when deployed.
    if ("error" in plane && (enabled || "error" in applicationDataPlane(value, "ambient"))) {
        r.error("bookinfo.dataPlane", plane.error);
    }
    const dataPlane = "dataPlane" in plane ? plane.dataPlane : meshDataPlane;
    const namespace = r.string("bookinfo.namespace", {
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label (letters, digits, '-')",
        maxLength: 63,
    });
    if (namespace === "") {
        r.error("bookinfo.namespace", "must not be empty");
    }
    const hosts = r.stringList("bookinfo.hosts", {
        pattern: HOST,
        maxLength: 253,
        patternHint: `"*" or a DNS name such as bookinfo.example.com (optionally "*." in front; labels of at most 63 characters)`,
    });
    if (hosts.length === 0) {
        r.error("bookinfo.hosts", `is empty; use ["*"] to answer for any host`);
    }
    const before = r.issues.length;
    const routing = r.stringList("bookinfo.routing");
    const routingReadable = r.issues.length === before;
    const custom = customRoutes(r);
    const usesCustom = routing.includes(CUSTOM_VARIANT);
    if (Object.keys(custom).length > 0 && !usesCustom) {
        r.error(
            "bookinfo.customWeights",
            `is set but bookinfo.routing (${routing.join(", ")}) does not include "${CUSTOM_VARIANT}"; add it where the weights should apply`,
        );
    }
    if (
        usesCustom &&
        Object.keys(custom).length === 0 &&
        r.structured("bookinfo.customWeights") === undefined
    ) {
        r.error("bookinfo.routing", `names "${CUSTOM_VARIANT}" but bookinfo.customWeights is not set`);
    }

    const { layered, issues } = layerVariants(routing, custom);
    // An unreadable list was reported already; do not also call it empty.
    for (const issue of routingReadable ? issues : []) {
        r.error(
            issue.index === undefined ? "bookinfo.routing" : `bookinfo.routing[${issue.index}]`,
            issue.message,
        );
    }

    const listed = r.stringList("bookinfo.versions");
    const versions =
        listed.length > 0
            ? explicitVersions(r, listed)
            : union(DEFAULT_VERSIONS, routedVersions(layered.routes));
    // Routes to versions a misspelt bookinfo.versions entry left out would restate that entry.
    for (const issue of r.hasIssue("bookinfo.versions") ? [] : routingIssues(layered, versions)) {
        const key =
            issue.layer === CUSTOM_VARIANT ? `bookinfo.customWeights.${issue.service}` : "bookinfo.routing";
        const from = issue.layer === CUSTOM_VARIANT ? "" : `variant ${JSON.stringify(issue.layer)}, `;
        r.error(key, `${from}${issue.service}: ${issue.message}`);
    }

    if (
        enabled &&
        dataPlane === "ambient" &&
        !r.hasIssue("bookinfo.routing") &&
        !r.hasIssue("bookinfo.versions")
    ) {
        ambientIssues(r, layered, versions, listed.length > 0);
    }

    const denyRatingsFromReviewsV3 = r.bool("bookinfo.denyRatingsFromReviewsV3");
    if (denyRatingsFromReviewsV3 && !versions.reviews.includes("v3") && !r.hasIssue("bookinfo.versions")) {
        r.error(
            "bookinfo.denyRatingsFromReviewsV3",
            "is true but reviews v3 is not deployed (bookinfo.versions)",
        );
    }

    return {
        enabled,
        namespace,
        hosts,
        routing,
        routes: layered.routes,
        versions,
        access: {
            mode: r.choice("bookinfo.access", ACCESS_MODES),
            denyRatingsFromReviewsV3,
        },
        dataPlane,
    };
}
