import * as assert from "assert";
import type { TelemetrySpec } from "../../../components/crds";
import type { KialiValues, PrometheusValues } from "../../../components/observability/values";
import { AMBIENT_NAMESPACE_LABELS, MESH_DEFAULT_TELEMETRY, WAYPOINT } from "../../../components/shared/names";
import { Evaluation } from "../../../tools/lib/mockRuntime";
import { byType, evaluateStack } from "../../support/stacks";
import { CHART, TELEMETRY } from "../../support/types";

function chart(ev: Evaluation, chartName: string): Record<string, unknown> {
    const found = byType(ev, CHART).filter((r) => r.inputs.chart === chartName);
    assert.strictEqual(found.length, 1, chartName);
    return found[0].inputs.values as Record<string, unknown>;
}

/**
 * Waypoints trace and are scraped without settings of their own, and Kiali shows the ambient view
 * from what it detects; these tests hold the stack to the conditions that makes true (sources in
 * docs/ambient.md, "Telemetry and Kiali").
 */
describe("telemetry and Kiali in ambient", function () {
    this.timeout(120_000);
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("dev", [{ key: "mesh.dataPlane", value: "ambient" }]);
    });

    it("the mesh-wide Telemetry reaches waypoints: root namespace, no selector, no targetRefs, the mesh config's provider", () => {
        const istiod = chart(ev, "istiod") as {
            global: { istioNamespace: string };
            meshConfig: { rootNamespace?: string; extensionProviders: { name: string }[] };
        };
        const root = istiod.meshConfig.rootNamespace ?? istiod.global.istioNamespace;
        const telemetry = byType(ev, TELEMETRY).filter(
            (r) => (r.inputs.metadata as { name: string }).name === MESH_DEFAULT_TELEMETRY,
        );
        assert.strictEqual(telemetry.length, 1);
        assert.strictEqual((telemetry[0].inputs.metadata as { namespace: string }).namespace, root);
        const spec = telemetry[0].inputs.spec as TelemetrySpec & { targetRef?: unknown };
        // istiod applies a root-namespace Telemetry to every proxy, waypoints included, only when it
        // is namespace-wide; a selector or targetRefs would make it a workload policy, which
        // waypoints ignore (istio/istio 1.30.3 pilot/pkg/model/telemetry.go, applicableTelemetries).
        assert.strictEqual(spec.selector, undefined);
        assert.strictEqual(spec.targetRef, undefined);
        assert.strictEqual(spec.targetRefs, undefined);
        const providers = spec.tracing?.flatMap((t) => t.providers?.map((p) => p.name) ?? []) ?? [];
        assert.ok(providers.length > 0);
        for (const p of providers) {
            assert.ok(
                istiod.meshConfig.extensionProviders.some((e) => e.name === p),
                `${p} is a mesh-config extension provider`,
            );
        }
    });

    it("Prometheus keeps the chart's annotation-driven pod job, which scrapes ztunnel and waypoints", () => {
        // Both carry prometheus.io/scrape, port 15020, path /stats/prometheus (1.30.3 ztunnel chart
        // daemonset.yaml, istiod files/waypoint.yaml); the chart's default kubernetes-pods job
        // honours them, and replacing its scrape configs would lose that.
        const p = chart(ev, "prometheus") as PrometheusValues & Record<string, unknown>;
        assert.ok(byType(ev, CHART).some((r) => r.inputs.chart === "ztunnel"));
        for (const key of ["serverFiles", "extraScrapeConfigs", "scrapeConfigFiles"]) {
            assert.strictEqual(p[key], undefined, key);
        }
    });

    it("Kiali detects ambient itself, with the labels this stack writes", () => {
        const k = chart(ev, "kiali-server") as KialiValues & Record<string, unknown>;
        // The ztunnel DaemonSet is found by label in any namespace Kiali may list (kiali/kiali
        // v2.26.0 cache/cache.go IsAmbientEnabled), so it needs cluster-wide access.
        assert.strictEqual(k.deployment.cluster_wide_access, true);
        // Kiali's defaults for the namespace and waypoint labels (config/config.go) are the ones
        // this stack uses; overriding istio_labels would have to keep them in step.
        assert.strictEqual(k.istio_labels, undefined);
        assert.deepStrictEqual(AMBIENT_NAMESPACE_LABELS, { "istio.io/dataplane-mode": "ambient" });
        assert.strictEqual(WAYPOINT.useLabel, "istio.io/use-waypoint");
    });
});
