/**
 * The LoadBalancer address of a Service a helm.v4.Chart created, taken from the chart's own
 * `resources` output rather than read back from the cluster.
 *
 * Why not `k8s.core.v1.Service.get`: the engine runs Read steps during previews too and skips them
 * only when the id is unknown (pulumi/pulumi pkg/resource/deploy/step.go, ReadStep.Apply), and a
 * read of an object that does not exist fails with "resource '…' does not exist". The gateway
 * Service's namespace/name are known in a preview, so the first preview of a fresh LoadBalancer
 * stack would fail before anything was created; every later preview and `up` would also carry an
 * extra read step.
 *
 * Why the chart's children carry the address: Chart v4 is a component the provider constructs; its
 * `resources` output is the array of child resources it registered (pulumi-kubernetes
 * provider/pkg/provider/helm/v4/chart.go, `comp.Resources = provideryamlv2.Register(...)`), which
 * the Node SDK rehydrates into resource objects from the state the engine recorded for them (the
 * `pulumi:pulumi:getResource` invoke, pulumi/pulumi pkg/resource/deploy/builtins.go, answered from
 * the states step_executor.go records for registrations in previews and updates alike). A Service's
 * recorded outputs are the live object the provider fetched after its await logic: for a
 * LoadBalancer that waits for `.status.loadBalancer.ingress` (provider/pkg/await/service.go,
 * `processServiceEvent`) and then re-gets the object (provider/pkg/await/await.go, `Creation`).
 * In a preview the new child has no status (or an unknown one); offline the mock Chart has no
 * children: both leave the address undefined, so the outputs say where it will come from.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerStatus } from "./access";

/** The parts of a chart child (a rehydrated resource object) the lookup reads. */
interface ChartChild {
    metadata?: pulumi.Input<{ name?: string; namespace?: string } | undefined>;
    status?: pulumi.Input<{ loadBalancer?: LoadBalancerStatus } | undefined>;
}

/**
 * `.status.loadBalancer` of the Service `namespace/name` among a chart's child resources, or
 * undefined when the chart has no such Service or it has no load balancer status (yet).
 */
export function chartServiceLoadBalancer(
    resources: pulumi.Input<unknown[]>,
    namespace: pulumi.Input<string>,
    name: pulumi.Input<string>,
): pulumi.Output<LoadBalancerStatus | undefined> {
    const children = pulumi.output(resources) as pulumi.Output<unknown[] | undefined>;
    return pulumi.all([children, namespace, name]).apply(([all, ns, n]) => {
        // `isInstance` compares the `__pulumiType` every resource object carries.
        const services = ((all ?? []) as unknown[]).filter((c) =>
            k8s.core.v1.Service.isInstance(c),
        ) as ChartChild[];
        return pulumi
            .all(services.map((s) => pulumi.all([pulumi.output(s.metadata), pulumi.output(s.status)])))
            .apply((found) => {
                const hit = found.find(([meta]) => meta?.name === n && meta?.namespace === ns);
                return hit?.[1]?.loadBalancer;
            });
    });
}
