/**
 * What a Kiali viewer's token may do: exactly what Kiali's read-only UI asks the API server with
 * the logged-in user's token (strategy `token`), and nothing else.
 *
 * Read from kiali/kiali v2.26.0 `business/`: nearly every view is served from Kiali's own cache
 * (read with Kiali's ServiceAccount) and filtered by the namespaces the user's token can get or
 * list; Istio and Gateway API object details are fetched with the user's token
 * (`istio_config.go` GetIstioConfigDetails); pod logs are streamed with it (`workloads.go`
 * streamParsedLogs, except ztunnel's); the Envoy tab's config dump runs as Kiali's ServiceAccount
 * (`proxy_status.go` GetConfigDump), so it needs nothing here. Changing a proxy's log level
 * (`proxy_logging.go`) does a GET on the pod and a port-forward with the user's token: that is
 * what `viewerPortForward` grants.
 *
 * The chart's `kiali-viewer` ClusterRole (templates/role-viewer.yaml) is a role for Kiali's own
 * ServiceAccount: it adds `pods/portforward` create and ConfigMaps cluster-wide, which viewers do
 * not need. ConfigMaps are left out (Kiali reads the mesh config with its own account); `pods/log`
 * is in, because the logs tab is a read-only view. Secrets and every write verb are never granted.
 */
import { KIALI } from "./endpoints";

export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

const READ = ["get", "list", "watch"];

/** API groups whose objects Kiali shows (and validates) in its Istio config views. */
export const KIALI_CONFIG_GROUPS = [
    "networking.istio.io",
    "security.istio.io",
    "extensions.istio.io",
    "telemetry.istio.io",
    "gateway.networking.k8s.io",
    "inference.networking.k8s.io",
];

/** Name of the ClusterRole the stack creates for Kiali viewers. */
export const KIALI_UI_VIEWER_ROLE = "kiali-ui-viewer";

/** Roles of the kiali-server chart, bound to Kiali's own ServiceAccount, never to people. */
export const KIALI_CHART_ROLES = [KIALI.instance, `${KIALI.instance}-viewer`];

export function kialiViewerRules(portForward: boolean): PolicyRule[] {
    return [
        // Which namespaces the user sees; list shows all of them at once.
        { apiGroups: [""], resources: ["namespaces"], verbs: READ },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        { apiGroups: KIALI_CONFIG_GROUPS, resources: ["*"], verbs: READ },
        ...(portForward
            ? [
                  { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
                  { apiGroups: [""], resources: ["pods/portforward"], verbs: ["create"] },
              ]
            : []),
    ];
}

/** Name of a viewer's token Secret; a new rotation names a new Secret, which replaces the old. */
export function viewerTokenSecretName(serviceAccount: string, rotation: string | undefined): string {
    return rotation === undefined ? `${serviceAccount}-token` : `${serviceAccount}-token-${rotation}`;
}
