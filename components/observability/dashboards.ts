/**
 * Istio's Grafana dashboards. Each is downloaded from the Istio release tag that matches the
 * installed control plane, so the panels query exactly the metrics that version emits: a
 * grafana.com revision number would have to be looked up by hand for every Istio release (and the
 * ztunnel dashboard's revisions are not tied to a documented Istio version at all).
 *
 * The download is done by the Grafana chart's dashboard sidecar (kiwigrid/k8s-sidecar), not by its
 * download-dashboards init container: that init container runs `curl -skf` (grafana-community/
 * helm-charts grafana-12.11.1 values.yaml `defaultCurlOptions`: no certificate check) in a
 * `set -e` script (templates/_config.tpl `download_dashboards.sh`), so one failed download fails
 * the pod's start and Grafana never becomes ready. The sidecar runs beside Grafana: for a
 * ConfigMap key ending in `.url` it fetches the URL with certificate verification (k8s-sidecar
 * src/helpers.py `request`, `verify` off only with REQ_SKIP_TLS_VERIFY) and retries, logging a
 * failure instead of failing the pod (src/resources.py). Grafana starts without the dashboards
 * and picks them up once they arrive.
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

/** Where the dashboards come from unless `observability.grafana.dashboards.source` says otherwise. */
export function upstreamDashboards(istioVersion: string): string {
    return `https://raw.githubusercontent.com/istio/istio/${istioVersion}/manifests/addons/dashboards`;
}

/**
 * URL of a dashboard file: under the configured mirror (the files laid out flat, as in
 * manifests/addons/dashboards), or at the installed Istio release tag upstream.
 */
export function dashboardUrl(d: IstioDashboard, istioVersion: string, source?: string): string {
    const base = source !== undefined ? source.replace(/\/+$/, "") : upstreamDashboards(istioVersion);
    return `${base}/${d.file}`;
}

/** The label (and its value) the Grafana dashboard sidecar selects ConfigMaps by. */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "istio" } as const;
/** The ConfigMap the dashboard URLs are handed to the sidecar in. */
export const DASHBOARD_CONFIGMAP = "istio-grafana-dashboards";
/** The only Role Grafana's ServiceAccount gets: reading ConfigMaps in its namespace. */
export const DASHBOARD_READER_ROLE = "grafana-dashboard-reader";

/**
 * The sidecar's ConfigMap data: `<key>.json.url` -> URL. The sidecar writes each download to
 * `<key>.json` (the name without `.url`).
 */
export function dashboardUrlFiles(istioVersion: string, source?: string): Record<string, string> {
    return Object.fromEntries(
        ISTIO_DASHBOARDS.map((d) => [`${d.key}.json.url`, dashboardUrl(d, istioVersion, source)]),
    );
}
