import * as assert from "assert";
import { applicationDataPlane } from "../../../components/istio/config";
import { WAYPOINT } from "../../../components/shared/names";
import { Evaluation } from "../../../tools/lib/mockRuntime";
import { applicationsOverride, shopApplications } from "../../support/applications";
import { byType, configIssues, evaluateStack } from "../../support/stacks";
import {
    AUTHORIZATION_POLICY as AUTHZ,
    CHART,
    HTTP_ROUTE,
    NAMESPACE,
    VIRTUAL_SERVICE as VS,
} from "../../support/types";

interface Meta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
}
const meta = (r: { inputs: Record<string, unknown> }) => r.inputs.metadata as Meta;

function namespaceLabels(ev: Evaluation, ns: string): Record<string, string> {
    const found = byType(ev, NAMESPACE).find((r) => meta(r).name === ns);
    assert.ok(found, `no Namespace ${ns}`);
    return meta(found).labels ?? {};
}

function kindsIn(ev: Evaluation, type: string, ns: string): string[] {
    return byType(ev, type)
        .filter((r) => meta(r).namespace === ns)
        .map((r) => meta(r).name)
        .sort();
}

/** The shop example without what HTTPRoutes cannot express (a fault, retries). */
export function ambientShop(): Record<string, unknown> {
    return shopApplications((apps) => {
        const rule = (apps.shop as { routes: { cart: Record<string, unknown>[] } }).routes.cart[1];
        delete rule.fault;
        delete rule.retries;
    });
}

describe("per-application data plane (sidecar to ambient, namespace by namespace)", () => {
    it("follows mesh.dataPlane unless set; ambient needs the ambient mesh; anything else is refused", () => {
        assert.deepStrictEqual(applicationDataPlane(undefined, "ambient"), { dataPlane: "ambient" });
        assert.deepStrictEqual(applicationDataPlane("", "sidecar"), { dataPlane: "sidecar" });
        assert.deepStrictEqual(applicationDataPlane("sidecar", "ambient"), { dataPlane: "sidecar" });
        assert.deepStrictEqual(applicationDataPlane("ambient", "ambient"), { dataPlane: "ambient" });
        const early = applicationDataPlane("ambient", "sidecar");
        assert.ok(
            "error" in early && /needs mesh\.dataPlane "ambient": ztunnel and istio-cni/.test(early.error),
        );
        const bogus = applicationDataPlane("sidecarless", "ambient");
        assert.ok(
            "error" in bogus &&
                /"sidecarless" is not allowed; allowed values: sidecar, ambient/.test(bogus.error),
        );
    });

    it("refuses each bad value at its key, Bookinfo's and an application's, all at once", () => {
        const issues = configIssues("dev", {
            "bookinfo.dataPlane": "ambient",
            ...Object.fromEntries(
                applicationsOverride(
                    shopApplications((apps) => {
                        (apps.shop as Record<string, unknown>).dataPlane = "ztunnel";
                    }),
                ).map((o) => [o.key, o.value]),
            ),
        });
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["bookinfo.dataPlane", "applications.shop.dataPlane"],
        );
        assert.match(issues[0].message, /"ambient" needs mesh\.dataPlane "ambient"/);
        assert.match(issues[1].message, /"ztunnel" is not allowed/);
        // A disabled Bookinfo's value is still checked, but needs no ambient mesh.
        assert.deepStrictEqual(
            configIssues("dev", { "bookinfo.enabled": false, "bookinfo.dataPlane": "x" }).map((i) => i.key),
            ["bookinfo.dataPlane"],
        );
        assert.deepStrictEqual(
            configIssues("dev", { "bookinfo.enabled": false, "bookinfo.dataPlane": "ambient" }),
            [],
        );
        assert.deepStrictEqual(
            configIssues("dev", { "mesh.dataPlane": "ambient", "bookinfo.dataPlane": "sidecar" }),
            [],
        );
    });

    it("checks each application against its own data plane: what ambient refuses is fine on sidecars", () => {
        const faults = { "mesh.dataPlane": "ambient", "bookinfo.routing[0]": "ratings-test-abort" };
        const refused = configIssues("dev", faults);
        assert.deepStrictEqual(
            refused.map((i) => i.key),
            ["bookinfo.routing"],
        );
        assert.match(refused[0].message, /keep Bookinfo on sidecars with bookinfo\.dataPlane "sidecar"/);
        assert.deepStrictEqual(configIssues("dev", { ...faults, "bookinfo.dataPlane": "sidecar" }), []);
        // The shop example has a fault and retries: fine while it stays on sidecars in an ambient mesh.
        const shop = (dataPlane?: string) =>
            Object.fromEntries(
                applicationsOverride(
                    shopApplications((apps) => {
                        if (dataPlane !== undefined) {
                            (apps.shop as Record<string, unknown>).dataPlane = dataPlane;
                        }
                    }),
                ).map((o) => [o.key, o.value]),
            );
        const ambientMesh = { "mesh.dataPlane": "ambient", "bookinfo.enabled": false };
        assert.ok(configIssues("dev", { ...ambientMesh, ...shop() }).length > 0);
        assert.deepStrictEqual(configIssues("dev", { ...ambientMesh, ...shop("sidecar") }), []);
    });

    describe("an ambient mesh with Bookinfo still on sidecars and the shop application moved", () => {
        let ev: Evaluation;
        before(async function () {
            this.timeout(120_000);
            ev = await evaluateStack("dev", [
                { key: "mesh.dataPlane", value: "ambient" },
                { key: "bookinfo.dataPlane", value: "sidecar" },
                ...applicationsOverride(ambientShop()),
            ]);
        });

        it("installs ztunnel and istio-cni, and labels each namespace for its own data plane", () => {
            const charts = byType(ev, CHART).map((r) => String(r.inputs.chart));
            assert.ok(charts.includes("ztunnel") && charts.includes("cni"), charts.join());
            assert.deepStrictEqual(namespaceLabels(ev, "bookinfo"), { "istio-injection": "enabled" });
            assert.deepStrictEqual(namespaceLabels(ev, "shop"), { "istio.io/dataplane-mode": "ambient" });
        });

        it("routes and guards each application in its own data plane's form", () => {
            assert.ok(kindsIn(ev, VS, "bookinfo").includes("reviews"));
            assert.deepStrictEqual(kindsIn(ev, HTTP_ROUTE, "bookinfo"), []);
            assert.deepStrictEqual(
                kindsIn(ev, VS, "shop").filter((n) => !n.endsWith("-ingress")),
                [],
            );
            assert.ok(kindsIn(ev, HTTP_ROUTE, "shop").length > 0);
            const policies = byType(ev, AUTHZ);
            const bookinfoTargeted = policies.filter(
                (r) =>
                    meta(r).namespace === "bookinfo" &&
                    (r.inputs.spec as { targetRefs?: unknown }).targetRefs,
            );
            assert.deepStrictEqual(bookinfoTargeted, []);
            const shopTargeted = policies.filter(
                (r) => meta(r).namespace === "shop" && (r.inputs.spec as { targetRefs?: unknown }).targetRefs,
            );
            assert.ok(shopTargeted.length > 0, "shop's L7 rules target its waypoint");
            assert.ok(
                policies.some(
                    (r) =>
                        meta(r).namespace === "shop" &&
                        JSON.stringify(r.inputs.spec).includes(`"shop/${WAYPOINT.name}"`),
                ),
                "shop's workloads admit its waypoint",
            );
        });
    });
});
