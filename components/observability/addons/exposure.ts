/**
 * UI exposure: one Gateway on the ingress gateway for every UI exposed on a host, and a
 * VirtualService per UI routing its path to its Service (over HTTPS for named hosts when TLS is on);
 * with `gateway.api: gateway-api`, a Gateway API Gateway and an HTTPRoute per UI instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { Gateway, VirtualService } from "../../crds";
import { gatewayApiIngress } from "../../shared/gatewayApiIngress";
import { ingressServers } from "../../shared/ingress";
import { gatewaySelectorLabel, serviceFqdn } from "../../shared/names";
import type { AddonContext } from "../addon";
import { exposedHosts, exposedUis, httpsHosts, uiTarget } from "../access";

/** Name of the Gateway that exposes the UIs through the ingress gateway. */
export const UI_GATEWAY = "observability";
/** Suffix of that Gateway's server port names (http-observability, https-observability). */
const UI_SERVER_SUFFIX = "-observability";

/** Gateway and routes for the UIs exposed through the ingress gateway. */
export function exposeUis(ctx: AddonContext): void {
    const { name, namespace, k8sOpts, ready, tls, config: cfg } = ctx;
    const meshOpts = { ...k8sOpts, dependsOn: [...ready, ...(tls?.dependsOn ?? [])] };
    const exposed = exposedUis(cfg);
    if (exposed.length === 0) {
        return;
    }
    const hosts = exposedHosts(cfg);
    if (ctx.mesh.ingressApi === "gateway-api") {
        // The same hosts, paths and HTTPS as the Istio Gateway below, on the same gateway pods.
        const secureHosts = tls ? httpsHosts(cfg) : [];
        gatewayApiIngress({
            name,
            opts: k8sOpts,
            namespace: { name: ctx.mesh.rootNamespace, resource: namespace },
            gatewayName: UI_GATEWAY,
            gatewayService: { name: ctx.mesh.gatewayName, namespace: ctx.mesh.gatewayNamespace },
            hosts,
            tls: tls && { certificate: tls, hosts: secureHosts },
            routes: exposed.map((ui) => {
                const t = uiTarget(ui);
                return {
                    name: `${ui}-ui`,
                    resource: `${ui}-route`,
                    hosts: [cfg[ui].ingress.host],
                    paths: [{ prefix: t.path }],
                    service: t.service,
                    port: t.servicePort,
                };
            }),
            dependsOn: ready,
        });
        return;
    }
    const selector = { istio: gatewaySelectorLabel(ctx.mesh.gatewayName) };
    const secure = tls ? httpsHosts(cfg) : [];
    const spec =
        tls && secure.length > 0
            ? pulumi.output(tls.credentialName).apply((credentialName) => ({
                  selector,
                  servers: ingressServers(
                      hosts,
                      { credentialName, hosts: secure, httpsRedirect: tls.httpsRedirect },
                      UI_SERVER_SUFFIX,
                  ),
              }))
            : { selector, servers: ingressServers(hosts, undefined, UI_SERVER_SUFFIX) };
    const gateway = new Gateway(
        `${name}-gateway`,
        { metadata: { name: UI_GATEWAY, namespace }, spec },
        meshOpts,
    );
    for (const ui of exposed) {
        const t = uiTarget(ui);
        new VirtualService(
            `${name}-${ui}-route`,
            {
                metadata: { name: `${ui}-ui`, namespace },
                spec: {
                    hosts: [cfg[ui].ingress.host],
                    gateways: [UI_GATEWAY],
                    http: [
                        {
                            name: ui,
                            match: [{ uri: { prefix: t.path } }],
                            route: [
                                {
                                    destination: {
                                        host: serviceFqdn(t.service, ctx.mesh.rootNamespace),
                                        port: { number: t.servicePort },
                                    },
                                },
                            ],
                        },
                    ],
                },
            },
            { ...meshOpts, dependsOn: [...ready, gateway] },
        );
    }
}
