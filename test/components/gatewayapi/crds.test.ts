import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GATEWAY_API_CHANNEL, gatewayApiCrdsUrl } from "../../../components/gatewayapi";
import { parseIstioConfig } from "../../../components/istio/config";
import { ConfigReader } from "../../../config/reader";
import { byType, evaluateStack, rawConfig, renderStack } from "../../support/stacks";

const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const GATEWAY_API_ONLY = [
    { key: "gateway.api", value: "gateway-api" },
    { key: "bookinfo.enabled", value: "false" },
    { key: "observability.kiali.ingress.enabled", value: "false" },
    { key: "observability.grafana.ingress.enabled", value: "false" },
    { key: "observability.jaeger.ingress.enabled", value: "false" },
];

function pinnedVersion(): string {
    const project = parse(fs.readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as {
        config: Record<string, { default?: unknown }>;
    };
    return String(project.config["gateway.crds.version"].default);
}

describe("Gateway API CRDs", () => {
    it("points at the standard-channel release asset of the given version", () => {
        assert.strictEqual(GATEWAY_API_CHANNEL, "standard");
        const url = gatewayApiCrdsUrl("1.2.3");
        assert.strictEqual(
            url,
            "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.2.3/standard-install.yaml",
        );
        assert.strictEqual(gatewayApiCrdsUrl("v1.2.3"), url);
    });

    it("is pinned in Pulumi.yaml to an exact version, and Renovate bumps that pin", () => {
        const version = pinnedVersion();
        assert.match(version, /^\d+\.\d+\.\d+$/);
        const renovate = fs.readFileSync(path.join(__dirname, "../../../.github/renovate.json5"), "utf8");
        assert.match(renovate, /gateway\\\\\.crds\\\\\.version/);
        assert.match(renovate, /kubernetes-sigs\/gateway-api/);
    });

    it("installs the pinned version when gateway.api is gateway-api, and the render shows it", async () => {
        const cfg = parseIstioConfig(new ConfigReader(rawConfig("dev", GATEWAY_API_ONLY)));
        const ev = await evaluateStack("dev", GATEWAY_API_ONLY);
        const files = byType(ev, CONFIG_FILE);
        assert.strictEqual(files.length, 1);
        assert.strictEqual(files[0].inputs.file, gatewayApiCrdsUrl(cfg.gatewayApiCrdsVersion));
        assert.strictEqual(cfg.gatewayApiCrdsVersion, pinnedVersion());
        // No ambient components come with it.
        assert.ok(!ev.resources.some((r) => r.inputs.chart === "ztunnel" || r.inputs.chart === "cni"));
        const record = (await renderStack("dev", GATEWAY_API_ONLY)).charts.find(
            (c) => c.type === CONFIG_FILE,
        );
        assert.ok(record, "charts.yaml lists the manifest file");
        assert.strictEqual(record.chart, files[0].inputs.file);
        assert.strictEqual(record.version, cfg.gatewayApiCrdsVersion);
    });

    it("follows gateway.crds.version", async () => {
        const overrides = [...GATEWAY_API_ONLY, { key: "gateway.crds.version", value: "1.4.0" }];
        const ev = await evaluateStack("dev", overrides);
        assert.strictEqual(byType(ev, CONFIG_FILE)[0].inputs.file, gatewayApiCrdsUrl("1.4.0"));
    });

    it("keeps the CRDs on delete, and protects the bundle with cluster.protect", async () => {
        const plain = byType(await evaluateStack("dev", GATEWAY_API_ONLY), CONFIG_FILE)[0];
        assert.strictEqual(plain.protect, false);
        assert.strictEqual(plain.transforms, 1, "the transform that keeps its CRDs");
        const guarded = byType(
            await evaluateStack("dev", [...GATEWAY_API_ONLY, { key: "cluster.protect", value: "true" }]),
            CONFIG_FILE,
        )[0];
        assert.strictEqual(guarded.protect, true);
        assert.strictEqual(guarded.transforms, 1);
    });

    it("is skipped when neither Gateway API ingress nor ambient needs it", async () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const ev = await evaluateStack(stack);
            assert.deepStrictEqual(byType(ev, CONFIG_FILE), [], stack);
        }
    });
});
