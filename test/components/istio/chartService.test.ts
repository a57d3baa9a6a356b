import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { LoadBalancerStatus } from "../../../components/istio";
import { chartServiceLoadBalancer } from "../../../components/istio/chartService";

/** A chart child as the SDK rehydrates it: a typed resource object whose fields are outputs. */
function child(type: string, namespace: string, name: string, status?: object): Record<string, unknown> {
    return {
        __pulumiType: type,
        metadata: pulumi.output({ name, namespace }),
        status: pulumi.output(status),
    };
}

const SERVICE = "kubernetes:core/v1:Service";

function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

function lookUp(children: unknown[] | undefined): Promise<LoadBalancerStatus | undefined> {
    return valueOf(
        chartServiceLoadBalancer(
            pulumi.output(children) as pulumi.Output<unknown[]>,
            pulumi.output("istio-ingress"),
            "istio-ingressgateway",
        ),
    );
}

describe("chartServiceLoadBalancer: the gateway Service's load balancer among a chart's children", () => {
    const lb = { ingress: [{ hostname: "a1.elb.example.com" }] };

    it("takes .status.loadBalancer of the Service with the release's name in the release's namespace", async () => {
        assert.deepStrictEqual(
            await lookUp([
                child("kubernetes:core/v1:ServiceAccount", "istio-ingress", "istio-ingressgateway"),
                child("kubernetes:apps/v1:Deployment", "istio-ingress", "istio-ingressgateway", {
                    loadBalancer: { ingress: [{ ip: "192.0.2.1" }] },
                }),
                child(SERVICE, "other", "istio-ingressgateway", {
                    loadBalancer: { ingress: [{ ip: "192.0.2.2" }] },
                }),
                child(SERVICE, "istio-ingress", "something-else", {
                    loadBalancer: { ingress: [{ ip: "192.0.2.3" }] },
                }),
                child(SERVICE, "istio-ingress", "istio-ingressgateway", { loadBalancer: lb }),
            ]),
            lb,
        );
    });

    it("is undefined without children (offline), without the Service, or before the Service has a status", async () => {
        assert.strictEqual(await lookUp([]), undefined);
        assert.strictEqual(await lookUp(undefined), undefined);
        assert.strictEqual(
            await lookUp([child(SERVICE, "other", "istio-ingressgateway", { loadBalancer: lb })]),
            undefined,
        );
        assert.strictEqual(
            await lookUp([child(SERVICE, "istio-ingress", "istio-ingressgateway")]),
            undefined,
        );
        // A dry-run create (preview) returns the object without an address yet.
        assert.deepStrictEqual(
            await lookUp([child(SERVICE, "istio-ingress", "istio-ingressgateway", { loadBalancer: {} })]),
            {},
        );
    });
});
