/**
 * What the first part of ambient and Gateway API support (docs/ambient.md) can render, checked
 * across components. A combination that would deploy but silently not work is refused, with what
 * is missing and what to set instead: Bookinfo's zero-trust policies are L7 rules, which in
 * ambient need to target a waypoint (not built yet). Bookinfo's routing in ambient is built
 * (HTTPRoutes on a waypoint); what its variants cannot express there is refused by the Bookinfo
 * config (bookinfo/config.ts). Gateway API ingress (`gateway.api: gateway-api`) is built for
 * Bookinfo, applications and the addon UIs, so nothing is refused for it here.
 */
import type { ConfigIssue } from "../../config/reader";
import type { BookinfoConfig } from "../bookinfo/config";
import type { IstioConfig } from "./config";

export interface SupportInput {
    istio: Pick<IstioConfig, "dataPlane">;
    bookinfo: Pick<BookinfoConfig, "enabled" | "routing" | "access">;
}

export function dataPlaneIssues(cfg: SupportInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const { dataPlane } = cfg.istio;
    if (cfg.bookinfo.enabled && dataPlane === "ambient" && cfg.bookinfo.access.mode === "zero-trust") {
        // Its ALLOW rules match HTTP methods (L7): enforced by ztunnel, which sees L4 only, they
        // would deny every call. Routing works (waypoint and HTTPRoutes, applications/gamma.ts);
        // zero-trust in ambient comes with L7 policies on the waypoint (targetRefs).
        issues.push({
            key: "bookinfo.access",
            message:
                `"zero-trust" is not supported yet with mesh.dataPlane "ambient": its policies allow ` +
                `by HTTP method (L7), which ztunnel cannot enforce, so every call would be denied. ` +
                `Set bookinfo.access to "open", or keep mesh.dataPlane "sidecar" (docs/ambient.md)`,
        });
    }
    if (cfg.bookinfo.enabled && dataPlane === "ambient" && cfg.bookinfo.access.denyRatingsFromReviewsV3) {
        // ratings is enrolled in the waypoint (it has routes): its ztunnel sees the waypoint's
        // identity as the caller, never reviews v3's, so this selector policy would never match.
        issues.push({
            key: "bookinfo.denyRatingsFromReviewsV3",
            message:
                `is not supported yet with mesh.dataPlane "ambient": calls to ratings pass its waypoint, ` +
                `so ratings sees the waypoint's identity and never reviews v3's, and the rule would deny ` +
                `nothing. Set it to false, or keep mesh.dataPlane "sidecar" (docs/ambient.md)`,
        });
    }
    return issues;
}
