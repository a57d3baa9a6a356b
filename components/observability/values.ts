/**
 * Helm values for the Prometheus, Grafana and Kiali charts, built from the typed stack config.
 *
 * No secret ever enters these values: Grafana reads its admin credentials from a Secret
 * (`admin.existingSecret`) and Kiali receives `secret:<name>:<key>` references that the chart
 * mounts, so the values stay reviewable in previews and renders.
 */
import { PLAIN_EXPOSURE, browserOrigin, browserUrl, uiAccess } from "./access";
import { ChartResourceDefaults, ChartResources, K8sResources, chartResources } from "../shared/resources";
import { ObservabilityConfig, Persistence } from "./config";
import { DASHBOARD_LABEL, DASHBOARD_READER_ROLE, ISTIO_DASHBOARDS } from "./dashboards";
import {
    GRAFANA,
    KIALI,
    PROMETHEUS,
    grafanaInternalUrl,
    jaegerQueryGrpcUrl,
    prometheusUrl,
} from "./endpoints";

/** Addons run without a sidecar, as Istio's own addons do: they must not depend on the mesh. */
export const NO_SIDECAR = { "sidecar.istio.io/inject": "false" } as const;

/**
 * The `resources` defaults of the pinned charts' values.yaml: an empty setting removes exactly
 * these (see chartResources). kiali/helm-charts v2.26.0 kiali-server/values.yaml
 * `deployment.resources`; grafana-community/helm-charts grafana-12.11.1 values.yaml `resources: {}`;
 * prometheus-community/helm-charts prometheus-28.13.0 values.yaml `server.resources: {}`.
 */
export const CHART_RESOURCE_DEFAULTS: Record<"kiali" | "grafana" | "prometheus", ChartResourceDefaults> = {
    kiali: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "1Gi" } },
    grafana: {},
    prometheus: {},
};

/** Istio's scrape interval; Grafana's datasource time interval matches it. */
export const SCRAPE_INTERVAL = "15s";

/**
 * The charts' small helper containers (Prometheus' config reloader, Grafana's dashboard download
 * and volume-ownership init containers) ship unsized; they get fixed, small requests and a memory
 * limit so every container in the mesh is sized.
 */
export const HELPER_CONTAINER_RESOURCES: K8sResources = {
    requests: { cpu: "10m", memory: "32Mi" },
    limits: { memory: "128Mi" },
};

// ----- Prometheus (prometheus-community/prometheus) ------------------------------------------

export interface PrometheusValues {
    alertmanager: { enabled: false };
    "kube-state-metrics": { enabled: false };
    "prometheus-node-exporter": { enabled: false };
    "prometheus-pushgateway": { enabled: false };
    configmapReload: { prometheus: { resources: K8sResources } };
    server: {
        fullnameOverride: string;
        service: { servicePort: number };
        global: { scrape_interval: string };
        retention: string;
        retentionSize: string;
        persistentVolume: { enabled: boolean; size?: string; storageClass?: string };
        podLabels: Record<string, string>;
        resources: ChartResources;
    };
}

function prometheusVolume(p: Persistence): PrometheusValues["server"]["persistentVolume"] {
    if (!p.enabled) {
        return { enabled: false };
    }
    return p.storageClass === undefined
        ? { enabled: true, size: p.size }
        : { enabled: true, size: p.size, storageClass: p.storageClass };
}

export function prometheusValues(cfg: ObservabilityConfig): PrometheusValues {
    const s = cfg.prometheus;
    return {
        alertmanager: { enabled: false },
        "kube-state-metrics": { enabled: false },
        "prometheus-node-exporter": { enabled: false },
        "prometheus-pushgateway": { enabled: false },
        configmapReload: { prometheus: { resources: HELPER_CONTAINER_RESOURCES } },
        server: {
            // Without the override the Service would be <release>-server on port 80, not the
            // prometheus:9090 that Kiali and Grafana are pointed at.
            fullnameOverride: PROMETHEUS.service,
            service: { servicePort: PROMETHEUS.port },
            global: { scrape_interval: SCRAPE_INTERVAL },
            retention: s.retention,
            retentionSize: s.retentionSize,
            persistentVolume: prometheusVolume(s.persistence),
            podLabels: { ...NO_SIDECAR },
            resources: chartResources(s.resources, CHART_RESOURCE_DEFAULTS.prometheus),
        },
    };
}

// ----- Grafana (grafana-community/grafana) ---------------------------------------------------

export interface GrafanaDatasource {
    name: string;
    uid: string;
    type: "prometheus";
    url: string;
    access: "proxy";
    isDefault: boolean;
    editable: boolean;
    jsonData: { timeInterval: string };
}

/** The dashboard provider (and so the folder) the Istio dashboards are provisioned by. */
export const GRAFANA_PROVIDER = "istio";

export interface GrafanaValues {
    fullnameOverride: string;
    service: { port: number; targetPort: number };
    podLabels: Record<string, string>;
    testFramework: { enabled: false };
    admin: { existingSecret: string; userKey: string; passwordKey: string };
    datasources: { "datasources.yaml": { apiVersion: 1; datasources: GrafanaDatasource[] } };
    /** The chart's RoleBinding binds Grafana to the stack's ConfigMap-only Role (see below). */
    rbac: { create: true; namespaced: true; useExistingRole: string };
    sidecar: {
        resources: K8sResources;
        dashboards: {
            enabled: true;
            label: string;
            labelValue: string;
            resource: "configmap";
            searchNamespace: null;
            skipReload: true;
            provider: { name: string; folder: string; disableDelete: boolean; allowUiUpdates: boolean };
        };
    };
    imageRenderer: { enabled: false };
    "grafana.ini": {
        server: { root_url: string; serve_from_sub_path: true };
        "auth.anonymous": { enabled: boolean; org_role?: "Viewer" };
        analytics: { check_for_updates: false; reporting_enabled: false };
    };
    persistence: {
        enabled: boolean;
        size?: string;
        storageClassName?: string;
        lookupVolumeName: false;
    };
    /** A ReadWriteOnce volume cannot be mounted by the old and the new pod at once. */
    deploymentStrategy?: { type: "Recreate" };
    resources: ChartResources;
    initChownData: { resources: K8sResources };
}

/** `secureHosts`: the exposed hosts served over HTTPS (httpsHosts in ./access). */
export function grafanaValues(
    cfg: ObservabilityConfig,
    ns: string,
    exposure = PLAIN_EXPOSURE,
): GrafanaValues {
    const s = cfg.grafana;
    const publicUrl = uiAccess(cfg, ns, "grafana", exposure).publicUrl;
    // lookupVolumeName (default true) makes the chart look its PVC up while rendering and write the
    // bound volume into `spec.volumeName`; Chart v4 renders against the live cluster, so the second
    // `up` adds that replace-only field and the PVC would be deleted and re-created
    // (grafana-community/helm-charts grafana-12.11.1 templates/pvc.yaml). docs/chart-hazards.md.
    const persistence: GrafanaValues["persistence"] = !s.persistence.enabled
        ? { enabled: false, lookupVolumeName: false }
        : s.persistence.storageClass === undefined
          ? { enabled: true, size: s.persistence.size, lookupVolumeName: false }
          : {
                enabled: true,
                size: s.persistence.size,
                storageClassName: s.persistence.storageClass,
                lookupVolumeName: false,
            };
    return {
        fullnameOverride: GRAFANA.service,
        service: { port: GRAFANA.port, targetPort: GRAFANA.port },
        podLabels: { ...NO_SIDECAR },
        testFramework: { enabled: false },
        admin: {
            existingSecret: GRAFANA.adminSecret,
            userKey: GRAFANA.userKey,
            passwordKey: GRAFANA.passwordKey,
        },
        datasources: {
            "datasources.yaml": {
                apiVersion: 1,
                datasources: [
                    {
                        name: GRAFANA.datasourceName,
                        uid: GRAFANA.datasourceUid,
                        type: "prometheus",
                        url: prometheusUrl(ns),
                        access: "proxy",
                        isDefault: true,
                        editable: false,
                        jsonData: { timeInterval: SCRAPE_INTERVAL },
                    },
                ],
            },
        },
        // The chart's own Role would let Grafana read every Secret in the Istio root namespace
        // (templates/role.yaml grants configmaps and secrets to the dashboard sidecar); the
        // stack's Role grants ConfigMaps only.
        rbac: { create: true, namespaced: true, useExistingRole: DASHBOARD_READER_ROLE },
        sidecar: {
            resources: HELPER_CONTAINER_RESOURCES,
            dashboards: {
                enabled: true,
                label: DASHBOARD_LABEL.key,
                labelValue: DASHBOARD_LABEL.value,
                resource: "configmap",
                // Its own namespace, where the stack writes the dashboard ConfigMap.
                searchNamespace: null,
                // With reloads on, the chart hands the sidecar Grafana's admin credentials
                // (REQ_USERNAME/REQ_PASSWORD, templates/_pod.tpl), which k8s-sidecar also sends as
                // basic auth with every `.url` download: the admin password would go to GitHub.
                // Grafana's file provider re-reads the folder on its own (updateIntervalSeconds).
                skipReload: true,
                // Named like the file provider the dashboards were provisioned by before (`istio`):
                // Grafana ties provisioned dashboards to their provider's name, so on a persistent
                // Grafana the same provider should find the old entries, whose files are gone, and
                // replace them rather than leave duplicates (inferred; not tried on a live Grafana).
                provider: {
                    name: GRAFANA_PROVIDER,
                    folder: GRAFANA.dashboardFolder,
                    disableDelete: false,
                    allowUiUpdates: false,
                },
            },
        },
        // Rendering is off (the chart default): with it on, the chart generates a token with
        // randAlphaNum unless one is given (templates/_helpers.tpl). Pinned so it stays off.
        imageRenderer: { enabled: false },
        "grafana.ini": {
            server: {
                // Served under /grafana both through the gateway and through a port-forward, so
                // links (including Kiali's) work the same way in both.
                root_url: publicUrl
                    ? `${publicUrl}/`
                    : `%(protocol)s://%(domain)s:%(http_port)s${GRAFANA.path}/`,
                serve_from_sub_path: true,
            },
            "auth.anonymous": s.anonymous ? { enabled: true, org_role: "Viewer" } : { enabled: false },
            analytics: { check_for_updates: false, reporting_enabled: false },
        },
        persistence,
        ...(s.persistence.enabled ? { deploymentStrategy: { type: "Recreate" as const } } : {}),
        resources: chartResources(s.resources, CHART_RESOURCE_DEFAULTS.grafana),
        initChownData: { resources: HELPER_CONTAINER_RESOURCES },
    };
}

// ----- Kiali (kiali-server) ------------------------------------------------------------------

export interface KialiDashboardRef {
    name: string;
    variables?: Record<string, string>;
}

export interface KialiValues {
    auth: {
        strategy: string;
        openid?: {
            client_id: string;
            issuer_uri: string;
            username_claim: string;
            disable_rbac: boolean;
        };
    };
    deployment: {
        instance_name: string;
        image_version: string;
        image_pull_policy: "IfNotPresent";
        pod_labels: Record<string, string>;
        cluster_wide_access: true;
        secret_name: string;
        resources: ChartResources;
    };
    login_token: { signing_key: string };
    clustering: { autodetect_secrets: { enabled: false } };
    server: { port: number; web_root: string };
    external_services: {
        prometheus: { url: string };
        grafana: {
            enabled: boolean;
            internal_url?: string;
            external_url?: string;
            datasource_uid?: string;
            auth?: { type: "basic"; username: string; password: string };
            dashboards?: KialiDashboardRef[];
        };
        tracing: {
            enabled: boolean;
            provider?: "jaeger";
            internal_url?: string;
            use_grpc?: true;
            external_url?: string;
        };
    };
}

/** A value that the kiali-server chart (>= 2.21) resolves by mounting that Secret key. */
export function secretRef(name: string, key: string): string {
    return `secret:${name}:${key}`;
}

export function kialiDashboards(): KialiDashboardRef[] {
    return ISTIO_DASHBOARDS.map((d) =>
        d.kialiVariables ? { name: d.title, variables: { ...d.kialiVariables } } : { name: d.title },
    );
}

/** `secureHosts`: the exposed hosts served over HTTPS, so Kiali's links use https:// for them. */
export function kialiValues(cfg: ObservabilityConfig, ns: string, exposure = PLAIN_EXPOSURE): KialiValues {
    const k = cfg.kiali;
    const grafana: KialiValues["external_services"]["grafana"] = cfg.grafana.enabled
        ? {
              enabled: true,
              internal_url: `${grafanaInternalUrl(ns)}${GRAFANA.path}`,
              external_url: browserOrigin(cfg, ns, "grafana", exposure),
              datasource_uid: GRAFANA.datasourceUid,
              auth: {
                  type: "basic",
                  username: GRAFANA.adminUser,
                  password: secretRef(GRAFANA.adminSecret, GRAFANA.passwordKey),
              },
              dashboards: kialiDashboards(),
          }
        : { enabled: false };
    const tracing: KialiValues["external_services"]["tracing"] = cfg.jaeger.enabled
        ? {
              enabled: true,
              provider: "jaeger",
              internal_url: jaegerQueryGrpcUrl(ns),
              use_grpc: true,
              external_url: browserUrl(cfg, ns, "jaeger", exposure),
          }
        : { enabled: false };
    return {
        auth: {
            strategy: k.strategy,
            ...(k.openid
                ? {
                      openid: {
                          client_id: k.openid.clientId,
                          issuer_uri: k.openid.issuerUri,
                          username_claim: k.openid.usernameClaim,
                          disable_rbac: k.openid.disableRbac,
                      },
                  }
                : {}),
        },
        deployment: {
            instance_name: KIALI.instance,
            // The chart's image follows the chart version; pinning both keeps them paired.
            image_version: `v${k.chart.version}`,
            image_pull_policy: "IfNotPresent",
            pod_labels: { ...NO_SIDECAR },
            cluster_wide_access: true,
            secret_name: KIALI.oidcSecret,
            resources: chartResources(k.resources, CHART_RESOURCE_DEFAULTS.kiali),
        },
        // Left empty, the chart would write a fresh random key into the ConfigMap on every render,
        // logging everyone out each `pulumi up`.
        login_token: { signing_key: secretRef(KIALI.signingKeySecret, KIALI.signingKeyKey) },
        // On (the default), the chart LISTs the namespace's Secrets while rendering and mounts any
        // labelled kiali.io/multiCluster=true, so a render depends on what exists at that moment
        // (kiali/helm-charts v2.26.0 templates/_helpers.tpl `kiali-server.remote-cluster-secrets`).
        clustering: { autodetect_secrets: { enabled: false } },
        server: { port: KIALI.port, web_root: KIALI.webRoot },
        external_services: {
            prometheus: { url: prometheusUrl(ns) },
            grafana,
            tracing,
        },
    };
}
