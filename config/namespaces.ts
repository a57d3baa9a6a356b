/**
 * The namespaces the stack creates, by purpose. Each name may serve one purpose only: two purposes
 * sharing a name would declare the same Namespace twice (two resources, one object), and whichever
 * is deleted first takes the other's workloads with it. New concerns add their namespaces here.
 */
import type { ConfigIssue } from "./reader";
import { show } from "./reader";

export interface OwnedNamespace {
    name: string;
    /** The config key that names it, e.g. `gateway.namespace` or `mesh.namespaces[2]`. */
    key: string;
    /** What the stack puts there, for messages. */
    purpose: string;
    /** The stack labels this namespace in place instead of creating it (only `default`). */
    mayPreexist?: boolean;
}

/** Namespaces of Kubernetes itself; the stack may create or claim none of them. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

/** Exists in every cluster: creating it fails (AlreadyExists); it can only be labelled in place. */
export const DEFAULT_NAMESPACE = "default";

/** The collisions among `owned`, in order: a later entry never takes a name an earlier one has. */
export function namespaceIssues(owned: readonly OwnedNamespace[]): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const first = new Map<string, OwnedNamespace>();
    for (const ns of owned) {
        if (SYSTEM_NAMESPACES.includes(ns.name)) {
            issues.push({
                key: ns.key,
                message: `${show(ns.name)} is reserved for Kubernetes; choose a namespace of its own for ${ns.purpose}`,
            });
            continue;
        }
        if (ns.name === DEFAULT_NAMESPACE && !ns.mayPreexist) {
            issues.push({
                key: ns.key,
                message: `${show(ns.name)} already exists in every cluster and cannot be created; choose a namespace of its own for ${ns.purpose}`,
            });
            continue;
        }
        const before = first.get(ns.name);
        if (before !== undefined) {
            issues.push({
                key: ns.key,
                message:
                    `${show(ns.name)} is already used by ${before.key} (${before.purpose}); ` +
                    `choose a namespace of its own for ${ns.purpose}`,
            });
            continue;
        }
        first.set(ns.name, ns);
    }
    return issues;
}
