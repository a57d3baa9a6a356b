import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AuthorizationPolicy, DestinationRule, Gateway, ServiceEntry, VirtualService } from "../crds";
import { gatewaySelectorLabel } from "../shared/names";
import { accessPolicies } from "./access";
import { Workload, deployedWorkloads, workloadId } from "./catalogue";
import { BookinfoConfig } from "./config";
import { googleApisEgress } from "./egress";
import { RouteRow, explainRoutes } from "./explain";
import type { GatewayTls } from "../shared/ingress";
import { BOOKINFO_GATEWAY, BOOKINFO_INGRESS_ROUTE, gatewaySpec, ingressRouteSpec } from "./ingress";
import { routingObjects } from "./routing";
import { deploymentArgs, serviceAccountArgs, serviceArgs } from "./workloads";

/** HTTPS at the Bookinfo Gateway; the certificate Secret comes from the TLS component. */
/** HTTPS for the Bookinfo Gateway (see components/shared/ingress.ts). */
export type BookinfoTls = GatewayTls;

export interface BookinfoArgs {
    provider: k8s.Provider;
    config: BookinfoConfig;
    /** The Bookinfo namespace, created and labelled for injection by the control plane. */
    namespace: pulumi.Output<string>;
    /** The control plane's `ready`: Istio resources and injected workloads wait for it. */
    controlPlaneReady: pulumi.Input<pulumi.Resource>[];
    /** The installed ingress gateway: its Helm release name (labels, ServiceAccount) and namespace. */
    ingressGateway: { releaseName: string; namespace: string };
    tls?: BookinfoTls;
}

/**
 * The Bookinfo sample: its workloads with their identities, the ingress Gateway, one
 * DestinationRule and one VirtualService per service from the configured routing variants, access
 * policies, and the egress details v2 needs.
 */
export class Bookinfo extends pulumi.ComponentResource {
    /** What each kind of request reaches, read back from the generated routing objects. */
    public readonly routes: RouteRow[];
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: BookinfoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:bookinfo:Bookinfo", name, {}, opts);
        const cfg = args.config;
        const ns = args.namespace;
        const base = { parent: this, provider: args.provider };
        const afterIstio = { ...base, dependsOn: args.controlPlaneReady };

        const workloads = deployedWorkloads(cfg.versions);

        const accounts = new Map<string, Workload>();
        workloads.forEach((w) => accounts.set(w.serviceAccount, accounts.get(w.serviceAccount) ?? w));
        for (const [sa, w] of accounts) {
            new k8s.core.v1.ServiceAccount(`${name}-sa-${sa}`, serviceAccountArgs(w, ns), base);
        }

        const deployments = new Map<string, k8s.apps.v1.Deployment[]>();
        for (const w of workloads) {
            // Injected workloads: the sidecar injector must be serving before their pods exist.
            const d = new k8s.apps.v1.Deployment(
                `${name}-deploy-${workloadId(w)}`,
                deploymentArgs(w, ns),
                afterIstio,
            );
            deployments.set(w.app, [...(deployments.get(w.app) ?? []), d]);
        }
        const apps = [...new Map(workloads.map((w) => [w.app, w])).values()];
        for (const w of apps) {
            new k8s.core.v1.Service(`${name}-svc-${w.app}`, serviceArgs(w, ns), base);
        }

        // Routing: one DestinationRule and one VirtualService per service. A VirtualService waits
        // for its DestinationRule and for the versions it routes to, so a switch never sends
        // traffic to a subset or a version that does not exist yet.
        const routing = routingObjects(cfg.routes, cfg.versions);
        for (const { service, destinationRule, virtualService } of routing.services) {
            const dr = new DestinationRule(
                `${name}-dr-${service}`,
                { metadata: { name: service, namespace: ns }, spec: destinationRule },
                afterIstio,
            );
            new VirtualService(
                `${name}-vs-${service}`,
                { metadata: { name: service, namespace: ns }, spec: virtualService },
                { ...base, dependsOn: [...args.controlPlaneReady, dr, ...(deployments.get(service) ?? [])] },
            );
        }
        this.routes = explainRoutes(
            routing.services.map((s) => ({ spec: s.virtualService })),
            routing.services.map((s) => ({ spec: s.destinationRule })),
        );

        const selector = gatewaySelectorLabel(args.ingressGateway.releaseName);
        const tls = args.tls;
        const spec = tls
            ? pulumi.output(tls.credentialName).apply((credentialName) =>
                  gatewaySpec(selector, cfg.hosts, {
                      credentialName,
                      hosts: tls.hosts,
                      httpsRedirect: tls.httpsRedirect,
                  }),
              )
            : gatewaySpec(selector, cfg.hosts);
        const gateway = new Gateway(
            `${name}-gateway`,
            { metadata: { name: BOOKINFO_GATEWAY, namespace: ns }, spec },
            { ...base, dependsOn: [...args.controlPlaneReady, ...(tls?.dependsOn ?? [])] },
        );
        new VirtualService(
            `${name}-ingress-route`,
            {
                metadata: { name: BOOKINFO_INGRESS_ROUTE, namespace: ns },
                spec: ingressRouteSpec(ingressHosts(cfg.hosts, tls)),
            },
            { ...base, dependsOn: [...args.controlPlaneReady, gateway] },
        );

        const policies = accessPolicies(cfg.access, {
            namespace: cfg.namespace,
            gateway: {
                namespace: args.ingressGateway.namespace,
                serviceAccount: args.ingressGateway.releaseName,
            },
            workloads,
        });
        for (const p of policies) {
            new AuthorizationPolicy(
                `${name}-authz-${p.name}`,
                { metadata: { name: p.name, namespace: ns }, spec: p.spec },
                afterIstio,
            );
        }

        if (cfg.versions.details.includes("v2")) {
            const egress = googleApisEgress();
            new ServiceEntry(
                `${name}-egress-entry`,
                {
                    metadata: { name: egress.serviceEntry.name, namespace: ns },
                    spec: egress.serviceEntry.spec,
                },
                afterIstio,
            );
            new VirtualService(
                `${name}-egress-route`,
                {
                    metadata: { name: egress.virtualService.name, namespace: ns },
                    spec: egress.virtualService.spec,
                },
                afterIstio,
            );
            new DestinationRule(
                `${name}-egress-tls`,
                {
                    metadata: { name: egress.destinationRule.name, namespace: ns },
                    spec: egress.destinationRule.spec,
                },
                afterIstio,
            );
        }

        this.namespace = ns;
        this.registerOutputs({ namespace: ns, routes: this.routes });
    }
}

/** The ingress route answers for the configured hosts and for the HTTPS hosts. */
export function ingressHosts(hosts: string[], tls?: { hosts: string[] }): string[] {
    if (hosts.includes("*") || tls === undefined) {
        return hosts;
    }
    return [...new Set([...hosts, ...tls.hosts])];
}
