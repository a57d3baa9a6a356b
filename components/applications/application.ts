import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    AuthorizationPolicy,
    DestinationRule,
    Gateway,
    HTTPRoute,
    KubernetesGateway,
    ServiceEntry,
    VirtualService,
} from "../crds";
import type { GatewayApi } from "../istio/config";
import { gatewayApiIngress } from "../shared/gatewayApiIngress";
import type { GatewayTls } from "../shared/ingress";
import { WAYPOINT, gatewaySelectorLabel } from "../shared/names";
import { dnsNameCovers } from "../tls/hosts";
import { accessPolicies } from "./access";
import { EgressGatewayRef, egressGatewayObjects, egressObjects } from "./egress";
import {
    ANONYMOUS,
    ApplicationRouteRow,
    RouteRow,
    ServiceObject,
    explainHttpRoutes,
    explainRoutes,
} from "./explain";
import { WAYPOINT_ANNOTATIONS, WAYPOINT_LABELS, ambientRouting, waypointSpec } from "./gamma";
import { gatewayName, gatewaySpec, ingressHosts, ingressRouteName, ingressRouteSpec } from "./ingress";
import { ApplicationSpec } from "./model";
import { needsWaypoint, waypointServices } from "./waypoint";
import { routingObjects } from "./routing";
import {
    deploymentArgs,
    serviceAccountArgs,
    serviceAccounts,
    serviceArgs,
    serviceSelector,
    versionServiceArgs,
} from "./workloads";

export interface ApplicationArgs {
    provider: k8s.Provider;
    spec: ApplicationSpec;
    /** The application's namespace, created and enrolled in the mesh by the control plane. */
    namespace: pulumi.Output<string>;
    /** The control plane's `ready`: Istio resources and injected workloads wait for it. */
    controlPlaneReady: pulumi.Input<pulumi.Resource>[];
    /**
     * The installed ingress gateway: its Helm release name (labels, Service, ServiceAccount) and
     * namespace, and the API the ingress is written in (`gateway.api`; default "istio").
     */
    ingressGateway: { releaseName: string; namespace: string; api?: GatewayApi };
    /** HTTPS at the ingress with the certificate from the TLS component. */
    tls?: GatewayTls;
    /** With `mesh.egressGateway.enabled`: egress goes through it. */
    egressGateway?: EgressGatewayRef & { ready: pulumi.Input<pulumi.Resource>[] };
    /** Earlier identities of renamed children, by their new name, so a rename is not a replacement. */
    childAliases?: Record<string, pulumi.Alias[]>;
}

/**
 * The HTTPS hosts an application's Gateway serves: every certificate host when it answers for any
 * host ("*"), otherwise its own hosts that the certificate covers (a host served by two Gateways
 * on the same port is a conflict Istio resolves arbitrarily).
 */
export function servedTlsHosts(hosts: readonly string[], certificateHosts: readonly string[]): string[] {
    if (hosts.includes("*")) {
        return [...certificateHosts];
    }
    return hosts.filter((h) => certificateHosts.some((c) => dnsNameCovers(c, h)));
}

/**
 * One application in the mesh from its description: per service a ServiceAccount per identity, a
 * Deployment per version and a Service; with sidecars a DestinationRule (subsets, resilience) and
 * a VirtualService (routes) per HTTP service, in ambient mode per-version Services, HTTPRoutes and
 * a waypoint instead; the zero-trust AuthorizationPolicies derived from who
 * calls whom; ServiceEntries for its egress; its route on the shared ingress gateway; and the
 * route-explainer table read back from the generated objects.
 */
export class Application extends pulumi.ComponentResource {
    /** What each kind of request reaches, read back from the generated routing objects. */
    public readonly routes: RouteRow[];
    /** The same rows, each naming the application. */
    public readonly table: ApplicationRouteRow[];
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:applications:Application", name, {}, opts);
        const app = args.spec;
        const ns = args.namespace;
        const base = { parent: this, provider: args.provider };
        const afterIstio = { ...base, dependsOn: args.controlPlaneReady };
        const named = (child: string): pulumi.CustomResourceOptions =>
            args.childAliases?.[child] !== undefined ? { aliases: args.childAliases[child] } : {};

        for (const sa of serviceAccounts(app.services)) {
            new k8s.core.v1.ServiceAccount(
                `${name}-sa-${sa.name}`,
                serviceAccountArgs(sa.service, sa.name, ns),
                base,
            );
        }
        const deployments = new Map<string, k8s.apps.v1.Deployment[]>();
        for (const s of app.services) {
            // The sidecar injector must be serving before their pods exist (in ambient mode: the
            // CNI agent and ztunnel, which capture their traffic).
            deployments.set(
                s.name,
                s.versions.map(
                    (v) =>
                        new k8s.apps.v1.Deployment(
                            `${name}-deploy-${s.name}-${v.name}`,
                            deploymentArgs(s, v, ns),
                            afterIstio,
                        ),
                ),
            );
        }
        const policies = accessPolicies({
            mode: app.access,
            namespace: app.namespace,
            services: app.services,
            ingress: app.ingress,
            denies: app.denies,
            gateway: {
                namespace: args.ingressGateway.namespace,
                serviceAccount: args.ingressGateway.releaseName,
            },
            dataPlane: app.dataPlane,
            waypointServices: app.dataPlane === "ambient" ? waypointServices(app) : [],
        });
        // Before the routing: an enrolled Service waits for them (see ambientRouting).
        const authz = policies.map(
            (p) =>
                new AuthorizationPolicy(
                    `${name}-authz-${p.name}`,
                    { metadata: { name: p.name, namespace: ns }, spec: p.spec },
                    afterIstio,
                ),
        );

        if (app.dataPlane === "ambient") {
            this.routes = this.ambientRouting(name, args, deployments, authz);
        } else {
            for (const s of app.services) {
                new k8s.core.v1.Service(`${name}-svc-${s.name}`, serviceArgs(s, ns), base);
            }
            this.routes = this.sidecarRouting(name, args, deployments);
        }
        this.table = this.routes.map((r) => ({ application: app.name, ...r }));

        if (app.ingress !== undefined && args.ingressGateway.api === "gateway-api") {
            // The same hosts, paths and HTTPS as the Istio Gateway below, on the same pods.
            applicationGatewayApiIngress(name, app, args, base);
        } else if (app.ingress !== undefined) {
            const ingress = app.ingress;
            const target = app.services.find((s) => s.name === ingress.service);
            if (target === undefined) {
                throw new Error(`${app.name}: ingress service ${ingress.service} is not one of its services`);
            }
            const selector = gatewaySelectorLabel(args.ingressGateway.releaseName);
            const tls = args.tls;
            const served = tls ? servedTlsHosts(ingress.hosts, tls.hosts) : [];
            const gwName = gatewayName(app.name, ingress);
            const spec =
                tls && served.length > 0
                    ? pulumi.output(tls.credentialName).apply((credentialName) =>
                          gatewaySpec(selector, ingress.hosts, {
                              credentialName,
                              hosts: served,
                              httpsRedirect: tls.httpsRedirect,
                          }),
                      )
                    : gatewaySpec(selector, ingress.hosts);
            const gateway = new Gateway(
                `${name}-gateway`,
                { metadata: { name: gwName, namespace: ns }, spec },
                { ...base, dependsOn: [...args.controlPlaneReady, ...(tls?.dependsOn ?? [])] },
            );
            new VirtualService(
                `${name}-ingress-route`,
                {
                    metadata: { name: ingressRouteName(app.name, ingress), namespace: ns },
                    spec: ingressRouteSpec(
                        gwName,
                        ingressHosts(ingress.hosts, tls && { hosts: served }),
                        ingress,
                        target.port,
                    ),
                },
                { ...base, dependsOn: [...args.controlPlaneReady, gateway] },
            );
        }

        const egw = args.egressGateway;
        const afterEgress = { ...afterIstio, dependsOn: [...args.controlPlaneReady, ...(egw?.ready ?? [])] };
        for (const e of app.egress) {
            const objects = egw ? egressGatewayObjects(e, egw) : egressObjects(e);
            const entry = `${name}-egress-${e.name}`;
            const meta = (n: string) => ({ name: n, namespace: ns });
            new ServiceEntry(
                entry,
                { metadata: meta(objects.serviceEntry.name), spec: objects.serviceEntry.spec },
                { ...afterIstio, ...named(entry) },
            );
            if (objects.gateway !== undefined) {
                new Gateway(
                    `${entry}-gateway`,
                    { metadata: meta(objects.gateway.name), spec: objects.gateway.spec },
                    afterEgress,
                );
            }
            if (objects.gatewayRule !== undefined) {
                new DestinationRule(
                    `${entry}-via`,
                    { metadata: meta(objects.gatewayRule.name), spec: objects.gatewayRule.spec },
                    afterEgress,
                );
            }
            if (objects.virtualService !== undefined) {
                const child = `${entry}-route`;
                new VirtualService(
                    child,
                    { metadata: meta(objects.virtualService.name), spec: objects.virtualService.spec },
                    { ...afterEgress, ...named(child) },
                );
            }
            if (objects.destinationRule !== undefined) {
                const child = `${entry}-tls`;
                new DestinationRule(
                    child,
                    { metadata: meta(objects.destinationRule.name), spec: objects.destinationRule.spec },
                    { ...afterIstio, ...named(child) },
                );
            }
        }

        this.namespace = ns;
        this.registerOutputs({ namespace: ns, routes: this.routes });
    }
    /**
     * Sidecar routing: one DestinationRule and one VirtualService per HTTP service. A
     * VirtualService waits for its DestinationRule and for the versions it routes to, so a switch
     * never sends traffic to a subset or a version that does not exist yet.
     */
    private sidecarRouting(
        name: string,
        args: ApplicationArgs,
        deployments: ReadonlyMap<string, k8s.apps.v1.Deployment[]>,
    ): RouteRow[] {
        const app = args.spec;
        const ns = args.namespace;
        const base = { parent: this, provider: args.provider };
        const routing = routingObjects(app.name, app.services);
        for (const { service, destinationRule, virtualService } of routing) {
            const dr = new DestinationRule(
                `${name}-dr-${service}`,
                { metadata: { name: service, namespace: ns }, spec: destinationRule },
                { ...base, dependsOn: args.controlPlaneReady },
            );
            new VirtualService(
                `${name}-vs-${service}`,
                { metadata: { name: service, namespace: ns }, spec: virtualService },
                { ...base, dependsOn: [...args.controlPlaneReady, dr, ...(deployments.get(service) ?? [])] },
            );
        }
        return explainRoutes(
            routing.map((s) => ({ spec: s.virtualService })),
            routing.map((s) => ({ spec: s.destinationRule })),
            app.profiles ?? [ANONYMOUS],
            true,
        );
    }

    /**
     * Ambient routing (applications/gamma.ts): per HTTP service a Service per version; for a
     * routed service an HTTPRoute bound to its Service (GAMMA), applied by the namespace's
     * waypoint, which the Service is enrolled in with `istio.io/use-waypoint`. The waypoint
     * waits for the control plane's `ready` (istiod, ztunnel and the Gateway API CRDs it is an
     * object of); an enrolled Service waits for the waypoint, so that its traffic is never sent to
     * a waypoint that does not exist; an HTTPRoute waits for its backends.
     */
    private ambientRouting(
        name: string,
        args: ApplicationArgs,
        deployments: ReadonlyMap<string, k8s.apps.v1.Deployment[]>,
        authz: readonly pulumi.Resource[],
    ): RouteRow[] {
        const app = args.spec;
        const ns = args.namespace;
        const base = { parent: this, provider: args.provider };
        const afterIstio = { ...base, dependsOn: args.controlPlaneReady };
        const routing = ambientRouting(app.services, waypointServices(app));
        const waypoint = needsWaypoint(app)
            ? new KubernetesGateway(
                  `${name}-waypoint`,
                  {
                      metadata: {
                          name: WAYPOINT.name,
                          namespace: ns,
                          labels: { ...WAYPOINT_LABELS },
                          annotations: { ...WAYPOINT_ANNOTATIONS },
                      },
                      spec: waypointSpec(),
                  },
                  afterIstio,
              )
            : undefined;
        const serviceObjects: ServiceObject[] = [];
        for (const s of app.services) {
            const r = routing.find((x) => x.service === s.name);
            const enrol = r?.waypoint === true && waypoint !== undefined;
            new k8s.core.v1.Service(
                `${name}-svc-${s.name}`,
                serviceArgs(s, ns, enrol ? { [WAYPOINT.useLabel]: WAYPOINT.name } : {}),
                // Enrolment redirects the Service's traffic through the waypoint: only once the
                // waypoint exists and the access policies admit it at the workloads and check the
                // callers on it, so no call is refused (or let through) in between.
                enrol ? { ...base, dependsOn: [waypoint, ...authz] } : base,
            );
            serviceObjects.push({ metadata: { name: s.name }, spec: { selector: serviceSelector(s) } });
            const backends = (r?.versionServices ?? []).map((v) => {
                serviceObjects.push({
                    metadata: { name: v.name },
                    spec: { selector: serviceSelector(s, v.version) },
                });
                return new k8s.core.v1.Service(`${name}-svc-${v.name}`, versionServiceArgs(s, v, ns), base);
            });
            for (const dr of r?.destinationRules ?? []) {
                new DestinationRule(
                    `${name}-dr-${dr.name}`,
                    { metadata: { name: dr.name, namespace: ns }, spec: dr.spec },
                    afterIstio,
                );
            }
            if (r?.httpRoute !== undefined) {
                new HTTPRoute(
                    `${name}-route-${s.name}`,
                    { metadata: { name: s.name, namespace: ns }, spec: r.httpRoute },
                    {
                        ...base,
                        dependsOn: [
                            ...args.controlPlaneReady,
                            ...(waypoint ? [waypoint] : []),
                            ...backends,
                            ...(deployments.get(s.name) ?? []),
                        ],
                    },
                );
            }
        }
        return explainHttpRoutes(
            routing.flatMap((r) => (r.httpRoute ? [{ spec: r.httpRoute }] : [])),
            serviceObjects,
            app.profiles ?? [ANONYMOUS],
            true,
        );
    }
}

/** The application's ingress as a Gateway API Gateway and HTTPRoute (`gateway.api: gateway-api`). */
function applicationGatewayApiIngress(
    name: string,
    app: ApplicationSpec,
    args: ApplicationArgs,
    opts: pulumi.CustomResourceOptions,
): void {
    const ingress = app.ingress;
    const target = app.services.find((s) => s.name === ingress?.service);
    if (ingress === undefined || target === undefined) {
        throw new Error(`${app.name}: ingress service ${ingress?.service} is not one of its services`);
    }
    const tls = args.tls;
    const served = tls ? servedTlsHosts(ingress.hosts, tls.hosts) : [];
    gatewayApiIngress({
        name,
        opts,
        namespace: { name: app.namespace, resource: args.namespace },
        gatewayName: gatewayName(app.name, ingress),
        gatewayService: { name: args.ingressGateway.releaseName, namespace: args.ingressGateway.namespace },
        hosts: ingress.hosts,
        tls: tls && { certificate: tls, hosts: served },
        routes: [
            {
                name: ingressRouteName(app.name, ingress),
                resource: "ingress-route",
                hosts: ingressHosts(ingress.hosts, tls && { hosts: served }),
                paths: ingress.paths,
                service: ingress.service,
                port: target.port,
            },
        ],
        dependsOn: args.controlPlaneReady,
    });
}
