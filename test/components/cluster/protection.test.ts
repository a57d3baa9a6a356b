import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CRD_TYPES,
    PVC_TYPE,
    keepChartCrds,
    protectChartVolumes,
} from "../../../components/cluster/protection";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { byType, evaluateStack, one } from "../../support/stacks";
import { CERT_MANAGER, CHART, DEPLOYMENT, NAMESPACE } from "../../support/types";

const JAEGER_PVC = "observability-jaeger-data";

function transformArgs(type: string, opts: pulumi.CustomResourceOptions = {}): pulumi.ResourceTransformArgs {
    return { type, name: "x", custom: true, props: { metadata: { name: "x" } }, opts };
}

function protectedNames(rs: CapturedResource[]): string[] {
    return rs.filter((r) => r.protect).map((r) => r.name);
}

/** What `cluster.protect` must cover, by the stack's own resources (chart children are below). */
function guarded(ev: Evaluation): CapturedResource[] {
    return [
        ...byType(ev, NAMESPACE),
        ...byType(ev, PVC_TYPE),
        one(ev, CHART, "istio-base"),
        ...byType(ev, CERT_MANAGER),
    ];
}

describe("cluster.protect", () => {
    it("protects every Namespace, PVC, the Istio base chart and cert-manager in prod", async () => {
        const ev = await evaluateStack("prod");
        const all = guarded(ev);
        assert.ok(byType(ev, NAMESPACE).length >= 3, "root, gateway and application namespaces");
        assert.ok(
            byType(ev, PVC_TYPE).some((r) => r.name === JAEGER_PVC),
            "prod keeps Jaeger on a PVC",
        );
        assert.deepStrictEqual(
            all.filter((r) => !r.protect).map((r) => r.name),
            [],
            "unprotected in prod",
        );
        // Only what holds data: workloads stay replaceable.
        assert.deepStrictEqual(protectedNames(byType(ev, DEPLOYMENT)), []);
        assert.strictEqual(one(ev, CHART, "istio-istiod").protect, false);
    });

    it("protects nothing in dev, and everything once dev turns it on (cert-manager included)", async () => {
        const dev = await evaluateStack("dev");
        assert.deepStrictEqual(protectedNames(dev.resources), []);
        const on = await evaluateStack("dev", [{ key: "cluster.protect", value: "true" }]);
        const all = guarded(on);
        assert.ok(byType(on, CERT_MANAGER).length === 1, "dev runs cert-manager");
        assert.ok(
            byType(on, NAMESPACE).some(
                (n) => (n.inputs.metadata as { name: string }).name === "cert-manager",
            ),
        );
        assert.deepStrictEqual(
            all.filter((r) => !r.protect).map((r) => r.name),
            [],
        );
    });

    it("hands every chart that renders PVCs or CRDs the transform that protects them", async () => {
        const ev = await evaluateStack("prod");
        for (const name of ["observability-prometheus", "observability-grafana", "observability-kiali"]) {
            assert.strictEqual(one(ev, CHART, name).transforms, 1, name);
        }
        assert.strictEqual(one(ev, CHART, "istio-base").transforms, 2, "webhook fields and CRDs");
    });

    it("protects the PVCs a chart renders only when the stack is protected, and nothing else", () => {
        const pvc = protectChartVolumes(true)(transformArgs(PVC_TYPE, { ignoreChanges: ["x"] }));
        assert.ok(pvc && !(pvc instanceof Promise));
        assert.strictEqual(pvc.opts.protect, true);
        assert.deepStrictEqual(pvc.opts.ignoreChanges, ["x"], "the chart's own options are kept");
        assert.strictEqual(protectChartVolumes(true)(transformArgs(DEPLOYMENT)), undefined);
        assert.strictEqual(protectChartVolumes(false)(transformArgs(PVC_TYPE)), undefined);
    });

    it("keeps chart CRDs on delete always, and protects them when the stack is protected", () => {
        for (const type of CRD_TYPES) {
            const kept = keepChartCrds(false)(transformArgs(type));
            assert.ok(kept && !(kept instanceof Promise));
            assert.strictEqual(kept.opts.retainOnDelete, true);
            assert.notStrictEqual(kept.opts.protect, true);
            const guardedCrd = keepChartCrds(true)(transformArgs(type));
            assert.ok(guardedCrd && !(guardedCrd instanceof Promise));
            assert.strictEqual(guardedCrd.opts.retainOnDelete, true);
            assert.strictEqual(guardedCrd.opts.protect, true);
        }
        assert.strictEqual(keepChartCrds(true)(transformArgs(PVC_TYPE)), undefined);
    });

    it("protects staging, a shared cluster, like prod", async () => {
        const staging = await evaluateStack("staging");
        assert.deepStrictEqual(
            guarded(staging)
                .filter((r) => !r.protect)
                .map((r) => r.name),
            [],
        );
    });
});
