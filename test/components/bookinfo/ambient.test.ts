import * as assert from "assert";
import { VARIANTS } from "../../../components/bookinfo/variants";
import { AMBIENT_NAMESPACE_LABELS, WAYPOINT } from "../../../components/shared/names";
import { CapturedResource, Evaluation } from "../../../tools/lib/mockRuntime";
import { ROUTES_CLI, routesMain } from "../../../tools/routes";
import { runCli } from "../../../tools/lib/cli";
import { byType, configIssues, evaluateStack, nameOf, oneObject, pinned } from "../../support/stacks";
import { validateObject } from "../../support/schemas";
import {
    CHART,
    DESTINATION_RULE,
    HTTP_ROUTE,
    KUBERNETES_GATEWAY,
    NAMESPACE,
    SERVICE,
    VIRTUAL_SERVICE,
} from "../../support/types";

const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const VARIANT = "reviews-90-10";
/**
 * Bookinfo's routing with one traffic-splitting variant on top, access open: these tests are about
 * routing (zero-trust in ambient is test/components/applications/access.test.ts).
 */
const BOOKINFO = [
    { key: "bookinfo.access", value: "open" },
    { key: "bookinfo.routing", value: JSON.stringify(["all-v1", VARIANT]) },
];
const AMBIENT = [{ key: "mesh.dataPlane", value: "ambient" }, ...BOOKINFO];

type Meta = {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
};
const meta = (r: CapturedResource) => r.inputs.metadata as Meta;
const spec = <T>(r: CapturedResource) => r.inputs.spec as T;

const named = (ev: Evaluation, type: string, name: string) => oneObject(ev, type, name, "bookinfo");

/** reviews' split in sidecar mode, from the VirtualService's weights and the subsets' version labels. */
function splitFromVirtualService(ev: Evaluation, service: string): Record<string, number> {
    type Vs = { http: { match?: unknown; route: { destination: { subset: string }; weight?: number }[] }[] };
    type Dr = { subsets: { name: string; labels: { version: string } }[] };
    const catchAll = spec<Vs>(named(ev, VIRTUAL_SERVICE, service)).http.find((h) => h.match === undefined);
    const subsets = spec<Dr>(named(ev, DESTINATION_RULE, service)).subsets;
    const out: Record<string, number> = {};
    for (const r of catchAll?.route ?? []) {
        const version = subsets.find((s) => s.name === r.destination.subset)?.labels.version;
        assert.ok(version, `subset ${r.destination.subset} has a version`);
        out[version] = r.weight ?? 100;
    }
    return out;
}

/** The same in ambient mode, from the HTTPRoute's backendRefs and the backends' Service selectors. */
function splitFromHttpRoute(ev: Evaluation, service: string): Record<string, number> {
    type Route = { rules: { matches?: unknown; backendRefs: { name: string; weight?: number }[] }[] };
    const catchAll = spec<Route>(named(ev, HTTP_ROUTE, service)).rules.find((r) => r.matches === undefined);
    const refs = catchAll?.backendRefs ?? [];
    const total = refs.reduce((a, b) => a + (b.weight ?? 1), 0);
    const out: Record<string, number> = {};
    for (const b of refs) {
        const selector = spec<{ selector: Record<string, string> }>(named(ev, SERVICE, b.name)).selector;
        assert.strictEqual(selector.app, service, `${b.name} selects ${service}'s pods`);
        out[selector.version] = ((b.weight ?? 1) * 100) / total;
    }
    return out;
}

describe("Bookinfo in ambient mode", () => {
    it("renders the done-when objects: cni and ztunnel at istio.version, CRDs, ambient namespace, waypoint, per-version Services, HTTPRoutes", async () => {
        const ev = await evaluateStack("dev", AMBIENT);
        const charts = byType(ev, CHART);
        const chart = (c: string) => charts.find((x) => x.inputs.chart === c);
        for (const c of ["cni", "ztunnel"]) {
            assert.strictEqual(chart(c)?.inputs.version, pinned("istio.version"), c);
        }
        assert.strictEqual((chart("istiod")?.inputs.values as { profile?: string }).profile, "ambient");
        assert.strictEqual((chart("cni")?.inputs.values as { profile?: string }).profile, "ambient");
        const crds = byType(ev, CONFIG_FILE);
        assert.strictEqual(crds.length, 1);
        assert.match(
            String(crds[0].inputs.file),
            new RegExp(`/v${pinned("gateway.crds.version")}/standard-install\\.yaml$`),
        );
        const ns = byType(ev, NAMESPACE).find((n) => meta(n).name === "bookinfo");
        assert.deepStrictEqual(meta(ns as CapturedResource).labels, { ...AMBIENT_NAMESPACE_LABELS });

        const waypoint = named(ev, KUBERNETES_GATEWAY, WAYPOINT.name);
        assert.strictEqual(
            spec<{ gatewayClassName: string }>(waypoint).gatewayClassName,
            WAYPOINT.gatewayClassName,
        );
        assert.strictEqual(meta(waypoint).labels?.["istio.io/waypoint-for"], "service");
        // After the CRDs it is an object of, and after istiod and ztunnel, which serve it.
        const deps = waypoint.dependsOn.map((u) => nameOf(ev, u));
        for (const r of [crds[0], chart("istiod"), chart("ztunnel")]) {
            assert.ok(r && deps.includes(r.name), `waypoint waits for ${r?.name}`);
        }

        for (const v of ["v1", "v2", "v3"]) {
            const s = named(ev, SERVICE, `reviews-${v}`);
            assert.deepStrictEqual(spec<{ selector: unknown }>(s).selector, { app: "reviews", version: v });
        }
        const reviews = named(ev, SERVICE, "reviews");
        assert.strictEqual(meta(reviews).labels?.[WAYPOINT.useLabel], WAYPOINT.name);
        assert.ok(reviews.dependsOn.includes(waypoint.urn), "enrolled after the waypoint exists");
        // ...and only once istiod has programmed it: the provider waits for the condition.
        assert.strictEqual(meta(waypoint).annotations?.["pulumi.com/waitFor"], "condition=Programmed");
        const route = named(ev, HTTP_ROUTE, "reviews");
        assert.deepStrictEqual(spec<{ parentRefs: unknown }>(route).parentRefs, [
            { group: "", kind: "Service", name: "reviews", port: 9080 },
        ]);
        assert.deepStrictEqual(
            splitFromHttpRoute(ev, "reviews"),
            VARIANTS[VARIANT].routes.reviews?.[0].split,
        );

        // No sidecar-era routing: no mesh VirtualService, no subsets.
        assert.deepStrictEqual(
            byType(ev, VIRTUAL_SERVICE)
                .filter((r) => meta(r).namespace === "bookinfo")
                .map((r) => meta(r).name),
            ["bookinfo"],
            "only the ingress route, bound to the ingress gateway",
        );
        assert.deepStrictEqual(
            byType(ev, DESTINATION_RULE).filter((r) => meta(r).namespace === "bookinfo"),
            [],
        );
    });

    it("validates every new object against its schema", async () => {
        const ev = await evaluateStack("dev", AMBIENT);
        const objects = [
            ...byType(ev, KUBERNETES_GATEWAY),
            ...byType(ev, HTTP_ROUTE),
            ...byType(ev, SERVICE).filter((s) => meta(s).namespace === "bookinfo"),
        ];
        assert.ok(objects.length > 10);
        for (const r of objects) {
            await validateObject({
                apiVersion: r.inputs.apiVersion as string,
                kind: r.inputs.kind as string,
                metadata: meta(r),
                spec: r.inputs.spec,
            });
        }
    });

    it("gives one variant the same traffic split in both modes, read from the rendered objects", async () => {
        const sidecar = await evaluateStack("dev", BOOKINFO);
        const ambient = await evaluateStack("dev", AMBIENT);
        const fromVs = splitFromVirtualService(sidecar, "reviews");
        const fromRoute = splitFromHttpRoute(ambient, "reviews");
        assert.ok(Object.keys(fromVs).length > 1, JSON.stringify(fromVs));
        assert.deepStrictEqual(fromRoute, fromVs);
        assert.deepStrictEqual(byType(sidecar, HTTP_ROUTE), [], "no HTTPRoutes with sidecars");
        assert.deepStrictEqual(byType(sidecar, KUBERNETES_GATEWAY), [], "no waypoint with sidecars");
    });

    it("prints the same npm run routes table in both modes", async () => {
        const table = async (extra: string[]) => {
            const lines: string[] = [];
            const errors: string[] = [];
            const args = ["--stack", "dev", "--config-path", "--config", "bookinfo.access=open", ...extra];
            const code = await runCli(ROUTES_CLI, routesMain, args, {
                out: (l) => lines.push(l),
                err: (l) => errors.push(l),
            });
            assert.strictEqual(code, 0, errors.join("\n"));
            return lines.join("\n");
        };
        const routing = ["--config", `bookinfo.routing=${JSON.stringify(["all-v1", "reviews-jason-v2-v3"])}`];
        const sidecar = await table(routing);
        const ambient = await table([...routing, "--config", "mesh.dataPlane=ambient"]);
        assert.match(sidecar, /bookinfo\s+reviews\s+end-user: jason\s+v2 100%/);
        assert.match(sidecar, /bookinfo\s+reviews\s+anonymous\s+v3 100%/);
        assert.strictEqual(ambient, sidecar);
    });

    it("refuses the fault-injection variants and details v2 in ambient mode, naming the variant", () => {
        const issues = configIssues("dev", {
            "mesh.dataPlane": "ambient",
            "bookinfo.access": "open",
            "bookinfo.routing": JSON.stringify(["all-v1", "ratings-test-abort", "details-v2"]),
        });
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["bookinfo.routing", "bookinfo.routing"],
        );
        assert.match(
            issues[0].message,
            /variant "ratings-test-abort", ratings: rule 1 \(fault\): fault injection has no Gateway API equivalent/,
        );
        assert.match(issues[0].message, /keep Bookinfo on sidecars with bookinfo\.dataPlane "sidecar"/);
        assert.match(issues[1].message, /details v2 .*originate TLS/);
        // The same variants are fine with sidecars.
        assert.deepStrictEqual(
            configIssues("dev", {
                "bookinfo.routing": JSON.stringify(["all-v1", "ratings-test-abort", "details-v2"]),
            }),
            [],
        );
    });
});
