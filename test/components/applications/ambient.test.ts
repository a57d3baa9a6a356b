import * as assert from "assert";
import { WAYPOINT } from "../../../components/shared/names";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { applicationsOverride, shopApplications } from "../../support/applications";
import { byType, evaluateStack } from "../../support/stacks";
import {
    DEPLOYMENT,
    DESTINATION_RULE,
    HTTP_ROUTE,
    KUBERNETES_GATEWAY,
    NAMESPACE,
    SERVICE,
    VIRTUAL_SERVICE,
} from "../../support/types";

type Meta = { name: string; namespace?: string; labels?: Record<string, string> };
const meta = (r: CapturedResource) => r.inputs.metadata as Meta;

/** The shop example as ambient supports it: no fault, no retries, access open. */
function ambientShop(): Record<string, unknown> {
    return shopApplications((apps) => {
        const shop = apps.shop as { access?: string; routes: { cart: Record<string, unknown>[] } };
        shop.access = "open";
        delete shop.routes.cart[1].fault;
        delete shop.routes.cart[1].retries;
    });
}

function evaluateShop(dataPlane: "sidecar" | "ambient"): Promise<Evaluation> {
    return evaluateStack("dev", [
        { key: "bookinfo.enabled", value: "false" },
        { key: "mesh.dataPlane", value: dataPlane },
        ...applicationsOverride(ambientShop()),
    ]);
}

function inShop(ev: Evaluation, type: string): Map<string, CapturedResource> {
    return new Map(
        byType(ev, type)
            .filter((r) => meta(r).namespace === "shop")
            .map((r) => [meta(r).name, r]),
    );
}

describe("applications in ambient mode", () => {
    it("labels the namespace ambient and routes with HTTPRoutes on a waypoint instead of VirtualServices", async () => {
        const ev = await evaluateShop("ambient");
        const ns = byType(ev, NAMESPACE).find((n) => meta(n).name === "shop");
        assert.deepStrictEqual(meta(ns as CapturedResource).labels, { "istio.io/dataplane-mode": "ambient" });
        assert.deepStrictEqual([...inShop(ev, KUBERNETES_GATEWAY).keys()], [WAYPOINT.name]);
        assert.deepStrictEqual([...inShop(ev, HTTP_ROUTE).keys()], ["cart"]);
        assert.deepStrictEqual(
            [...inShop(ev, VIRTUAL_SERVICE).keys()],
            ["shop-ingress"],
            "only the ingress route on the ingress gateway",
        );
        const services = inShop(ev, SERVICE);
        assert.deepStrictEqual([...services.keys()].sort(), ["cart", "cart-v1", "cart-v2", "web", "web-v1"]);
        // Only what needs L7 is enrolled: cart has routes and resilience, web has neither.
        assert.strictEqual(
            meta(services.get("cart") as CapturedResource).labels?.[WAYPOINT.useLabel],
            WAYPOINT.name,
        );
        assert.strictEqual(
            meta(services.get("web") as CapturedResource).labels?.[WAYPOINT.useLabel],
            undefined,
        );
        // Resilience for every host the waypoint sends cart's traffic to, without subsets.
        const drs = inShop(ev, DESTINATION_RULE);
        assert.deepStrictEqual([...drs.keys()].sort(), ["cart", "cart-v1", "cart-v2"]);
        for (const dr of drs.values()) {
            const spec = dr.inputs.spec as { host: string; subsets?: unknown; trafficPolicy?: unknown };
            assert.strictEqual(spec.host, meta(dr).name);
            assert.strictEqual(spec.subsets, undefined);
            assert.ok(spec.trafficPolicy);
        }
        // The route waits for its backends and the versions they select.
        const route = inShop(ev, HTTP_ROUTE).get("cart") as CapturedResource;
        const deployments = inShop(ev, DEPLOYMENT);
        for (const dep of [
            services.get("cart-v1"),
            services.get("cart-v2"),
            deployments.get("cart-v1"),
            deployments.get("cart-v2"),
        ]) {
            assert.ok(dep && route.dependsOn.includes(dep.urn), `waits for ${dep?.name}`);
        }
    });

    it("shows the same route rows in both data planes", async () => {
        const rows = async (dp: "sidecar" | "ambient") =>
            ((await evaluateShop(dp)).outputs.applications as { application: string }[]).filter(
                (r) => r.application === "shop",
            );
        const ambient = await rows("ambient");
        assert.ok(ambient.length >= 3, JSON.stringify(ambient));
        assert.deepStrictEqual(ambient, await rows("sidecar"));
    });

    it("deploys no waypoint where nothing needs L7", async () => {
        const ev = await evaluateStack("dev", [
            { key: "bookinfo.enabled", value: "false" },
            { key: "mesh.dataPlane", value: "ambient" },
            ...applicationsOverride(
                shopApplications((apps) => {
                    const shop = apps.shop as Record<string, unknown>;
                    shop.access = "open";
                    delete shop.routes;
                    delete shop.resilience;
                }),
            ),
        ]);
        assert.deepStrictEqual(byType(ev, KUBERNETES_GATEWAY), []);
        assert.deepStrictEqual(byType(ev, HTTP_ROUTE), []);
        for (const s of inShop(ev, SERVICE).values()) {
            assert.strictEqual(meta(s).labels?.[WAYPOINT.useLabel], undefined, meta(s).name);
        }
    });
});
