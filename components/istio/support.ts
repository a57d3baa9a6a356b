/**
 * What the first part of ambient and Gateway API support (docs/ambient.md) can render, checked
 * across components. A combination that would deploy but silently not work is refused, with what
 * is missing and what to set instead: Bookinfo's routes and policies are L7 objects, which in
 * ambient need a waypoint and HTTPRoutes (not built yet), and Gateway API ingress for Bookinfo and
 * the addon UIs is not built either.
 */
import type { ConfigIssue } from "../../config/reader";
import type { BookinfoConfig } from "../bookinfo/config";
import { exposedUis } from "../observability/access";
import type { ObservabilityConfig } from "../observability/config";
import type { IstioConfig } from "./config";

export interface SupportInput {
    istio: Pick<IstioConfig, "dataPlane" | "gatewayApi">;
    bookinfo: Pick<BookinfoConfig, "enabled" | "routing" | "access">;
    observability: ObservabilityConfig;
}

export function dataPlaneIssues(cfg: SupportInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const { dataPlane, gatewayApi } = cfg.istio;
    if (cfg.bookinfo.enabled && dataPlane === "ambient") {
        // ztunnel enforces L4 only: the routing VirtualServices would not apply without a
        // waypoint, and an ALLOW rule that matches HTTP methods (zero-trust) cannot be met at L4.
        const access =
            cfg.bookinfo.access.mode === "zero-trust"
                ? `, and its zero-trust policies match HTTP methods (L7), which ztunnel cannot enforce`
                : "";
        issues.push({
            key: "bookinfo.enabled",
            message:
                `Bookinfo is not supported yet with mesh.dataPlane "ambient": its routing ` +
                `(bookinfo.routing ${JSON.stringify(cfg.bookinfo.routing)}) needs a waypoint and ` +
                `HTTPRoutes, which are not built yet${access}. Set bookinfo.enabled to false, or ` +
                `keep mesh.dataPlane "sidecar" (docs/ambient.md)`,
        });
    }
    if (gatewayApi === "gateway-api") {
        const what = "is not built yet: it would still be an Istio Gateway";
        if (cfg.bookinfo.enabled) {
            issues.push({
                key: "bookinfo.enabled",
                message:
                    `with gateway.api "gateway-api", Bookinfo's ingress as a Gateway API Gateway and ` +
                    `HTTPRoutes ${what}. Set bookinfo.enabled to false, or keep gateway.api "istio" ` +
                    `(docs/ambient.md)`,
            });
        }
        for (const ui of exposedUis(cfg.observability)) {
            issues.push({
                key: `observability.${ui}.ingress.enabled`,
                message:
                    `with gateway.api "gateway-api", the ${ui} UI's ingress as a Gateway API Gateway ` +
                    `and HTTPRoute ${what}. Set observability.${ui}.ingress.enabled to false, or ` +
                    `keep gateway.api "istio" (docs/ambient.md)`,
            });
        }
    }
    return issues;
}
