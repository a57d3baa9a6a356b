/**
 * What `cluster.protect` guards, and how it reaches objects that charts create.
 *
 * A Namespace, PersistentVolumeClaim or CustomResourceDefinition deleted by mistake (a rename
 * without an alias, a `pulumi destroy` on the wrong stack) takes data with it: a namespace deletes
 * everything in it, a PVC its volume, a CRD every custom resource of its kind in the cluster,
 * including ones this stack does not own.
 *
 * Objects that a `helm.v4.Chart` renders are registered by the provider, inside the chart's
 * Construct call, as children of the chart (pulumi/pulumi-kubernetes v4.32.0
 * provider/pkg/provider/helm/v4/chart.go, `Register` with `pulumi.Parent(comp)`). The engine runs
 * the transforms of every ancestor on each child's registration, remote children included
 * (pulumi/pulumi pkg/resource/deploy/source_eval.go, "Lookup our parents transformations"), and a
 * transform may set `protect` and `retainOnDelete` (proto TransformResourceOptions fields 2 and
 * 10). That is the only hook on those children: they are not declared in this program.
 */
import * as pulumi from "@pulumi/pulumi";

export const PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";
export const CRD_TYPES = [
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    "kubernetes:apiextensions.k8s.io/v1beta1:CustomResourceDefinition",
];

/** Resource options for a Namespace or PVC this program declares itself. */
export function protectOpts(protect: boolean): { protect?: true } {
    return protect ? { protect: true } : {};
}

/**
 * Protects the PersistentVolumeClaims a chart renders (Prometheus' and Grafana's data volumes):
 * a chart change that would replace or drop one then fails instead of deleting the volume.
 */
export function protectChartVolumes(protect: boolean): pulumi.ResourceTransform {
    return (args) => {
        if (!protect || args.type !== PVC_TYPE) {
            return undefined;
        }
        return { props: args.props, opts: pulumi.mergeOptions(args.opts, { protect: true }) };
    };
}

/**
 * CRDs a chart renders outlive the chart whatever happens to it: `retainOnDelete` always (a
 * destroy, or a rename that deletes the old chart's children, leaves them and every custom
 * resource in the cluster), and `protect` when the stack is protected. Istio's base chart asks for
 * the same with `helm.sh/resource-policy: keep`, which Chart v4 turns into RetainOnDelete; this
 * does not depend on a chart version keeping that annotation.
 */
export function keepChartCrds(protect: boolean): pulumi.ResourceTransform {
    return (args) => {
        if (!CRD_TYPES.includes(args.type)) {
            return undefined;
        }
        return {
            props: args.props,
            opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true, ...protectOpts(protect) }),
        };
    };
}
