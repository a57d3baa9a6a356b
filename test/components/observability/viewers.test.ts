import * as assert from "assert";
import { KIALI_CONFIG_GROUPS, kialiViewerRules } from "../../../components/observability/viewers";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { byType, configIssues, evaluateStack, one } from "../../support/stacks";
import { SECRET } from "../../support/types";

const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const WRITE_VERBS = [
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
    "*",
];

interface Rule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/** The rules of the ClusterRole a viewer's binding points at, which must be declared by the stack. */
function viewerRules(ev: Evaluation, viewer: string): Rule[] {
    const binding = one(ev, BINDING, `observability-kiali-viewer-${viewer}`);
    const roleName = (binding.inputs.roleRef as { name: string }).name;
    const roles = byType(ev, CLUSTER_ROLE).filter(
        (r) => (r.inputs.metadata as { name: string }).name === roleName,
    );
    assert.strictEqual(roles.length, 1, `the stack declares ClusterRole ${roleName}`);
    return roles[0].inputs.rules as Rule[];
}

function grants(rules: Rule[], group: string, resource: string, verb: string): boolean {
    return rules.some(
        (r) =>
            (r.apiGroups.includes(group) || r.apiGroups.includes("*")) &&
            (r.resources.includes(resource) ||
                r.resources.includes("*") ||
                r.resources.includes(`${resource.split("/")[0]}/*`)) &&
            (r.verbs.includes(verb) || r.verbs.includes("*")),
    );
}

function tokenName(r: CapturedResource): string {
    return (r.inputs.metadata as { name: string }).name;
}

describe("Kiali viewers: least privilege", () => {
    it("binds viewers to the stack's own role: no port-forward, exec, attach, secrets or writes", async () => {
        const rules = viewerRules(await evaluateStack("dev"), "dev");
        for (const sub of ["pods/portforward", "pods/exec", "pods/attach", "secrets", "configmaps"]) {
            for (const verb of ["get", "list", "watch", "create"]) {
                assert.ok(!grants(rules, "", sub, verb), `${verb} ${sub}`);
            }
        }
        for (const r of rules) {
            assert.deepStrictEqual(
                r.verbs.filter((v) => WRITE_VERBS.includes(v)),
                [],
                JSON.stringify(r),
            );
            assert.ok(!r.apiGroups.includes("*"), "no wildcard API group");
        }
    });

    it("grants what the read-only UI asks with the viewer's token: namespaces, pod logs, Istio config", async () => {
        const rules = viewerRules(await evaluateStack("dev"), "dev");
        assert.ok(grants(rules, "", "namespaces", "list"));
        assert.ok(grants(rules, "", "namespaces", "get"));
        assert.ok(grants(rules, "", "pods/log", "get"), "the logs tab");
        for (const group of ["networking.istio.io", "security.istio.io", "gateway.networking.k8s.io"]) {
            assert.ok(grants(rules, group, "anything", "list"), group);
        }
        assert.ok(KIALI_CONFIG_GROUPS.every((g) => grants(rules, g, "x", "watch")));
    });

    it("adds port-forwarding only with observability.kiali.auth.viewerPortForward", async () => {
        const ev = await evaluateStack("dev", [
            { key: "observability.kiali.auth.viewerPortForward", value: "true" },
        ]);
        const rules = viewerRules(ev, "dev");
        assert.ok(grants(rules, "", "pods/portforward", "create"));
        assert.ok(!grants(rules, "", "pods/exec", "create"));
        assert.ok(!grants(rules, "", "secrets", "get"));
        assert.deepStrictEqual(rules, kialiViewerRules(true));
    });

    it("refuses the chart's roles for viewers, pointing at the opt-in", () => {
        for (const role of ["kiali-viewer", "kiali"]) {
            const issues = configIssues("dev", { "observability.kiali.auth.viewerRole": role });
            assert.deepStrictEqual(
                issues.map((i) => i.key),
                ["observability.kiali.auth.viewerRole"],
            );
            assert.match(issues[0].message, /viewerPortForward/);
        }
    });

    it("rotates every viewer token when observability.kiali.auth.tokenRotation changes", async () => {
        const before = one(await evaluateStack("dev"), SECRET, "observability-kiali-viewer-dev-token");
        assert.strictEqual(tokenName(before), "kiali-viewer-dev-token", "unchanged for existing stacks");
        const after = one(
            await evaluateStack("dev", [{ key: "observability.kiali.auth.tokenRotation", value: "2026-12" }]),
            SECRET,
            "observability-kiali-viewer-dev-token",
        );
        // Same Pulumi resource, new Kubernetes name: a replacement, which deletes the old token.
        assert.strictEqual(tokenName(after), "kiali-viewer-dev-token-2026-12");
        assert.deepStrictEqual(
            configIssues("dev", { "observability.kiali.auth.tokenRotation": "Dec 2026" }).map((i) => i.key),
            ["observability.kiali.auth.tokenRotation"],
        );
    });
});
