/**
 * istio-mesh: composition only. Reads the validated stack config and wires the components; the
 * resource logic lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { Application, ingressAccess, ingressEntryPath } from "./components/applications";
import { bookinfo as createBookinfo, productPageAccess } from "./components/bookinfo";
import { Cluster } from "./components/cluster";
import {
    ControlPlane,
    gatewayAccess,
    gatewayShellOrigin,
    ingressPorts,
    kubectlCommand,
} from "./components/istio";
import {
    CREDENTIALS_OUTPUT,
    IDENTITY_OUTPUT,
    MulticlusterMesh,
    TRUST_OUTPUT,
    identityWithServices,
    joinMesh,
} from "./components/multicluster";
import { Observability, meshFacts } from "./components/observability";
import { uiAccessOutputs } from "./components/observability/outputs";
import { ingressTls } from "./components/shared/ingress";
import { revisionName } from "./components/shared/names";
import { IngressTls, httpsUrls } from "./components/tls";
import { namedIngressHosts, readStackConfig, readStackSecrets } from "./config";

export = async () => {
    const cfg = readStackConfig();
    const secrets = readStackSecrets(cfg);
    // Peers are read and checked before anything is declared (a refused peer stops the run).
    const mc = cfg.multicluster.enabled
        ? await joinMesh(cfg.multicluster, cfg.stack, cfg.istio.mesh.mtls, cfg.istio.rootNamespace)
        : undefined;
    // Written manifests would hold the credentials in plaintext: supplied out of band.
    const createSecrets = cfg.cluster.renderYamlTo === undefined;

    const cluster = new Cluster("cluster", {
        config: {
            kind: cfg.cluster.kind,
            kubeconfig: cfg.cluster.kubeconfig,
            context: cfg.cluster.context,
            renderYamlTo: cfg.cluster.renderYamlTo,
        },
        gatewayNodePorts: cfg.istio.gateway.nodePorts,
    });

    const mesh = new ControlPlane("istio", {
        provider: cluster.provider,
        config: cfg.istio,
        protect: cfg.cluster.protect,
        gatewayStatus: cfg.cluster.renderYamlTo === undefined,
        multicluster: mc && {
            identity: mc.identity,
            rootStack: mc.identity.rootStack,
            pluginCa: mc.pluginCa,
            trustGeneration: mc.trustGeneration,
        },
        namespaces: [
            ...cfg.istio.namespaces,
            ...(cfg.bookinfo.enabled ? [cfg.bookinfo] : []).map((b) => ({
                name: b.namespace,
                revision: cfg.istio.primary.revision,
                dataPlane: b.dataPlane,
            })),
            ...cfg.applications.map((app) => ({
                name: app.namespace,
                revision: cfg.istio.primary.revision,
                dataPlane: app.dataPlane,
            })),
        ],
    });

    const multicluster =
        mc &&
        new MulticlusterMesh("multicluster", {
            provider: cluster.provider,
            controlPlane: cfg.istio,
            network: cfg.multicluster.network,
            apiServer: cfg.multicluster.apiServer,
            rootNamespace: mesh.rootNamespace,
            controlPlaneReady: mesh.ready,
            peers: mc.peers,
        });

    // Before Bookinfo, whose Gateway takes `tls.gatewayTls` (credentialName, hosts, redirect).
    const tls = cfg.tls.enabled
        ? new IngressTls("tls", {
              provider: cluster.provider,
              config: {
                  hosts: cfg.tls.hosts,
                  issuer: cfg.tls.issuer,
                  httpsRedirect: cfg.tls.httpsRedirect,
                  certManager: cfg.tls.certManager,
              },
              gatewayNamespace: mesh.gatewayNamespace,
              protect: cfg.cluster.protect,
          })
        : undefined;

    const namedHosts = namedIngressHosts(cfg);
    const tlsFor = (hosts: readonly string[]) => tls && ingressTls(tls.gatewayTls, hosts, namedHosts);

    const observability = cfg.observability.enabled
        ? new Observability("observability", {
              config: cfg.observability,
              istio: meshFacts(cfg.istio),
              protect: cfg.cluster.protect,
              provider: cluster.provider,
              controlPlane: mesh,
              tls: tls?.gatewayTls,
              ingressPorts: ingressPorts(cfg.istio, cfg.cluster),
              createSecrets,
              kialiOidcClientSecret: secrets.kialiOidcClientSecret,
          })
        : undefined;

    const ingressGateway = {
        releaseName: cfg.istio.gateway.name,
        namespace: cfg.istio.gateway.namespace,
        api: cfg.istio.gatewayApi,
    };
    const egressGateway = cfg.istio.egressGateway && {
        releaseName: cfg.istio.egressGateway.name,
        namespace: cfg.istio.egressGateway.namespace,
        ready: mesh.egressReady,
    };
    const bookinfo = cfg.bookinfo.enabled
        ? createBookinfo("bookinfo", {
              provider: cluster.provider,
              config: cfg.bookinfo,
              namespace: mesh.namespaces[cfg.bookinfo.namespace],
              controlPlaneReady: mesh.ready,
              ingressGateway,
              egressGateway,
              tls: tlsFor(cfg.bookinfo.hosts),
          })
        : undefined;

    const gateway = mesh.gatewayLoadBalancer.apply((lb) => gatewayAccess(cfg.istio, cfg.cluster, lb));
    const productPage =
        bookinfo &&
        gateway.apply((g) =>
            productPageAccess(
                g,
                gatewayShellOrigin(cfg.istio, cfg.cluster, g),
                cfg.bookinfo.hosts,
                ingressPorts(cfg.istio, cfg.cluster),
            ),
        );
    const loginContext = {
        stack: pulumi.getStack(),
        secretsCreated: createSecrets,
        kubectl: kubectlCommand(cfg.cluster),
    };

    // One application at a time, each after the SDK has worked through the registrations of the
    // ones before (a macrotask turn drains its microtasks). Declared all in one synchronous turn,
    // every application's pending registrations and their serialized inputs are alive at once,
    // and the garbage collector copies them over and over: with 50 applications that was a third
    // of the evaluation. The resources and their dependencies are the same.
    const applications: Application[] = [];
    for (const spec of cfg.applications) {
        await new Promise((settled) => setImmediate(settled));
        applications.push(
            new Application(spec.name, {
                provider: cluster.provider,
                spec,
                namespace: mesh.namespaces[spec.namespace],
                controlPlaneReady: mesh.ready,
                ingressGateway,
                egressGateway,
                tls: tlsFor(spec.ingress?.hosts ?? []),
            }),
        );
    }

    return {
        istioVersion: cfg.istio.primary.version,
        istioRevision: revisionName(cfg.istio.primary.revision),
        canaryRevision: cfg.istio.canary?.revision,
        gatewayService: { name: mesh.gatewayServiceName, namespace: mesh.gatewayNamespace },
        gateway,
        namespaces: mesh.namespaces,
        https: tls && {
            urls: httpsUrls(cfg.tls.hosts, cfg.istio, cfg.cluster),
            credentialName: tls.credentialName,
        },
        productPageUrl: productPage?.url,
        productPage,
        bookinfoRoutes: bookinfo?.routes,
        // How to reach each application's ingress: what `npm run traffic -- --app NAME` sends to.
        applicationIngress: gateway.apply((g) =>
            Object.fromEntries(
                cfg.applications.flatMap((spec) =>
                    spec.ingress
                        ? [
                              [
                                  spec.name,
                                  ingressAccess(
                                      g,
                                      gatewayShellOrigin(cfg.istio, cfg.cluster, g),
                                      spec.ingress.hosts,
                                      ingressPorts(cfg.istio, cfg.cluster),
                                      ingressEntryPath(spec.ingress),
                                  ),
                              ],
                          ]
                        : [],
                ),
            ),
        ),
        applications: [...(bookinfo ? [bookinfo] : []), ...applications].flatMap((a) => a.table),
        observability:
            observability &&
            gateway.apply((g) =>
                uiAccessOutputs(
                    observability.access,
                    cfg.observability,
                    cfg.istio.rootNamespace,
                    g,
                    loginContext,
                ),
            ),
        kialiViewerTokens: observability?.kialiViewerTokens,
        grafanaAdmin: observability?.grafanaAdmin,
        // Read by the peer stacks (components/multicluster/read.ts).
        [IDENTITY_OUTPUT]:
            mc &&
            identityWithServices(mc.identity, [
                ...(bookinfo ? [{ namespace: cfg.bookinfo.namespace, rows: bookinfo.table }] : []),
                ...applications.map((a, i) => ({ namespace: cfg.applications[i].namespace, rows: a.table })),
            ]),
        [CREDENTIALS_OUTPUT]: multicluster?.credentials,
        [TRUST_OUTPUT]: mc?.trust,
    };
};
