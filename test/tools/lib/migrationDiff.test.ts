import * as assert from "assert";
import { diffRendered, formatText, namespaceDataPlane } from "../../../tools/lib/diff";
import { Rendered } from "../../../tools/lib/render";
import { renderStack } from "../../support/stacks";

const LABELS = { stack: "dev", base: "step 1", head: "step 2" };

/**
 * Istio's sidecar-to-ambient migration as this stack does it, one `pulumi up` per step:
 * 1. the sidecar mesh; 2. the mesh goes ambient (istio-cni, ztunnel, the Gateway API CRDs) with
 * Bookinfo pinned to sidecars; 3. Bookinfo's namespace follows.
 */
describe("diff: migrating from sidecars to ambient, namespace by namespace", function () {
    this.timeout(120_000);
    let sidecar: Rendered;
    let meshAmbient: Rendered;
    let bookinfoAmbient: Rendered;
    before(async () => {
        sidecar = await renderStack("dev");
        meshAmbient = await renderStack("dev", [
            { key: "mesh.dataPlane", value: "ambient" },
            { key: "bookinfo.dataPlane", value: "sidecar" },
        ]);
        bookinfoAmbient = await renderStack("dev", [{ key: "mesh.dataPlane", value: "ambient" }]);
    });

    it("reads a namespace's data plane from its labels", () => {
        assert.strictEqual(namespaceDataPlane({ "istio.io/dataplane-mode": "ambient" }), "ambient");
        assert.strictEqual(namespaceDataPlane({ "istio-injection": "enabled" }), "sidecar");
        assert.strictEqual(namespaceDataPlane({ "istio.io/rev": "canary" }), "sidecar");
        assert.strictEqual(namespaceDataPlane({ "istio-injection": "disabled" }), undefined);
        assert.strictEqual(namespaceDataPlane(undefined), undefined);
    });

    it("step 2 installs the ambient node agents and moves no application namespace", () => {
        const d = diffRendered(sidecar, meshAmbient);
        const added = d.charts.filter((c) => c.change === "added").map((c) => c.after?.chart);
        assert.ok(added.includes("ztunnel") && added.includes("cni"), added.join());
        assert.deepStrictEqual(
            d.warnings.filter((w) => w.message.startsWith("moves Namespace")),
            [],
        );
        assert.deepStrictEqual(
            d.objects.filter((o) => o.namespace === "bookinfo").map((o) => `${o.change} ${o.kind}/${o.name}`),
            [],
            "Bookinfo is untouched while it stays on sidecars",
        );
    });

    it("step 3 relabels Bookinfo's namespace, warns to restart its pods, and turns its routes and L7 policies over to the waypoint", () => {
        const d = diffRendered(meshAmbient, bookinfoAmbient);
        const moves = d.warnings.filter((w) => w.message.startsWith("moves Namespace"));
        assert.deepStrictEqual(
            moves.map((w) => [w.kind, w.message.split(":")[0]]),
            [
                [
                    "disruptive",
                    "moves Namespace bookinfo from the sidecar data plane to the ambient data plane",
                ],
            ],
        );
        assert.match(moves[0].message, /kubectl rollout restart deployment -n bookinfo/);
        assert.match(formatText(d, LABELS), /moves Namespace bookinfo from the sidecar data plane/);

        const ns = d.objects.find((o) => o.kind === "Namespace" && o.name === "bookinfo");
        assert.deepStrictEqual(ns?.fields.map((f) => [f.path, f.change]).sort(), [
            ["/metadata/labels/istio-injection", "removed"],
            ["/metadata/labels/istio.io~1dataplane-mode", "added"],
        ]);
        const change = (kind: string, name: string) =>
            d.objects.find((o) => o.namespace === "bookinfo" && o.kind === kind && o.name === name)?.change;
        assert.strictEqual(change("VirtualService", "reviews"), "removed");
        assert.strictEqual(change("HTTPRoute", "reviews"), "added");
        assert.strictEqual(change("Gateway", "waypoint"), "added");
        assert.strictEqual(change("AuthorizationPolicy", "reviews-via-waypoint"), "added");
        const viewer = d.objects.find((o) => o.kind === "AuthorizationPolicy" && o.name === "details-viewer");
        assert.strictEqual(viewer?.change, "changed");
        const paths = viewer?.fields.map((f) => `${f.change} ${f.path}`) ?? [];
        assert.ok(paths.includes("removed /spec/selector/matchLabels/app"), paths.join("\n"));
        assert.ok(paths.includes("added /spec/targetRefs"), paths.join("\n"));
    });

    it("going back warns the other way", () => {
        const d = diffRendered(bookinfoAmbient, meshAmbient);
        assert.ok(
            d.warnings.some((w) =>
                w.message.startsWith(
                    "moves Namespace bookinfo from the ambient data plane to the sidecar data plane",
                ),
            ),
        );
    });
});
