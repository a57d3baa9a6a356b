import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { UIS, accessAll, uiTarget } from "../../../components/observability/access";
import { uiAccessOutputs } from "../../../components/observability/outputs";
import { parseObservabilityConfig } from "../../../components/observability/config";
import { ConfigReader } from "../../../config/reader";
import { rawConfig } from "../../support/stacks";
import { ADDONS, Addon, Observability, meshFacts } from "../../../components/observability";
import { readStackConfig } from "../../../config";
import { declaredPaths } from "../../../config/project";
import { Evaluation, evaluate } from "../../../tools/lib/mockRuntime";
import { loadStackConfig } from "../../../tools/lib/stackFiles";
import { byType } from "../../support/stacks";
import { CHART, DEPLOYMENT } from "../../support/types";

/** Evaluates an Observability component of the dev stack's settings, built from `addons`. */
function observabilityWith(addons: readonly Addon[]): Promise<Evaluation> {
    return evaluate(loadStackConfig("dev", [], true), () => {
        const cfg = readStackConfig();
        new Observability("observability", {
            config: cfg.observability,
            istio: meshFacts(cfg.istio),
            provider: new k8s.Provider("k8s", {}),
            controlPlane: { ready: [], rootNamespace: pulumi.output(cfg.istio.rootNamespace) },
            addons,
        });
    });
}

describe("components/observability/addons: the addon registry", () => {
    const sections = (): string[] => [
        ...new Set(
            declaredPaths()
                .filter((k) => k.startsWith("observability.") && k !== "observability.enabled")
                .map((k) => k.split(".")[1]),
        ),
    ];

    it("has one addon per observability.<addon> section of Pulumi.yaml, each with its enabled key", () => {
        const names = ADDONS.map((a) => a.name);
        assert.strictEqual(new Set(names).size, names.length, `duplicate addon names: ${names.join(", ")}`);
        assert.deepStrictEqual([...names].sort(), sections().sort());
        for (const name of names) {
            assert.ok(
                declaredPaths().includes(`observability.${name}.enabled`),
                `observability.${name}.enabled`,
            );
        }
    });

    it("gives every addon a UI that the access outputs know, and every UI an addon", () => {
        assert.deepStrictEqual(ADDONS.map((a) => a.name).sort(), [...UIS].sort());
        for (const ui of UIS) {
            assert.ok(uiTarget(ui).service !== "", `${ui} has a Service to port-forward to`);
        }
    });

    it("drives the component: an empty registry builds no addon", async () => {
        const ev = await observabilityWith([]);
        assert.deepStrictEqual(byType(ev, CHART), []);
        assert.deepStrictEqual(byType(ev, DEPLOYMENT), []);
    });

    it("builds an addon added to the registry, with the shared chart factory and context", async () => {
        const seen: string[] = [];
        const fake: Addon = {
            name: "fake",
            parse: () => ({ enabled: true }),
            enabled: () => true,
            build(ctx) {
                seen.push(ctx.ns);
                ctx.chart(
                    "fake",
                    "fake-release",
                    "fake-chart",
                    { version: "1.2.3", repository: "https://charts.example.com" },
                    { rootNamespace: ctx.mesh.rootNamespace },
                );
            },
        };
        const disabled: Addon = {
            name: "off",
            parse: () => ({ enabled: false }),
            enabled: () => false,
            build: () => assert.fail("built"),
        };
        const ev = await observabilityWith([...ADDONS, fake, disabled]);
        const charts = byType(ev, CHART);
        const chart = charts.find((c) => c.name === "observability-fake");
        assert.ok(chart, `charts: ${charts.map((c) => c.name).join(", ")}`);
        assert.strictEqual(chart.inputs.name, "fake-release");
        assert.strictEqual(chart.inputs.chart, "fake-chart");
        assert.strictEqual(chart.inputs.version, "1.2.3");
        assert.deepStrictEqual(chart.inputs.repositoryOpts, { repo: "https://charts.example.com" });
        assert.strictEqual(chart.inputs.namespace, seen[0]);
        assert.deepStrictEqual(chart.inputs.values, { rootNamespace: seen[0] });
        const component = ev.resources.find((r) => r.type === "istio-mesh:observability:Observability");
        assert.strictEqual(chart.parent, component?.urn);
        // The registry's own addons are still built alongside it.
        const before = byType(await observabilityWith(ADDONS), CHART).map((c) => c.name);
        assert.deepStrictEqual(
            charts.map((c) => c.name).filter((n) => n !== "observability-fake"),
            before,
        );
        assert.ok(before.length > 0);
    });

    it("takes each UI's login note from its addon", () => {
        const cfg = parseObservabilityConfig(new ConfigReader(rawConfig("dev")));
        const ns = "istio-system";
        const gateway = { url: "http://localhost:8080", howTo: "" };
        const ctx = { stack: "dev", secretsCreated: true, kubectl: "kubectl" };
        const access = accessAll(cfg, ns);
        const withLogin = (ui: string): Addon => ({
            name: ui,
            parse: () => ({ enabled: true }),
            enabled: () => true,
            build: () => undefined,
            login: () => `log in to ${ui}`,
        });
        const outputs = uiAccessOutputs(access, cfg, ns, gateway, ctx, UIS.map(withLogin));
        assert.ok(Object.keys(outputs).length > 0);
        for (const [ui, out] of Object.entries(outputs)) {
            assert.strictEqual(out.login, `log in to ${ui}`);
        }
        const none = uiAccessOutputs(access, cfg, ns, gateway, ctx, []);
        assert.ok(Object.values(none).every((o) => o.login === undefined));
        const registry = uiAccessOutputs(access, cfg, ns, gateway, ctx);
        for (const addon of ADDONS) {
            const out = registry[addon.name];
            if (out) {
                assert.strictEqual(out.login, addon.login?.(cfg, ns, ctx), addon.name);
            }
        }
    });
});
