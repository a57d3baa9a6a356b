/**
 * What every addon chart's values share. Each addon's own values are built in its module under
 * ./addons, from the typed stack config.
 */
import { K8sResources } from "../shared/resources";

// Where the values types were before they moved to their addon modules.
export type { GrafanaValues } from "./addons/grafana";
export type { KialiValues } from "./addons/kiali";
export type { PrometheusValues } from "./addons/prometheus";

/** Addons run without a sidecar, as Istio's own addons do: they must not depend on the mesh. */
export const NO_SIDECAR = { "sidecar.istio.io/inject": "false" } as const;

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
