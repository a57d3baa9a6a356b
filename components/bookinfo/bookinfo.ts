import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Application, ApplicationArgs } from "../applications/application";
import type { GatewayTls } from "../shared/ingress";
import { FORMER_TYPE, bookinfoApplication, formerEgressNames } from "./application";
import { BookinfoConfig } from "./config";

export { ingressHosts } from "../applications/ingress";

/** HTTPS for the Bookinfo Gateway (see components/shared/ingress.ts). */
export type BookinfoTls = GatewayTls;

export interface BookinfoArgs {
    provider: k8s.Provider;
    config: BookinfoConfig;
    /** The Bookinfo namespace, created and labelled for injection by the control plane. */
    namespace: pulumi.Output<string>;
    /** The control plane's `ready`: Istio resources and injected workloads wait for it. */
    controlPlaneReady: pulumi.Input<pulumi.Resource>[];
    /** The installed ingress gateway (release name, namespace) and the ingress API (`gateway.api`). */
    ingressGateway: ApplicationArgs["ingressGateway"];
    /** With `mesh.egressGateway.enabled`: the Google Books API is reached through it. */
    egressGateway?: ApplicationArgs["egressGateway"];
    tls?: BookinfoTls;
}

/**
 * The Bookinfo sample, built by the generic Application component from its catalogue and routing
 * variants. It was a component of its own type before: the alias keeps every child's URN.
 */
export function bookinfo(name: string, args: BookinfoArgs): Application {
    const { config, ...wiring } = args;
    return new Application(
        name,
        {
            ...wiring,
            spec: bookinfoApplication(config),
            childAliases: formerEgressNames(name, (n, t) => pulumi.createUrn(n, t)),
        },
        { aliases: [{ type: FORMER_TYPE }] },
    );
}
