/**
 * Protection policies: in prod, what a mistaken `pulumi destroy` or rename would delete together
 * with data cannot be deleted (the stack's `cluster.protect`, see docs/day2.md).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Props, TYPE, chartOf, describe, isKind } from "./lib/objects";
import { environmentOf, environmentSchema } from "./lib/settings";

/** The remote component of @pulumi/kubernetes-cert-manager (a Helm release of cert-manager). */
const CERT_MANAGER_COMPONENT = "kubernetes-cert-manager:index:CertManager";

/** Charts that install CustomResourceDefinitions cluster-wide. */
const CRD_CHARTS: Record<string, string> = {
    base: "Istio's CRDs",
    "cert-manager": "cert-manager's CRDs",
};

/** What the resource holds that a delete would lose, or undefined when it holds nothing such. */
function guarded(type: string, props: Props, name: string): { what: string; loses: string } | undefined {
    if (type === TYPE.namespace) {
        return { what: describe(type, props, name), loses: "every object in it" };
    }
    if (isKind(type, "", "PersistentVolumeClaim")) {
        return { what: describe(type, props, name), loses: "its volume's data" };
    }
    if (isKind(type, "apiextensions.k8s.io", "CustomResourceDefinition")) {
        return {
            what: describe(type, props, name),
            loses: "every custom resource of its kind in the cluster",
        };
    }
    if (type === CERT_MANAGER_COMPONENT) {
        return {
            what: `cert-manager (${name})`,
            loses: "cert-manager's CRDs and every Certificate and Issuer",
        };
    }
    const chart = chartOf(type, props, name);
    const crds = chart ? CRD_CHARTS[chart.chart] : undefined;
    if (chart && crds) {
        return {
            what: `Helm chart ${chart.release} (${chart.chart})`,
            loses: `${crds} and with them every custom resource of those kinds`,
        };
    }
    return undefined;
}

export const prodDataProtected: ResourceValidationPolicy = {
    name: "prod-data-protected",
    description:
        "In prod, every Namespace, PersistentVolumeClaim and CRD, and the charts that own CRDs (Istio base, cert-manager), are protected.",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: (args, reportViolation) => {
        const found = guarded(args.type, args.props as Props, args.name);
        if (!found) {
            return args.notApplicable("holds no data a delete would lose");
        }
        if (environmentOf(args) !== "prod") {
            return args.notApplicable("only prod requires protection");
        }
        if (!args.opts.protect) {
            reportViolation(
                `${found.what} is not protected: a destroy or a rename without an alias deletes ${found.loses}. ` +
                    "Fix: set cluster.protect to true (docs/day2.md explains how to tear down on purpose).",
            );
        }
    },
};

export const protectionPolicies = [prodDataProtected];
