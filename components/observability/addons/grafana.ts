/**
 * Grafana: its settings, its admin Secret (when created here), what its dashboard sidecar reads
 * (the ConfigMap of dashboard URLs and a Role for ConfigMaps only), and the chart.
 *
 * No secret ever enters the chart values: Grafana reads its admin credentials from a Secret
 * (`admin.existingSecret`), so the values stay reviewable in previews and renders.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ConfigReader } from "../../../config/reader";
import {
    ChartResourceDefaults,
    ChartResources,
    K8sResources,
    chartResources,
    readResources,
} from "../../shared/resources";
import type { Addon, AddonContext, AddonOutputs } from "../addon";
import {
    DASHBOARD_CONFIGMAP,
    DASHBOARD_LABEL,
    DASHBOARD_READER_ROLE,
    dashboardUrlFiles,
} from "../dashboards";
import { GRAFANA, prometheusUrl } from "../endpoints";
import { PLAIN_EXPOSURE, UiTarget, targetAccess } from "../links";
import {
    AddonResources,
    ChartSource,
    Ingress,
    ingressSwitch,
    Persistence,
    persistenceSwitch,
    readChart,
    readIngress,
    readPersistence,
} from "../settings";
import { HELPER_CONTAINER_RESOURCES, NO_SIDECAR, SCRAPE_INTERVAL } from "../values";

export interface GrafanaSettings {
    enabled: boolean;
    chart: ChartSource;
    /** Anonymous Viewer access; never allowed together with ingress exposure. */
    anonymous: boolean;
    /** Base URL of a mirror of Istio's dashboard files; unset downloads them from GitHub. */
    dashboardsSource?: string;
    persistence: Persistence;
    resources: AddonResources;
    ingress: Ingress;
}

function parse(r: ConfigReader, p: string): GrafanaSettings {
    const settings: GrafanaSettings = {
        enabled: r.bool(`${p}.enabled`),
        chart: readChart(r, p),
        anonymous: r.bool(`${p}.anonymous`),
        dashboardsSource: r.optionalString(`${p}.dashboards.source`, {
            pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
            patternHint:
                "the http(s):// URL of a directory holding Istio's dashboard files (e.g. https://mirror.example.com/istio/dashboards), or empty for GitHub",
        }),
        persistence: readPersistence(r, `${p}.persistence`),
        resources: readResources(r, `${p}.resources`, { optionalRequests: true }),
        ingress: readIngress(r, p),
    };
    if (settings.anonymous && settings.ingress.enabled) {
        r.error(
            `${p}.anonymous`,
            `true is not allowed while ${p}.ingress.enabled is true: anonymous Grafana must stay behind kubectl port-forward`,
        );
    }
    return settings;
}

/** Grafana's UI, served under /grafana both through the gateway and through a port-forward. */
export const GRAFANA_UI: UiTarget = {
    service: GRAFANA.service,
    servicePort: GRAFANA.port,
    localPort: GRAFANA.port,
    path: GRAFANA.path,
};

/**
 * The chart's `resources` default (an empty setting removes exactly this, see chartResources):
 * grafana-community/helm-charts grafana-12.11.1 values.yaml `resources: {}`.
 */
export const GRAFANA_RESOURCE_DEFAULTS: ChartResourceDefaults = {};

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

/** `exposure.secureHosts`: the exposed hosts served over HTTPS (httpsHosts in ../access). */
export function grafanaValues(s: GrafanaSettings, ns: string, exposure = PLAIN_EXPOSURE): GrafanaValues {
    const publicUrl = targetAccess(GRAFANA_UI, s.ingress, ns, exposure).publicUrl;
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
        resources: chartResources(s.resources, GRAFANA_RESOURCE_DEFAULTS),
        initChownData: { resources: HELPER_CONTAINER_RESOURCES },
    };
}

function dashboards(ctx: AddonContext): pulumi.Resource[] {
    const { name, namespace, k8sOpts } = ctx;
    const role = new k8s.rbac.v1.Role(
        `${name}-grafana-dashboard-reader`,
        {
            metadata: { name: DASHBOARD_READER_ROLE, namespace },
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        },
        k8sOpts,
    );
    const urls = new k8s.core.v1.ConfigMap(
        `${name}-grafana-dashboards`,
        {
            metadata: {
                name: DASHBOARD_CONFIGMAP,
                namespace,
                labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value },
            },
            data: dashboardUrlFiles(ctx.mesh.version, ctx.config.grafana.dashboardsSource),
        },
        k8sOpts,
    );
    return [role, urls];
}

export const grafana: Addon<"grafana", GrafanaSettings> = {
    name: "grafana",
    parse,
    requires: [{ addon: "prometheus", because: "its metrics come from that Prometheus" }],
    switches: (p) => [ingressSwitch(p), persistenceSwitch(p)],
    enabled: (cfg) => cfg.grafana.enabled,
    build(ctx) {
        const { name, namespace, k8sOpts } = ctx;
        const out: AddonOutputs = {};
        if (ctx.createSecrets) {
            const password = new random.RandomPassword(
                `${name}-grafana-admin-password`,
                { length: 32, special: false },
                { parent: ctx.parent },
            );
            ctx.shared.grafanaAdminSecret = new k8s.core.v1.Secret(
                `${name}-grafana-admin`,
                {
                    metadata: { name: GRAFANA.adminSecret, namespace },
                    type: "Opaque",
                    stringData: {
                        [GRAFANA.userKey]: GRAFANA.adminUser,
                        [GRAFANA.passwordKey]: password.result,
                    },
                },
                k8sOpts,
            );
            out.grafanaAdmin = { user: GRAFANA.adminUser, password: pulumi.secret(password.result) };
        }
        const secret = ctx.shared.grafanaAdminSecret;
        ctx.chart(
            "grafana",
            GRAFANA.release,
            "grafana",
            ctx.config.grafana.chart,
            grafanaValues(ctx.config.grafana, ctx.ns, ctx.exposure),
            [...(secret ? [secret] : []), ...dashboards(ctx)],
        );
        return out;
    },
    ui: GRAFANA_UI,
    login(cfg, ns, ctx) {
        const stack = ctx.stack;
        const anonymous = cfg.grafana.anonymous ? "viewing needs no login; " : "";
        return ctx.secretsCreated
            ? `${anonymous}user ${GRAFANA.adminUser}, password from: pulumi stack output grafanaAdmin --stack ${stack} --show-secrets`
            : `${anonymous}user ${GRAFANA.adminUser}, password from: ${ctx.kubectl} -n ${ns} get secret ${GRAFANA.adminSecret} -o jsonpath='{.data.${GRAFANA.passwordKey}}' | base64 -d`;
    },
};
