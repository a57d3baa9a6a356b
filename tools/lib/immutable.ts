/**
 * Fields whose change cannot be applied in place, per object kind: the fields the Kubernetes
 * provider replaces the object for, and the ones the API server refuses to update (the provider
 * then updates in place and the update fails). `npm run diff` flags a change to any of them.
 *
 * "replace" entries follow pulumi-kubernetes provider/pkg/provider/diff.go (forceNewProperties,
 * v4.32+; @pulumi/kubernetes 4.34.2 here) with the provider's defaults, under which a Secret's and
 * a ConfigMap's data are replaced rather than updated (`enableSecretMutable` and
 * `enableConfigMapMutable` are false unless the provider sets them). Every object is also
 * replaced when its name or namespace changes (provider.go Diff); the diff checks that through the
 * object's identity. "rejected" entries are the API's own immutability rules
 * (k8s.io/kubernetes pkg/apis/<group>/validation) that the provider does not replace for.
 *
 * Kinds that the stack creates and that have no such field are listed with no fields, so that a
 * new kind is a deliberate entry (a test checks every kind the stacks render is here).
 */

export type Effect = "replace" | "rejected";

export interface ImmutableField {
    /** JSON pointer of the field; a change at or below it counts. */
    path: string;
    effect: Effect;
    why: string;
}

const SELECTOR = "the label selector of a workload cannot change once its pods exist";
const PROVIDER = "pulumi-kubernetes replaces the object (forceNewProperties)";

function replace(why: string, ...paths: string[]): ImmutableField[] {
    return paths.map((path) => ({ path, effect: "replace", why: `${why}; ${PROVIDER}` }));
}

function rejected(why: string, ...paths: string[]): ImmutableField[] {
    return paths.map((path) => ({
        path,
        effect: "rejected",
        why: `${why}; the API server rejects the update (replace the object deliberately: replaceOnChanges, or delete it first)`,
    }));
}

/** Keyed by "<group>/<Kind>", with "" as the core group ("/Service", "apps/Deployment"). */
export const IMMUTABLE_FIELDS: Record<string, ImmutableField[]> = {
    "apps/Deployment": replace(SELECTOR, "/spec/selector"),
    "apps/DaemonSet": replace(SELECTOR, "/spec/selector"),
    "apps/StatefulSet": replace(
        "a StatefulSet's spec is immutable except replicas, ordinals, template, updateStrategy, minReadySeconds and persistentVolumeClaimRetentionPolicy",
        "/spec/selector",
        "/spec/serviceName",
        "/spec/volumeClaimTemplates",
        "/spec/podManagementPolicy",
        "/spec/revisionHistoryLimit",
    ),
    "batch/Job": replace(
        "a Job's pod template and selector are immutable",
        "/spec/selector",
        "/spec/template",
        "/spec/completions",
        "/spec/parallelism",
    ),
    "/Service": [
        ...replace("a Service's cluster IP is allocated once", "/spec/clusterIP"),
        ...rejected("a Service's cluster IPs are allocated once", "/spec/clusterIPs"),
    ],
    "/PersistentVolumeClaim": [
        ...replace(
            "a claim's storage class, volume, access modes and selector are fixed once bound",
            "/spec/storageClassName",
            "/spec/volumeName",
            "/spec/accessModes",
            "/spec/selector",
        ),
        ...rejected(
            "a claim's spec is immutable except resources.requests (and volumeAttributesClassName)",
            "/spec/volumeMode",
            "/spec/dataSource",
            "/spec/dataSourceRef",
        ),
    ],
    "/Secret": [
        ...replace(
            "a Secret's type is immutable, and the provider replaces Secrets rather than updating their data (enableSecretMutable is off)",
            "/type",
            "/data",
            "/stringData",
        ),
        ...rejected("an immutable Secret cannot be made mutable again", "/immutable"),
    ],
    "/ConfigMap": [
        ...replace(
            "the provider replaces ConfigMaps rather than updating their data (enableConfigMapMutable is off)",
            "/data",
            "/binaryData",
        ),
        ...rejected("an immutable ConfigMap cannot be made mutable again", "/immutable"),
    ],
    "rbac.authorization.k8s.io/RoleBinding": replace("a binding's roleRef is immutable", "/roleRef"),
    "rbac.authorization.k8s.io/ClusterRoleBinding": replace("a binding's roleRef is immutable", "/roleRef"),
    "storage.k8s.io/StorageClass": [
        ...replace(
            "a StorageClass's provisioner and parameters are immutable",
            "/provisioner",
            "/parameters",
        ),
        ...rejected(
            "a StorageClass's reclaim policy and binding mode are immutable",
            "/reclaimPolicy",
            "/volumeBindingMode",
        ),
    ],
    "apiextensions.k8s.io/CustomResourceDefinition": rejected(
        "a CRD's group and scope are immutable",
        "/spec/group",
        "/spec/scope",
    ),
    // Kinds the stack creates whose fields (other than name and namespace) all update in place.
    "/Namespace": [],
    "/ServiceAccount": [],
    "rbac.authorization.k8s.io/Role": [],
    "rbac.authorization.k8s.io/ClusterRole": [],
    "policy/PodDisruptionBudget": [], // policy/v1: the whole spec is mutable since Kubernetes 1.15
    "networking.istio.io/Gateway": [],
    "networking.istio.io/VirtualService": [],
    "networking.istio.io/DestinationRule": [],
    "networking.istio.io/ServiceEntry": [],
    "security.istio.io/PeerAuthentication": [],
    "security.istio.io/AuthorizationPolicy": [],
    "security.istio.io/RequestAuthentication": [],
    "telemetry.istio.io/Telemetry": [],
    "cert-manager.io/Certificate": [],
    "cert-manager.io/Issuer": [],
    "cert-manager.io/ClusterIssuer": [],
    "gateway.networking.k8s.io/Gateway": [],
    "gateway.networking.k8s.io/HTTPRoute": [],
};

export function kindKey(apiVersion: string, kind: string): string {
    const slash = apiVersion.lastIndexOf("/");
    return `${slash === -1 ? "" : apiVersion.slice(0, slash)}/${kind}`;
}

/** Whether a field-change path ("/spec/selector/matchLabels/app", "/spec/x[name=a]/y") is at or under `field`. */
function under(path: string, field: string): boolean {
    return path === field || path.startsWith(`${field}/`) || path.startsWith(`${field}[`);
}

/** The immutable field a change at `path` touches, if any. */
export function immutableField(apiVersion: string, kind: string, path: string): ImmutableField | undefined {
    return IMMUTABLE_FIELDS[kindKey(apiVersion, kind)]?.find((f) => under(path, f.path));
}

/**
 * A Service's type change to or from ExternalName is applied in place, but releases the cluster IP
 * (or allocates a new one): clients that resolved the old address break.
 */
export function serviceTypeTransition(before: unknown, after: unknown): string | undefined {
    if (before !== after && (before === "ExternalName" || after === "ExternalName")) {
        const name = (t: unknown) => (typeof t === "string" ? t : "ClusterIP");
        return `type ${name(before)} -> ${name(after)} releases or reallocates the cluster IP`;
    }
    return undefined;
}
