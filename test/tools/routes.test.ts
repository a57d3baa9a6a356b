import * as assert from "assert";
import { ROUTES_CLI, routesMain } from "../../tools/routes";
import { Io, runCli } from "../../tools/lib/cli";
import { applicationsOverride, shopApplications } from "../support/applications";

function configArgs(apps: Record<string, unknown>): string[] {
    return applicationsOverride(apps).flatMap((o) => ["--config", `${o.key}=${o.value}`]);
}

function collect(): Io & { lines: string[]; errors: string[] } {
    const lines: string[] = [];
    const errors: string[] = [];
    return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe("npm run routes", () => {
    it("prints every application's table: application, service, request, versions, fault, timeout, retries", async () => {
        const io = collect();
        const code = await runCli(
            ROUTES_CLI,
            routesMain,
            ["--stack", "dev", "--config-path", ...configArgs(shopApplications())],
            io,
        );
        assert.strictEqual(code, 0, io.errors.join("\n"));
        const table = io.lines.join("\n").split("\n");
        assert.match(
            table[0],
            /^APPLICATION\s+SERVICE\s+REQUEST\s+VERSIONS\s+FAULT\s+TIMEOUT\s+RETRIES\s+NOTE$/,
        );
        const row = (re: RegExp) =>
            assert.ok(
                table.some((l) => re.test(l)),
                `${re} in\n${table.join("\n")}`,
            );
        row(/^shop\s+cart\s+anonymous\s+v1 90%, v2 10%\s+delay 2s \(10%\)\s+2s\s+3x 500ms on 5xx,reset$/);
        row(/^shop\s+cart\s+x-canary: true\s+v2 100%\s+-\s+-\s+-$/);
        row(/^shop\s+web\s+anonymous\s+v1 100%\s+-\s+-\s+-\s+no subset: spread over all pods$/);
        row(/^bookinfo\s+reviews\s+end-user: jason\s+v1 100%/);
    });

    it("says when a stack routes nothing, and refuses a bad description with exit 2", async () => {
        const none = collect();
        assert.strictEqual(
            await runCli(
                ROUTES_CLI,
                routesMain,
                ["--stack", "dev", "--config", "bookinfo.enabled=false", "--config-path"],
                none,
            ),
            0,
        );
        assert.match(none.lines.join("\n"), /declares no versioned services/);
        const bad = collect();
        const apps = shopApplications((a) => {
            (a.shop as { routes: { cart: { weights: unknown }[] } }).routes.cart[1].weights = { v1: 50 };
        });
        assert.strictEqual(
            await runCli(
                ROUTES_CLI,
                routesMain,
                ["--stack", "dev", "--config-path", ...configArgs(apps)],
                bad,
            ),
            2,
        );
        assert.match(
            bad.errors.join("\n"),
            /applications\.shop\.routes\.cart\[1\]\.weights: .*adds up to 50/,
        );
    });
});
