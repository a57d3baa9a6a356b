/**
 * Grafana: its admin Secret (when created here), what its dashboard sidecar reads (the ConfigMap of
 * dashboard URLs and a Role for ConfigMaps only), and the chart.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Addon, AddonContext, AddonOutputs } from "../addon";
import {
    DASHBOARD_CONFIGMAP,
    DASHBOARD_LABEL,
    DASHBOARD_READER_ROLE,
    dashboardUrlFiles,
} from "../dashboards";
import { GRAFANA } from "../endpoints";
import { grafanaValues } from "../values";

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

export const grafana: Addon = {
    name: "grafana",
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
            grafanaValues(ctx.config, ctx.ns, ctx.exposure),
            [...(secret ? [secret] : []), ...dashboards(ctx)],
        );
        return out;
    },
    login(cfg, ns, ctx) {
        const stack = ctx.stack;
        const anonymous = cfg.grafana.anonymous ? "viewing needs no login; " : "";
        return ctx.secretsCreated
            ? `${anonymous}user ${GRAFANA.adminUser}, password from: pulumi stack output grafanaAdmin --stack ${stack} --show-secrets`
            : `${anonymous}user ${GRAFANA.adminUser}, password from: ${ctx.kubectl} -n ${ns} get secret ${GRAFANA.adminSecret} -o jsonpath='{.data.${GRAFANA.passwordKey}}' | base64 -d`;
    },
};
