import * as assert from "assert";
import { ROUTES_CLI, routesMain } from "../../tools/routes";
import { runTool } from "../support/cli";

/** `npm run routes` on a stack of the multi-cluster pair: where each service's endpoints are. */
describe("npm run routes in a multi-cluster mesh", () => {
    it("shows Bookinfo's services with endpoints in east and west, the remote ones through west's east-west gateway", async () => {
        const run = await runTool(ROUTES_CLI, routesMain, ["--stack", "dev-east"]);
        assert.strictEqual(run.code, 0, run.stderr);
        assert.match(
            run.stdout,
            /Cross-cluster endpoints \(mesh mesh1, seen from cluster east on network net-east\)/,
        );
        assert.match(
            run.stdout,
            /reviews\.bookinfo\.svc\.cluster\.local +east, west +east: local; west: istio-eastwestgateway\.istio-system:15443 \(network net-west\)/,
        );
    });

    it("prints no cross-cluster table for a single-cluster stack", async () => {
        const run = await runTool(ROUTES_CLI, routesMain, ["--stack", "dev"]);
        assert.strictEqual(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /Cross-cluster/);
    });
});
