/**
 * Chart values and specs of the multi-cluster mesh. Pure, so they are asserted on without the engine.
 */
import { NETWORK_LABEL, gatewaySelectorLabel } from "../shared/names";
import type { GatewaySpec } from "../crds";
import type { ControlPlaneSettings } from "../istio/config";
import { GatewaySizing, GatewayValues, gatewayValues } from "../istio/values";
import { EAST_WEST_RELEASE, EAST_WEST_TLS_PORT } from "./peers";

/**
 * What the mesh component reads of the control plane settings: the chart source and version, and
 * the ingress gateway's settings and revision (the east-west gateway is sized like it).
 */
export type MeshControlPlane = Pick<ControlPlaneSettings, "chartRepository" | "primary" | "gateway">;

/** The gateway chart's `networkGatewayPorts` entries (templates/service.yaml requires all four). */
export interface NetworkGatewayPort {
    port: number;
    targetPort: number;
}

export type EastWestGatewayValues = Omit<GatewayValues, "service"> & {
    name: string;
    labels: Record<string, string>;
    networkGateway: string;
    networkGatewayPorts: Record<"status-port" | "tls" | "tls-istiod" | "tls-webhook", NetworkGatewayPort>;
    service: { type: "LoadBalancer" };
};

/**
 * The east-west gateway from the official gateway chart, as istio.io "Install Multi-Primary on
 * different networks" installs it with Helm (`--set name=istio-eastwestgateway --set
 * networkGateway=<network>`), sized like the ingress gateway. With `networkGateway` set the chart
 * (istio/istio 1.30.3 manifests/charts/gateway/templates) labels the Service and pods with the
 * network, gives the proxy ISTIO_META_REQUESTED_NETWORK_VIEW=<network> and exposes
 * `networkGatewayPorts` instead of `service.ports`; the ports are written out so the render shows
 * them. The labels repeat samples/multicluster/gen-eastwest-gateway.sh's. A LoadBalancer: the
 * other networks reach it from outside the cluster.
 */
export function eastWestGatewayValues(cfg: GatewaySizing, network: string): EastWestGatewayValues {
    const ingress = gatewayValues(cfg);
    const port = (n: number): NetworkGatewayPort => ({ port: n, targetPort: n });
    const selector = gatewaySelectorLabel(EAST_WEST_RELEASE);
    return {
        ...ingress,
        name: EAST_WEST_RELEASE,
        labels: { app: EAST_WEST_RELEASE, istio: selector, [NETWORK_LABEL]: network },
        networkGateway: network,
        networkGatewayPorts: {
            "status-port": port(15021),
            tls: port(EAST_WEST_TLS_PORT),
            "tls-istiod": port(15012),
            "tls-webhook": port(15017),
        },
        service: { type: "LoadBalancer" },
        topologySpreadConstraints: ingress.topologySpreadConstraints.map((c) => ({
            ...c,
            labelSelector: { matchLabels: { istio: selector } },
        })),
    };
}

/**
 * samples/multicluster/expose-services.yaml (1.30.3): the services of this network, reached by
 * the other networks' sidecars through the east-west gateway on 15443 with the mesh's own mTLS
 * passed through (AUTO_PASSTHROUGH routes on the SNI). Only the services gateway: for
 * multi-primary the task does not expose istiod (expose-istiod.yaml is primary-remote's).
 */
export function crossNetworkGatewaySpec(): GatewaySpec {
    return {
        selector: { istio: gatewaySelectorLabel(EAST_WEST_RELEASE) },
        servers: [
            {
                port: { number: EAST_WEST_TLS_PORT, name: "tls", protocol: "TLS" },
                tls: { mode: "AUTO_PASSTHROUGH" },
                hosts: ["*.local"],
            },
        ],
    };
}

/** Name of the Istio Gateway in expose-services.yaml. */
export const CROSS_NETWORK_GATEWAY = "cross-network-gateway";
