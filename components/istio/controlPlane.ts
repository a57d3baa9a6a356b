import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keepChartCrds, protectOpts } from "../cluster/protection";
import { PeerAuthentication } from "../crds";
import { GatewayApiCrds } from "../gatewayapi";
import type { PluginCa } from "../multicluster/peers";
import { MESH_DEFAULT_PEER_AUTHENTICATION, NETWORK_LABEL, meshNamespaceLabels } from "../shared/names";
import type { LoadBalancerStatus } from "./access";
import { chartServiceLoadBalancer } from "./chartService";
import {
    AppNamespace,
    ControlPlaneRevision,
    ControlPlaneSettings,
    DataPlane,
    gatewayApiCrdsNeeded,
} from "./config";
import {
    baseChartVersion,
    ClusterIdentity,
    baseValues,
    cniValues,
    egressGatewayValues,
    gatewayValues,
    istiodReleaseName,
    istiodValues,
    ztunnelValues,
} from "./values";

export interface ControlPlaneArgs {
    config: ControlPlaneSettings;
    provider: k8s.Provider;
    /** Application namespaces to create and label; `config.namespaces` plus any a component adds. */
    namespaces: AppNamespace[];
    /** `cluster.protect`: protect the namespaces and the base chart (the owner of Istio's CRDs). */
    protect?: boolean;
    /**
     * Take the LoadBalancer gateway Service's status from the gateway chart's deployed Service (its
     * address becomes {@link ControlPlane.gatewayLoadBalancer}). Off when the provider only writes
     * manifests: no load balancer is ever provisioned. Defaults to true.
     */
    gatewayStatus?: boolean;
    /** Joins a multi-cluster mesh: istiod's identity, the network label, a plug-in CA. */
    multicluster?: {
        identity: ClusterIdentity;
        /** The stack holding the mesh's root CA (this stack's name when it holds it). */
        rootStack: string;
        /** This cluster's intermediate CA (secret), written to `cacerts` before istiod starts. */
        pluginCa: pulumi.Input<PluginCa>;
        /** The root stack's generation of it, annotated on `cacerts` (a rotation shows in the diff). */
        trustGeneration?: number;
    };
}

/** istiod mounts this Secret (optional volume) and picks plug-in mode only if it exists at start-up. */
export const PLUGIN_CA_SECRET = "cacerts";
/** Which generation of intermediates `cacerts` holds (multicluster.trust.generation of the root stack). */
export const TRUST_GENERATION_ANNOTATION = "istio-mesh.io/trust-generation";
/** The stack holding the mesh's root CA, on `cacerts` (read by the multicluster-mesh-consistent policy). */
export const ROOT_STACK_ANNOTATION = "istio-mesh.io/root-stack";

const WEBHOOK_TYPES = [
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
    "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
];

interface WebhookProps {
    webhooks?: { clientConfig?: { caBundle?: string } }[];
}

/**
 * istiod writes its CA bundle into its webhook configurations at runtime (and, for validators,
 * would flip failurePolicy if the values did not pin it to Fail). The 1.30 charts render
 * `caBundle` only when a bundle is configured (`base.validationCABundle`,
 * `istiodRemote.injectionCABundle`); earlier charts rendered `caBundle: ""`, which Pulumi would
 * keep resetting and, with server-side apply, own against istiod. So an empty bundle is never
 * sent, and both istiod-managed fields are ignored on updates whatever a chart version renders.
 */
export const ignoreIstiodOwnedWebhookFields: pulumi.ResourceTransform = (args) => {
    if (!WEBHOOK_TYPES.includes(args.type)) {
        return undefined;
    }
    const props = args.props as WebhookProps;
    const webhooks = props.webhooks?.map((w) => {
        if (w.clientConfig?.caBundle !== "") {
            return w;
        }
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { caBundle, ...clientConfig } = w.clientConfig;
        return { ...w, clientConfig };
    });
    return {
        props: webhooks ? { ...args.props, webhooks } : args.props,
        opts: pulumi.mergeOptions(args.opts, {
            ignoreChanges: ["webhooks[*].clientConfig.caBundle", "webhooks[*].failurePolicy"],
        }),
    };
};

/** Release names of the ambient node components, as in Istio's "Install with Helm" (ambient). */
export const CNI_RELEASE = "istio-cni";
export const ZTUNNEL_RELEASE = "ztunnel";

/**
 * The Istio control plane from the official Helm charts, in dependency order:
 * root namespace -> base (CRDs) -> [Gateway API CRDs] -> istiod (one chart per revision)
 * -> [ambient: istio-cni -> ztunnel] -> ingress gateway, mesh-wide PeerAuthentication and the
 * labelled application namespaces. The bracketed steps follow istio.io "Install with Helm"
 * (ambient): base, Gateway API CRDs, istiod, cni, ztunnel, then gateways.
 */
export class ControlPlane extends pulumi.ComponentResource {
    /** Everything that must be ready before Istio resources or injected workloads are created. */
    public readonly ready: pulumi.Resource[];
    /** The egress gateway chart, when `mesh.egressGateway.enabled` (egress routed through it waits for it). */
    public readonly egressReady: pulumi.Resource[];
    public readonly rootNamespace: pulumi.Output<string>;
    public readonly gatewayNamespace: pulumi.Output<string>;
    public readonly gatewayServiceName: pulumi.Output<string>;
    /**
     * `.status.loadBalancer` of a LoadBalancer gateway Service as the provider recorded it when the
     * chart created it; undefined offline, in a first preview, and for other Service types.
     */
    public readonly gatewayLoadBalancer: pulumi.Output<LoadBalancerStatus | undefined>;
    /** Application namespace names, keyed by the configured name (values resolve once created). */
    public readonly namespaces: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:istio:ControlPlane", name, {}, opts);
        const cfg = args.config;
        const k8sOpts = { parent: this, provider: args.provider };
        const repositoryOpts = { repo: cfg.chartRepository };
        const protect = args.protect ?? false;
        const nsOpts = { ...k8sOpts, ...protectOpts(protect) };

        const mc = args.multicluster;
        const rootNs = new k8s.core.v1.Namespace(
            `${name}-root-namespace`,
            {
                metadata: {
                    name: cfg.rootNamespace,
                    // istiod takes the network of workloads without their own label from it.
                    ...(mc ? { labels: { [NETWORK_LABEL]: mc.identity.network } } : {}),
                },
            },
            nsOpts,
        );
        const pluginCa = mc
            ? new k8s.core.v1.Secret(
                  `${name}-cacerts`,
                  {
                      metadata: {
                          name: PLUGIN_CA_SECRET,
                          namespace: rootNs.metadata.name,
                          annotations: {
                              [ROOT_STACK_ANNOTATION]: mc.rootStack,
                              ...(mc.trustGeneration === undefined
                                  ? {}
                                  : { [TRUST_GENERATION_ANNOTATION]: String(mc.trustGeneration) }),
                          },
                      },
                      stringData: pulumi.secret(
                          pulumi.output(mc.pluginCa).apply((ca) => ({
                              "ca-cert.pem": ca.caCert,
                              "ca-key.pem": ca.caKey,
                              "root-cert.pem": ca.rootCert,
                              "cert-chain.pem": ca.certChain,
                          })),
                      ),
                  },
                  k8sOpts,
              )
            : undefined;

        const base = new k8s.helm.v4.Chart(
            `${name}-base`,
            {
                name: "istio-base",
                chart: "base",
                version: baseChartVersion(cfg),
                repositoryOpts,
                namespace: rootNs.metadata.name,
                values: baseValues(cfg),
            },
            // The CRDs (and with them every Istio resource in the cluster, this stack's or not)
            // survive a destroy or a rename of this chart; protected, the chart cannot be deleted
            // at all, and its children inherit that (pulumi/pulumi sdk/go/pulumi/context.go: a
            // child without its own `protect` takes its parent's).
            {
                ...k8sOpts,
                ...protectOpts(protect),
                transforms: [ignoreIstiodOwnedWebhookFields, keepChartCrds(protect)],
            },
        );

        // Before istiod, as Istio's ambient Helm guide orders them: waypoints and HTTPRoutes are
        // Gateway API objects that istiod watches.
        const gatewayApi = gatewayApiCrdsNeeded(cfg)
            ? new GatewayApiCrds(
                  `${name}-gateway-api-crds`,
                  { version: cfg.gatewayApiCrdsVersion, provider: args.provider, protect },
                  { parent: this },
              )
            : undefined;

        // Named after the revision, not its role: promoting the canary to primary then leaves its
        // chart untouched (same resource, release and objects) instead of re-creating objects that
        // still exist under the other name.
        const istiod = (cp: ControlPlaneRevision): k8s.helm.v4.Chart =>
            new k8s.helm.v4.Chart(
                `${name}-${istiodReleaseName(cp.revision)}`,
                {
                    name: istiodReleaseName(cp.revision),
                    chart: "istiod",
                    version: cp.version,
                    repositoryOpts,
                    namespace: rootNs.metadata.name,
                    values: istiodValues(cfg, cp, mc?.identity),
                },
                {
                    ...k8sOpts,
                    dependsOn: [base, ...(gatewayApi?.ready ?? []), ...(pluginCa ? [pluginCa] : [])],
                    transforms: [ignoreIstiodOwnedWebhookFields],
                },
            );
        const primary = istiod(cfg.primary);
        const byRevision = new Map<string | undefined, k8s.helm.v4.Chart>([[cfg.primary.revision, primary]]);
        if (cfg.canary) {
            byRevision.set(cfg.canary.revision, istiod(cfg.canary));
        }
        const allIstiod = [...byRevision.values()];

        // Ambient's node components, after istiod (ztunnel gets its certificates and config from
        // it) and in the documented order. One per cluster: config refuses a canary with ambient.
        const ambient = cfg.ambient;
        const dataPlaneReady: pulumi.Resource[] = [];
        if (ambient) {
            const cni = new k8s.helm.v4.Chart(
                `${name}-cni`,
                {
                    name: CNI_RELEASE,
                    chart: "cni",
                    version: cfg.primary.version,
                    repositoryOpts,
                    namespace: rootNs.metadata.name,
                    values: cniValues(cfg, ambient),
                },
                { ...k8sOpts, dependsOn: [primary] },
            );
            const ztunnel = new k8s.helm.v4.Chart(
                `${name}-ztunnel`,
                {
                    name: ZTUNNEL_RELEASE,
                    chart: "ztunnel",
                    version: cfg.primary.version,
                    repositoryOpts,
                    namespace: rootNs.metadata.name,
                    values: ztunnelValues(cfg, ambient),
                },
                { ...k8sOpts, dependsOn: [cni] },
            );
            dataPlaneReady.push(cni, ztunnel);
        }

        const gatewayNs = new k8s.core.v1.Namespace(
            `${name}-gateway-namespace`,
            { metadata: { name: cfg.gateway.namespace } },
            nsOpts,
        );
        // The gateway's pods are created with `image: auto` and only become Envoy through the
        // injection webhook, so the chart must wait for istiod to serve it.
        const gateway = new k8s.helm.v4.Chart(
            `${name}-gateway`,
            {
                name: cfg.gateway.name,
                chart: "gateway",
                version: cfg.primary.version,
                repositoryOpts,
                namespace: gatewayNs.metadata.name,
                values: gatewayValues(cfg),
            },
            { ...k8sOpts, dependsOn: [primary, ...dataPlaneReady] },
        );

        let egressGateway: k8s.helm.v4.Chart | undefined;
        if (cfg.egressGateway) {
            const egressNs = new k8s.core.v1.Namespace(
                `${name}-egress-namespace`,
                { metadata: { name: cfg.egressGateway.namespace } },
                nsOpts,
            );
            egressGateway = new k8s.helm.v4.Chart(
                `${name}-egress-gateway`,
                {
                    name: cfg.egressGateway.name,
                    chart: "gateway",
                    version: cfg.primary.version,
                    repositoryOpts,
                    namespace: egressNs.metadata.name,
                    values: egressGatewayValues(cfg, cfg.egressGateway),
                },
                { ...k8sOpts, dependsOn: [primary] },
            );
        }

        new PeerAuthentication(
            `${name}-peer-authentication`,
            {
                metadata: { name: MESH_DEFAULT_PEER_AUTHENTICATION, namespace: rootNs.metadata.name },
                spec: { mtls: { mode: cfg.mesh.mtls } },
            },
            { ...k8sOpts, dependsOn: allIstiod },
        );

        this.namespaces = {};
        for (const ns of args.namespaces) {
            const owner = byRevision.get(ns.revision) ?? primary;
            // Workloads start in a labelled namespace only once what captures their traffic runs.
            const resource = appNamespace(`${name}-ns-${ns.name}`, ns, cfg.dataPlane, protect, {
                ...k8sOpts,
                dependsOn: [owner, ...dataPlaneReady],
            });
            this.namespaces[ns.name] = resource.metadata.name;
        }

        this.ready = [...allIstiod, ...dataPlaneReady, ...(gatewayApi?.ready ?? [])];
        this.egressReady = egressGateway ? [egressGateway] : [];
        this.rootNamespace = rootNs.metadata.name;
        this.gatewayNamespace = gatewayNs.metadata.name;
        // Depends on the chart so that consumers of the name wait for the gateway to exist.
        this.gatewayServiceName = pulumi.output(gateway.resources).apply(() => cfg.gateway.name);
        // No `Service.get`: a read runs in previews and fails there while the Service does not
        // exist yet (see chartService.ts); the chart's own child already holds the awaited status.
        this.gatewayLoadBalancer =
            cfg.gateway.serviceType === "LoadBalancer" && (args.gatewayStatus ?? true)
                ? chartServiceLoadBalancer(gateway.resources, this.gatewayNamespace, cfg.gateway.name)
                : pulumi.output(undefined);
        this.registerOutputs({
            rootNamespace: this.rootNamespace,
            gatewayNamespace: this.gatewayNamespace,
            gatewayServiceName: this.gatewayServiceName,
            namespaces: this.namespaces,
        });
    }
}

/** Namespaces that exist in every cluster are labelled in place rather than created. */
const PREEXISTING_NAMESPACES = ["default"];

function appNamespace(
    name: string,
    ns: AppNamespace,
    dataPlane: DataPlane,
    protect: boolean,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace | k8s.core.v1.NamespacePatch {
    const metadata = { name: ns.name, labels: meshNamespaceLabels(ns.dataPlane ?? dataPlane, ns.revision) };
    // Deleting a patch only removes its labels: there is nothing to protect.
    return PREEXISTING_NAMESPACES.includes(ns.name)
        ? new k8s.core.v1.NamespacePatch(name, { metadata }, opts)
        : new k8s.core.v1.Namespace(name, { metadata }, { ...opts, ...protectOpts(protect) });
}
