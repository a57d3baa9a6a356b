/**
 * Observability addon policies: who can get into Kiali and Grafana, and that their credentials are
 * referenced from Kubernetes Secrets rather than written into chart values (which end up in the
 * Pulumi state, in previews and in the rendered ConfigMaps).
 */
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { Props, asRecord, asString, at, chartOf, describe, isKind } from "./lib/objects";
import { environmentOf, environmentSchema } from "./lib/settings";

interface KialiConfig {
    what: string;
    config: Props;
}

/**
 * Kiali's configuration wherever the stack writes it: kiali-server chart values, the Kiali CR the
 * kiali-operator chart creates (`cr.spec`), or a Kiali custom resource.
 */
function kialiConfigs(args: ResourceValidationArgs): KialiConfig[] {
    const props = args.props as Props;
    const chart = chartOf(args.type, props, args.name);
    if (chart?.chart === "kiali-server") {
        return [{ what: `Helm chart ${chart.release} (kiali-server) values`, config: chart.values }];
    }
    if (chart?.chart === "kiali-operator") {
        const spec = asRecord(at(chart.values, "cr", "spec"));
        return spec
            ? [{ what: `Helm chart ${chart.release} (kiali-operator) values cr.spec`, config: spec }]
            : [];
    }
    if (isKind(args.type, "kiali.io", "Kiali")) {
        return [{ what: describe(args.type, props, args.name), config: asRecord(props.spec) ?? {} }];
    }
    return [];
}

function requireKiali(args: ResourceValidationArgs): KialiConfig[] {
    const found = kialiConfigs(args);
    if (found.length === 0) {
        return args.notApplicable("not a Kiali installation");
    }
    return found;
}

const SECRET_REF = /^secret:[^:]+:[^:]+$/;

export const kialiNotAnonymous: ResourceValidationPolicy = {
    name: "kiali-not-anonymous",
    description: "Outside dev, Kiali requires a login (auth.strategy is not anonymous).",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: (args, reportViolation) => {
        const found = requireKiali(args);
        if (environmentOf(args) === "dev") {
            return args.notApplicable("anonymous Kiali is allowed in dev");
        }
        for (const k of found) {
            if (at(k.config, "auth", "strategy") === "anonymous") {
                reportViolation(
                    `${k.what} set auth.strategy "anonymous": anyone who reaches Kiali can change mesh config ` +
                        "with its service account. Fix: use auth.strategy token or openid.",
                );
            }
        }
    },
};

export const kialiSigningKey: ResourceValidationPolicy = {
    name: "kiali-signing-key-from-secret",
    description:
        "Kiali's login_token.signing_key is a secret:<name>:<key> reference, never a literal or a chart-generated key.",
    severity: "high",
    validateResource: (args, reportViolation) => {
        for (const k of requireKiali(args)) {
            const key: unknown = at(k.config, "login_token", "signing_key");
            const anonymous = at(k.config, "auth", "strategy") === "anonymous";
            const fix =
                "Fix: keep the key in a Secret and set login_token.signing_key to secret:<secret>:<key>.";
            if (key === undefined || key === "") {
                if (!anonymous) {
                    reportViolation(
                        `${k.what} leave login_token.signing_key empty, so the chart writes a new random key ` +
                            `into its ConfigMap on every render and logs every user out. ${fix}`,
                    );
                }
            } else if (typeof key !== "string" || !SECRET_REF.test(key)) {
                reportViolation(`${k.what} hold login_token.signing_key as a literal. ${fix}`);
            }
        }
    },
};

function requireGrafana(args: ResourceValidationArgs): { what: string; values: Props } {
    const chart = chartOf(args.type, args.props as Props, args.name);
    if (chart?.chart !== "grafana") {
        return args.notApplicable("not a Grafana chart");
    }
    return { what: `Helm chart ${chart.release} (grafana) values`, values: chart.values };
}

/** A grafana.ini setting, written either as section "a.b" or nested a: {b: ...}. */
function iniSetting(values: Props, section: string, key: string): unknown {
    const ini = at(values, "grafana.ini");
    return at(ini, section, key) ?? at(ini, ...section.split("."), key);
}

function envValue(values: Props, name: string): unknown {
    return at(values, "env", name);
}

/** Grafana expands `$__env{}`, `$__file{}` and `$__vault{}`; anything else is the value itself. */
function isLiteral(v: unknown): boolean {
    return v !== undefined && v !== "" && !(typeof v === "string" && v.startsWith("$__"));
}

export const grafanaAdminPassword: ResourceValidationPolicy = {
    name: "grafana-admin-password-from-secret",
    description:
        "Grafana's admin password comes from an existing Secret (admin.existingSecret), never from values.",
    severity: "high",
    validateResource: (args, reportViolation) => {
        const { what, values } = requireGrafana(args);
        const literals = [
            ["adminPassword", values.adminPassword],
            ["grafana.ini security.admin_password", iniSetting(values, "security", "admin_password")],
            ["env.GF_SECURITY_ADMIN_PASSWORD", envValue(values, "GF_SECURITY_ADMIN_PASSWORD")],
        ].filter(([, v]) => isLiteral(v));
        for (const [field] of literals) {
            reportViolation(
                `${what} set ${String(field)} to a literal password, which lands in the Pulumi state and the ` +
                    "chart's Secret. Fix: remove it and reference a Secret with admin.existingSecret.",
            );
        }
        if (!asString(at(values, "admin", "existingSecret"))) {
            reportViolation(
                `${what} do not set admin.existingSecret, so the chart generates (and on every client-side ` +
                    "render changes) the admin password. Fix: create the Secret from a random password and " +
                    "set admin.existingSecret to its name.",
            );
        }
    },
};

function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

export const grafanaAnonymousAdmin: ResourceValidationPolicy = {
    name: "grafana-anonymous-admin-off",
    description: "Outside dev, Grafana does not grant anonymous users the Admin role.",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: (args, reportViolation) => {
        const { what, values } = requireGrafana(args);
        if (environmentOf(args) === "dev") {
            return args.notApplicable("anonymous Grafana admin is allowed in dev");
        }
        const enabled =
            isTrue(iniSetting(values, "auth.anonymous", "enabled")) ||
            isTrue(envValue(values, "GF_AUTH_ANONYMOUS_ENABLED"));
        const role =
            asString(iniSetting(values, "auth.anonymous", "org_role")) ??
            asString(envValue(values, "GF_AUTH_ANONYMOUS_ORG_ROLE"));
        if (enabled && role === "Admin") {
            reportViolation(
                `${what} enable anonymous access with org_role Admin: anyone who reaches Grafana administers it. ` +
                    "Fix: turn auth.anonymous off or give anonymous users the Viewer role.",
            );
        }
    },
};

export const addonPolicies = [
    kialiNotAnonymous,
    kialiSigningKey,
    grafanaAdminPassword,
    grafanaAnonymousAdmin,
];
