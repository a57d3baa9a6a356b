/**
 * What needs a waypoint, written once for the two sides that use one in ambient: routing (an
 * HTTPRoute bound to a Service is programmed on the waypoint) and access (an AuthorizationPolicy
 * with L7 attributes is enforced only there). Each service listed is enrolled in its namespace's
 * waypoint (`istio.io/use-waypoint`); the others are left to ztunnel alone, so that their L4
 * policies keep seeing the callers' own identities.
 */
import { AccessContext, policyLayer, selectedService, workloadPolicies } from "./access";
import { ApplicationSpec, ServiceSpec, isHttp } from "./model";

/**
 * An HTTP service with routes or resilience settings: in ambient an HTTPRoute bound to a Service
 * is applied only by its waypoint (gamma.ts), and so are DestinationRule connection pools and
 * outlier detection (Envoy features; ztunnel ignores them).
 */
export function routingNeedsWaypoint(s: ServiceSpec): boolean {
    return isHttp(s) && (s.routes !== undefined || s.resilience !== undefined);
}

/** Services whose access policies match L7 attributes (HTTP methods, paths, headers). */
export function l7AccessServices(ctx: AccessContext): string[] {
    const out = new Set<string>();
    for (const p of workloadPolicies(ctx)) {
        const service = selectedService(p.spec);
        if (service !== undefined && policyLayer(p.spec) === "L7") {
            out.add(service);
        }
    }
    return [...out];
}

/** The application's access context as far as the waypoint is concerned (no ingress identity needed). */
function accessOf(app: WaypointInput): AccessContext {
    return {
        mode: app.access,
        namespace: app.namespace,
        services: app.services,
        ingress: app.ingress,
        denies: app.denies,
        gateway: { namespace: "", serviceAccount: "" },
    };
}

export type WaypointInput = Pick<ApplicationSpec, "namespace" | "services" | "ingress" | "access" | "denies">;

/** The services to enrol in the waypoint, in service order. */
export function waypointServices(app: WaypointInput): string[] {
    const l7 = new Set(l7AccessServices(accessOf(app)));
    return app.services.filter((s) => routingNeedsWaypoint(s) || l7.has(s.name)).map((s) => s.name);
}

/** Whether the application needs a waypoint in its namespace when it runs in ambient. */
export function needsWaypoint(app: WaypointInput): boolean {
    return waypointServices(app).length > 0;
}
