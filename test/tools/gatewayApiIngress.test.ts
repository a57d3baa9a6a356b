import * as assert from "assert";
import { checkStack, formatResult } from "../../tools/lib/checkStack";
import { Io, runCli } from "../../tools/lib/cli";
import { listStacks } from "../../tools/lib/stackFiles";
import { ROUTES_CLI, routesMain } from "../../tools/routes";
import { applicationsOverride } from "../support/applications";
import { evaluateStack } from "../support/stacks";

const GATEWAY_API = { key: "gateway.api", value: "gateway-api" };

async function routesTable(extra: string[]): Promise<string[]> {
    const lines: string[] = [];
    const errors: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => errors.push(l) };
    const code = await runCli(ROUTES_CLI, routesMain, ["--stack", "dev", "--config-path", ...extra], io);
    assert.strictEqual(code, 0, errors.join("\n"));
    return lines.join("\n").split("\n");
}

describe("npm run check and npm run routes with gateway.api gateway-api", function () {
    this.timeout(120000);

    for (const stack of listStacks()) {
        it(`${stack}: the Gateway API objects (Bookinfo, shop, Kiali's UI) pass the schemas and the policy pack`, async () => {
            const overrides = [
                ...applicationsOverride(),
                GATEWAY_API,
                { key: "observability.kiali.ingress.enabled", value: "true" },
            ];
            const result = await checkStack({ stack, overrides, usePaths: true }, () =>
                evaluateStack(stack, overrides),
            );
            assert.ok(result.objects > 0);
            assert.deepStrictEqual(result.schemaErrors, []);
            assert.deepStrictEqual(
                result.violations.filter((v) => v.level === "mandatory"),
                [],
                formatResult(result),
            );
        });
    }

    it("gives the same routes table: the ingress API does not change in-mesh routing", async () => {
        const istio = await routesTable([]);
        const gwapi = await routesTable(["--config", `${GATEWAY_API.key}=${GATEWAY_API.value}`]);
        assert.ok(istio.length > 1);
        assert.deepStrictEqual(gwapi, istio);
    });
});
