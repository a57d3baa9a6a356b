/**
 * Bookinfo as an application description: the catalogue, the layered routing variants and the
 * lab rules turned into the data the generic Application component builds from.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ApplicationSpec, EgressSpec, Route, ServiceSpec, VersionSpec } from "../applications/model";
import type { AccessSettings } from "./access";
import { HTTP_PORT, MONGODB, Workload, deployedWorkloads, imageOf } from "./catalogue";
import type { BookinfoConfig } from "./config";
import { GOOGLE_APIS } from "./egress";
import { BOOKINFO_GATEWAY, BOOKINFO_INGRESS_ROUTE, BOOKINFO_PATHS } from "./ingress";
import { REQUEST_PROFILES, RouteRule, ServiceRoutes } from "./variants";

/** The type Bookinfo's component had before it became an Application (its children keep their names). */
export const FORMER_TYPE = "istio-mesh:bookinfo:Bookinfo";

/** How each service lets its callers in: read-only for the HTTP services, connection-level for MongoDB. */
const CALLERS: Record<string, ServiceSpec["callers"]> = {
    details: { policyName: "details-viewer", methods: ["GET", "HEAD"] },
    reviews: { policyName: "reviews-viewer", methods: ["GET", "HEAD"] },
    ratings: { policyName: "ratings-viewer", methods: ["GET", "HEAD"] },
    [MONGODB.service]: { policyName: `${MONGODB.service}-clients` },
};

export function toRoute(rule: RouteRule): Route {
    return {
        ...(rule.headers !== undefined ? { match: { headers: rule.headers } } : {}),
        weights: rule.split,
        ...(rule.timeout !== undefined ? { timeout: rule.timeout } : {}),
        ...(rule.delay || rule.abort
            ? {
                  fault: {
                      ...(rule.delay ? { delay: rule.delay } : {}),
                      ...(rule.abort ? { abort: rule.abort } : {}),
                  },
              }
            : {}),
    };
}

function version(w: Workload): VersionSpec {
    return {
        name: w.version,
        image: imageOf(w),
        serviceAccount: w.serviceAccount,
        env: w.env,
        calls: w.calls,
    };
}

/** The deployed workloads grouped into services, in catalogue order, with their routes. */
export function bookinfoServices(workloads: readonly Workload[], routes: ServiceRoutes = {}): ServiceSpec[] {
    const apps = [...new Set(workloads.map((w) => w.app))];
    return apps.map((app) => {
        const ws = workloads.filter((w) => w.app === app);
        const first = ws[0];
        const tcp = app === MONGODB.service;
        const port = tcp ? MONGODB.port : HTTP_PORT;
        const rules = tcp ? undefined : routes[app];
        return {
            name: app,
            port,
            targetPort: port,
            protocol: tcp ? "tcp" : "http",
            portName: tcp ? MONGODB.portName : "http",
            versions: ws.map(version),
            replicas: 1,
            resources: first.resources,
            ...(tcp ? {} : { healthPath: "/health" }),
            scratch: first.scratch,
            ...(first.annotations ? { annotations: first.annotations } : {}),
            ...(first.runAsUser !== undefined ? { runAsUser: first.runAsUser } : {}),
            ...(first.args ? { args: first.args } : {}),
            ...(rules !== undefined ? { routes: rules.map(toRoute) } : {}),
            ...(CALLERS[app] !== undefined ? { callers: CALLERS[app] } : {}),
        } satisfies ServiceSpec;
    });
}

/** The lab rule as a DENY rule, when reviews v3 runs (under its own identity). */
export function bookinfoDenies(
    access: AccessSettings,
    workloads: readonly Workload[],
): ApplicationSpec["denies"] {
    const reviewsV3 = workloads.find((w) => w.app === "reviews" && w.version === "v3");
    return access.denyRatingsFromReviewsV3 && reviewsV3 !== undefined
        ? [
              {
                  name: "ratings-deny-reviews-v3",
                  service: "ratings",
                  serviceAccounts: [reviewsV3.serviceAccount],
              },
          ]
        : [];
}

export function bookinfoApplication(cfg: BookinfoConfig): ApplicationSpec {
    const workloads = deployedWorkloads(cfg.versions);
    // details v2 calls the Google Books API.
    const egress: EgressSpec[] = cfg.versions.details.includes("v2") ? [GOOGLE_APIS] : [];
    return {
        name: "bookinfo",
        namespace: cfg.namespace,
        dataPlane: cfg.dataPlane,
        services: bookinfoServices(workloads, cfg.routes),
        ingress: {
            service: "productpage",
            hosts: cfg.hosts,
            paths: BOOKINFO_PATHS,
            gatewayName: BOOKINFO_GATEWAY,
            routeName: BOOKINFO_INGRESS_ROUTE,
        },
        access: cfg.access.mode,
        denies: bookinfoDenies(cfg.access, workloads),
        egress,
        profiles: [...REQUEST_PROFILES],
    };
}

/** The egress objects' names before Bookinfo became an Application, under its former parent. */
export function formerEgressNames(
    name: string,
    createUrn: (name: string, type: string) => pulumi.Output<string>,
): Record<string, pulumi.Alias[]> {
    const parent = createUrn(name, FORMER_TYPE);
    const entry = `${name}-egress-${GOOGLE_APIS.name}`;
    return {
        [entry]: [{ name: `${name}-egress-entry`, parent }],
        [`${entry}-route`]: [{ name: `${name}-egress-route`, parent }],
        [`${entry}-tls`]: [{ name: `${name}-egress-tls`, parent }],
    };
}
