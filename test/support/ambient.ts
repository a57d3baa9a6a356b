/**
 * Bookinfo built by the Application component alone (no control plane), in one data plane, under
 * the mock runtime: the access and policy tests read its rendered objects (the Application deploys
 * the waypoint in ambient; `waypoint: false` takes it out again).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { bookinfo } from "../../components/bookinfo/bookinfo";
import type { BookinfoConfig } from "../../components/bookinfo/config";
import { KubernetesGateway } from "../../components/crds";
import { meshNamespaceLabels } from "../../components/shared/names";
import { parseStackConfig } from "../../config";
import { Evaluation, evaluate } from "../../tools/lib/mockRuntime";
import { loadStackConfig } from "../../tools/lib/stackFiles";
import { rawConfig } from "./stacks";

export const BOOKINFO_NS = "bookinfo";
export const INGRESS = { namespace: "istio-ingress", serviceAccount: "istio-ingressgateway" };

/** The dev stack's Bookinfo settings with path overrides (`bookinfo.routing[0]`...). */
export function bookinfoConfig(overrides: Record<string, string>): BookinfoConfig {
    const list = Object.entries(overrides).map(([key, value]) => ({ key, value }));
    const result = parseStackConfig(rawConfig("dev", list), "dev");
    if (!result.ok) {
        throw new Error(JSON.stringify(result.issues, null, 2));
    }
    return result.config.bookinfo;
}

export interface BookinfoRun {
    /** The data plane the Application builds for. */
    dataPlane: "sidecar" | "ambient";
    /** How the namespace is labelled (default: as `dataPlane`). */
    namespaceDataPlane?: "sidecar" | "ambient";
    /** Ambient: keep the waypoint the Application deploys (default true). */
    waypoint?: boolean;
}

export async function evaluateBookinfo(config: BookinfoConfig, run: BookinfoRun): Promise<Evaluation> {
    const ev = await evaluate(loadStackConfig("dev"), () => {
        const provider = new k8s.Provider("k8s", { renderYamlToDirectory: "/dev/null/unused" });
        const nsPlane = run.namespaceDataPlane ?? run.dataPlane;
        const ns = new k8s.core.v1.Namespace(
            "ns",
            { metadata: { name: BOOKINFO_NS, labels: meshNamespaceLabels(nsPlane, undefined) } },
            { provider },
        );
        bookinfo("bookinfo", {
            provider,
            config: { ...config, dataPlane: run.dataPlane },
            namespace: ns.metadata.name.apply((n) => n ?? BOOKINFO_NS),
            controlPlaneReady: [],
            ingressGateway: { releaseName: INGRESS.serviceAccount, namespace: INGRESS.namespace },
        });
        return { namespace: pulumi.output(BOOKINFO_NS) };
    });
    // As if the waypoint were missing: the rest of the objects as rendered.
    return run.waypoint === false
        ? { ...ev, resources: ev.resources.filter((r) => r.type !== KubernetesGateway.pulumiType) }
        : ev;
}
