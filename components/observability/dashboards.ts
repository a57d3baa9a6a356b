/**
 * Istio's Grafana dashboards. Each is downloaded from the Istio release tag that matches the
 * installed control plane, so the panels query exactly the metrics that version emits: a
 * grafana.com revision number would have to be looked up by hand for every Istio release (and the
 * ztunnel dashboard's revisions are not tied to a documented Istio version at all).
 */

export interface IstioDashboard {
    /** Key in the Grafana chart's `dashboards.<provider>` map (the file name Grafana stores). */
    key: string;
    /** The dashboard's title; Kiali looks dashboards up by it. */
    title: string;
    /** File under manifests/addons/dashboards in istio/istio at the release tag. */
    file: string;
    /** Its id on grafana.com/orgs/istio, for reference in the docs. */
    gnetId: number;
    /** URL query variables Kiali fills in when it links to the dashboard. */
    kialiVariables?: Record<string, string>;
}

export const ISTIO_DASHBOARDS: readonly IstioDashboard[] = [
    {
        key: "istio-mesh",
        title: "Istio Mesh Dashboard",
        file: "istio-mesh-dashboard.gen.json",
        gnetId: 7639,
    },
    {
        key: "istio-service",
        title: "Istio Service Dashboard",
        file: "istio-service-dashboard.json",
        gnetId: 7636,
        kialiVariables: { namespace: "var-namespace", service: "var-service", datasource: "var-datasource" },
    },
    {
        key: "istio-workload",
        title: "Istio Workload Dashboard",
        file: "istio-workload-dashboard.json",
        gnetId: 7630,
        kialiVariables: {
            namespace: "var-namespace",
            workload: "var-workload",
            datasource: "var-datasource",
        },
    },
    {
        key: "istio-performance",
        title: "Istio Performance Dashboard",
        file: "istio-performance-dashboard.json",
        gnetId: 11829,
    },
    {
        key: "istio-control-plane",
        title: "Istio Control Plane Dashboard",
        file: "pilot-dashboard.gen.json",
        gnetId: 7645,
    },
    {
        key: "istio-wasm-extension",
        title: "Istio Wasm Extension Dashboard",
        file: "istio-extension-dashboard.json",
        gnetId: 13277,
    },
    {
        key: "istio-ztunnel",
        title: "Istio Ztunnel Dashboard",
        file: "ztunnel-dashboard.gen.json",
        gnetId: 21306,
    },
];

/** Raw file of a dashboard at an Istio release tag (the chart version is the tag). */
export function dashboardUrl(d: IstioDashboard, istioVersion: string): string {
    return `https://raw.githubusercontent.com/istio/istio/${istioVersion}/manifests/addons/dashboards/${d.file}`;
}
