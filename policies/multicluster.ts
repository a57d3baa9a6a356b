/**
 * The multi-cluster mesh as a whole. The pack sees one stack; it sees its peers through the
 * StackReferences the program reads them with (`pulumi:pulumi:StackReference`, whose `outputs`
 * hold each peer's `multicluster` identity: meshId, clusterName, network, mtls).
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ISTIO_SECURITY, Props, asRecord, asString, at, chartOf, isKind, namespaceOf } from "./lib/objects";

export const STACK_REFERENCE = "pulumi:pulumi:StackReference";

interface ClusterFacts {
    /** Who: "this stack" or the peer stack's name. */
    who: string;
    meshId?: string;
    clusterName?: string;
    network?: string;
    mtls?: string;
    /** The stack holding the mesh's root CA. */
    rootStack?: string;
}

/**
 * The annotation the program puts on `cacerts` naming the root stack (components/istio/controlPlane.ts
 * ROOT_STACK_ANNOTATION; the pack is self-contained, so it is spelt here too).
 */
export const ROOT_STACK_ANNOTATION = "istio-mesh.io/root-stack";

/** The stack part of `org/project/stack`: the root stack is compared by stack name. */
function stackName(ref: string): string {
    return ref.split("/").pop() ?? ref;
}

function propsOf(r: PolicyResource): Props {
    return r.props as Props;
}

/** This stack's identity, from its istiod charts' values and its mesh-wide PeerAuthentication. */
function ownFacts(resources: PolicyResource[]): ClusterFacts | undefined {
    const istiod = resources
        .map((r) => chartOf(r.type, propsOf(r), r.name))
        .filter((c) => c?.chart === "istiod" && asString(at(c.values, "global", "meshID")) !== undefined);
    if (istiod.length === 0) {
        return undefined;
    }
    const values = istiod[0]?.values;
    const root = asString(at(values, "global", "istioNamespace")) ?? istiod[0]?.namespace;
    const meshWide = resources.filter(
        (r) =>
            isKind(r.type, ISTIO_SECURITY, "PeerAuthentication") &&
            namespaceOf(propsOf(r)) === root &&
            Object.keys(asRecord(at(propsOf(r), "spec", "selector", "matchLabels")) ?? {}).length === 0,
    );
    const cacerts = resources.find(
        (r) =>
            r.type === "kubernetes:core/v1:Secret" &&
            asString(at(propsOf(r), "metadata", "name")) === "cacerts" &&
            namespaceOf(propsOf(r)) === root,
    );
    return {
        who: "this stack",
        rootStack:
            cacerts && asString(at(propsOf(cacerts), "metadata", "annotations", ROOT_STACK_ANNOTATION)),
        meshId: asString(at(values, "global", "meshID")),
        clusterName: asString(at(values, "global", "multiCluster", "clusterName")),
        network: asString(at(values, "global", "network")),
        mtls: meshWide.length === 0 ? "UNSET" : asString(at(propsOf(meshWide[0]), "spec", "mtls", "mode")),
    };
}

/** Each referenced peer's `multicluster` output. */
function peerFacts(resources: PolicyResource[]): ClusterFacts[] {
    return resources
        .filter((r) => r.type === STACK_REFERENCE)
        .flatMap((r) => {
            const identity = asRecord(at(propsOf(r), "outputs", "multicluster"));
            if (!identity) {
                return [];
            }
            return [
                {
                    who: `peer ${asString(propsOf(r).name) ?? r.name}`,
                    meshId: asString(identity.meshId),
                    clusterName: asString(identity.clusterName),
                    network: asString(identity.network),
                    mtls: asString(identity.mtls),
                    rootStack: asString(identity.rootStack),
                },
            ];
        });
}

export const multiclusterMeshConsistent: StackValidationPolicy = {
    name: "multicluster-mesh-consistent",
    description:
        "In a multi-cluster mesh, every cluster (this stack and each peer it references) enforces mTLS STRICT, " +
        "all share one meshId and one root stack (multicluster.trust.rootStack), and each has its own clusterName and network.",
    severity: "critical",
    validateStack: (args, reportViolation) => {
        const self = ownFacts(args.resources);
        if (!self) {
            return args.notApplicable("not in a multi-cluster mesh (no istiod with global.meshID)");
        }
        const all = [self, ...peerFacts(args.resources)];
        for (const c of all) {
            if (c.mtls !== "STRICT") {
                reportViolation(
                    `${c.who} (cluster ${c.clusterName ?? "?"}) runs mesh-wide mTLS ${c.mtls ?? "UNSET"}: traffic between ` +
                        "clusters crosses networks and must be mutual TLS. Fix: mesh.mtls STRICT in that stack.",
                );
            }
            if (
                c !== self &&
                self.rootStack !== undefined &&
                (c.rootStack === undefined || stackName(c.rootStack) !== stackName(self.rootStack))
            ) {
                reportViolation(
                    `${c.who} has multicluster.trust.rootStack ${c.rootStack ?? "?"}, this stack ${self.rootStack}: ` +
                        "one mesh has one root CA; two roots split it into trust domains whose mTLS fails between them.",
                );
            }
            if (c.meshId !== self.meshId) {
                reportViolation(
                    `${c.who} is in mesh ${c.meshId ?? "?"}, this stack in ${self.meshId ?? "?"}: one mesh has one meshId.`,
                );
            }
        }
        for (const field of ["clusterName", "network"] as const) {
            const seen = new Map<string, string>();
            for (const c of all) {
                const v = c[field];
                if (v === undefined) {
                    continue;
                }
                const first = seen.get(v);
                if (first !== undefined) {
                    reportViolation(
                        `${c.who} has the ${field} ${v} of ${first}; each cluster needs its own.`,
                    );
                } else {
                    seen.set(v, c.who);
                }
            }
        }
    },
};

export const multiclusterPolicies = [multiclusterMeshConsistent];
