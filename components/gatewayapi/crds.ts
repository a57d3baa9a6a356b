/**
 * The Kubernetes Gateway API CRDs, which Istio uses but does not ship (istio/istio release-1.30
 * manifests/charts/base/files/crd-all.gen.yaml holds only `*.istio.io` CRDs). Installed from the
 * release asset of kubernetes-sigs/gateway-api, standard channel, at the version pinned in
 * Pulumi.yaml (`gateway.crds.version`), which Renovate bumps.
 *
 * Each bundle from v1.5 on also installs a ValidatingAdmissionPolicy
 * (`safe-upgrades.gateway.networking.k8s.io`) that refuses older bundles and experimental CRDs
 * over standard ones: a version, once applied to a cluster, cannot be lowered without deleting
 * that policy first (docs/ambient.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keepChartCrds, protectOpts } from "../cluster/protection";

/** The only channel installed: Istio's docs apply the standard channel. */
export const GATEWAY_API_CHANNEL = "standard";

/** The release asset of a Gateway API version (`1.5.1`, with or without a leading "v"). */
export function gatewayApiCrdsUrl(version: string): string {
    const tag = version.startsWith("v") ? version : `v${version}`;
    return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${tag}/${GATEWAY_API_CHANNEL}-install.yaml`;
}

export interface GatewayApiCrdsArgs {
    version: string;
    provider: k8s.Provider;
    /** `cluster.protect`: protect the bundle (and, through it, its CRDs) like Istio's base chart. */
    protect?: boolean;
}

export class GatewayApiCrds extends pulumi.ComponentResource {
    /** Depend on this before creating Gateways, HTTPRoutes or anything that watches them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:gatewayapi:Crds", name, {}, opts);
        const protect = args.protect ?? false;
        // The CRDs outlive the stack like Istio's: deleting one deletes every Gateway and route of
        // its kind in the cluster, this stack's or not (components/cluster/protection.ts).
        const bundle = new k8s.yaml.v2.ConfigFile(
            `${name}-bundle`,
            { file: gatewayApiCrdsUrl(args.version) },
            {
                parent: this,
                provider: args.provider,
                ...protectOpts(protect),
                transforms: [keepChartCrds(protect)],
            },
        );
        this.ready = [bundle];
        this.registerOutputs({});
    }
}
