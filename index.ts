/**
 * istio-mesh: composition only. Reads the validated stack config and wires the components; the
 * resource logic lives in components/.
 */
import { Cluster } from "./components/cluster";
import { ControlPlane, gatewayAccess } from "./components/istio";
import { readStackConfig } from "./config";

export = () => {
    const cfg = readStackConfig();

    const cluster = new Cluster("cluster", {
        config: cfg.cluster,
        gatewayNodePorts: cfg.istio.gateway.nodePorts,
    });

    const mesh = new ControlPlane("istio", {
        provider: cluster.provider,
        config: cfg.istio,
        namespaces: cfg.istio.namespaces,
    });

    return {
        istioVersion: cfg.istio.primary.version,
        istioRevision: cfg.istio.primary.revision === "" ? "default" : cfg.istio.primary.revision,
        canaryRevision: cfg.istio.canary?.revision,
        gatewayService: { name: mesh.gatewayServiceName, namespace: mesh.gatewayNamespace },
        gateway: gatewayAccess(cfg.istio, cfg.cluster),
        namespaces: mesh.namespaces,
    };
};
