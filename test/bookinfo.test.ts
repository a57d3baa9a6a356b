import * as assert from "assert";
import { StackConfig, parseStackConfig } from "../config";
import { RouteRow, explainRoutes, formatRoutesTable, ingressHosts } from "../components/bookinfo";
import { accessPolicies } from "../components/bookinfo/access";
import { BOOKINFO_IMAGE_TAG, WORKLOADS, deployedWorkloads } from "../components/bookinfo/catalogue";
import { gatewaySpec, ingressRouteSpec } from "../components/bookinfo/ingress";
import { layerVariants, routingObjects, ruleIssues, subsetIssues } from "../components/bookinfo/routing";
import { VARIANT_NAMES } from "../components/bookinfo/variants";
import { DestinationRule, VirtualService } from "../components/crds";
import type { DestinationRuleSpec, VirtualServiceSpec } from "../components/crds";
import { CapturedResource, Evaluation } from "../tools/lib/mockRuntime";
import { isK8sObject, render } from "../tools/lib/render";
import { validateObject } from "./support/schemas";
import { byType, configIssues, evaluateStack, nameOf, one, rawConfig } from "./support/stacks";
import { AUTHORIZATION_POLICY as AUTHZ, DEPLOYMENT, ISTIO_GATEWAY, NAMESPACE } from "./support/types";

const VS = VirtualService.pulumiType;
const DR = DestinationRule.pulumiType;
const NS = "bookinfo";

type Shares = Record<string, number>;

/** Parses the dev stack's config with path overrides, as `pulumi config set --path` would. */
function bookinfoConfig(overrides: Record<string, string | number | boolean> = {}): StackConfig["bookinfo"] {
    const list = Object.entries(overrides).map(([key, value]) => ({ key, value: String(value) }));
    const result = parseStackConfig(rawConfig("dev", list), "dev");
    if (!result.ok) {
        throw new Error(JSON.stringify(result.issues, null, 2));
    }
    return result.config.bookinfo;
}

function routingOverrides(layers: string[]): Record<string, string> {
    return Object.fromEntries(layers.map((l, i) => [`bookinfo.routing[${i}]`, l]));
}

/** The generated routing objects of a routing list, as Kubernetes objects. */
function generated(layers: string[], extra: Record<string, string | number> = {}) {
    const cfg = bookinfoConfig({ ...routingOverrides(layers), ...extra });
    const objects = routingObjects(cfg.routes, cfg.versions).services;
    return {
        cfg,
        vs: Object.fromEntries(objects.map((o) => [o.service, o.virtualService])) as Record<
            string,
            VirtualServiceSpec
        >,
        dr: Object.fromEntries(objects.map((o) => [o.service, o.destinationRule])) as Record<
            string,
            DestinationRuleSpec
        >,
        rows: explainRoutes(
            objects.map((o) => ({ spec: o.virtualService })),
            objects.map((o) => ({ spec: o.destinationRule })),
        ),
    };
}

function row(rows: RouteRow[], service: string, request: "anonymous" | "jason"): RouteRow {
    const name = request === "jason" ? "end-user: jason" : "anonymous";
    const found = rows.find((r) => r.service === service && r.request === name);
    assert.ok(found, `no row for ${service} / ${name} in\n${formatRoutesTable(rows)}`);
    return found;
}

interface Seen {
    anonymous: Shares;
    jason?: Shares;
    fault?: { jason?: string; anonymous?: string };
    timeout?: string;
}

/**
 * What the Istio tasks say each variant does (on top of all-v1, as the tasks apply them), per
 * service: the share of traffic per version for a signed-out user and for jason.
 */
const TASKS: Record<string, { layers: string[]; expect: Record<string, Seen> }> = {
    "all-v1": {
        layers: ["all-v1"],
        expect: {
            productpage: { anonymous: { v1: 100 } },
            details: { anonymous: { v1: 100 } },
            reviews: { anonymous: { v1: 100 }, jason: { v1: 100 } },
            ratings: { anonymous: { v1: 100 } },
        },
    },
    "reviews-v2": { layers: ["all-v1", "reviews-v2"], expect: { reviews: { anonymous: { v2: 100 } } } },
    "reviews-v3": { layers: ["all-v1", "reviews-v3"], expect: { reviews: { anonymous: { v3: 100 } } } },
    "reviews-50-v3": {
        layers: ["all-v1", "reviews-50-v3"],
        expect: { reviews: { anonymous: { v1: 50, v3: 50 }, jason: { v1: 50, v3: 50 } } },
    },
    "reviews-80-20": {
        layers: ["all-v1", "reviews-80-20"],
        expect: { reviews: { anonymous: { v1: 80, v2: 20 } } },
    },
    "reviews-90-10": {
        layers: ["all-v1", "reviews-90-10"],
        expect: { reviews: { anonymous: { v1: 90, v2: 10 } } },
    },
    "reviews-v2-v3": {
        layers: ["all-v1", "reviews-v2-v3"],
        expect: { reviews: { anonymous: { v2: 50, v3: 50 } } },
    },
    "reviews-test-v2": {
        layers: ["all-v1", "reviews-test-v2"],
        expect: {
            reviews: { anonymous: { v1: 100 }, jason: { v2: 100 } },
            ratings: { anonymous: { v1: 100 } },
        },
    },
    "reviews-jason-v2-v3": {
        layers: ["all-v1", "reviews-jason-v2-v3"],
        expect: { reviews: { anonymous: { v3: 100 }, jason: { v2: 100 } } },
    },
    "ratings-test-delay": {
        layers: ["all-v1", "reviews-test-v2", "ratings-test-delay"],
        expect: {
            reviews: { anonymous: { v1: 100 }, jason: { v2: 100 } },
            ratings: {
                anonymous: { v1: 100 },
                jason: { v1: 100 },
                fault: { jason: "delay 7s (100%)", anonymous: "" },
            },
        },
    },
    "ratings-test-abort": {
        layers: ["all-v1", "reviews-test-v2", "ratings-test-abort"],
        expect: {
            reviews: { anonymous: { v1: 100 }, jason: { v2: 100 } },
            ratings: {
                anonymous: { v1: 100 },
                jason: { v1: 100 },
                fault: { jason: "abort HTTP 500 (100%)", anonymous: "" },
            },
        },
    },
    "ratings-db": {
        layers: ["all-v1", "ratings-db"],
        expect: {
            reviews: { anonymous: { v3: 100 } },
            ratings: { anonymous: { v2: 100 }, jason: { v2: 100 } },
        },
    },
    "details-v2": {
        layers: ["all-v1", "details-v2"],
        expect: { details: { anonymous: { v2: 100 } }, reviews: { anonymous: { v1: 100 } } },
    },
    "reviews-timeout": {
        layers: ["all-v1", "reviews-timeout"],
        expect: {
            reviews: { anonymous: { v2: 100 }, timeout: "0.5s" },
            ratings: {
                anonymous: { v1: 100 },
                fault: { anonymous: "delay 2s (100%)", jason: "delay 2s (100%)" },
            },
        },
    },
};

describe("Bookinfo routing variants", () => {
    it("covers every variant of the upstream networking samples and the timeout task", () => {
        const upstream = [
            "all-v1",
            "reviews-v2",
            "reviews-v3",
            "reviews-50-v3",
            "reviews-80-20",
            "reviews-90-10",
            "reviews-v2-v3",
            "reviews-test-v2",
            "reviews-jason-v2-v3",
            "ratings-test-delay",
            "ratings-test-abort",
            "ratings-db",
            "details-v2",
            "reviews-timeout",
        ];
        assert.deepStrictEqual(
            upstream.filter((v) => !VARIANT_NAMES.includes(v)),
            [],
        );
        assert.deepStrictEqual(
            Object.keys(TASKS).sort(),
            [...VARIANT_NAMES].sort(),
            "every variant has a task check",
        );
    });

    for (const [variant, task] of Object.entries(TASKS)) {
        it(`${variant}: the explainer reads back what the Istio task describes`, () => {
            const { rows } = generated(task.layers);
            for (const [service, seen] of Object.entries(task.expect)) {
                const anon = row(rows, service, "anonymous");
                const jason = row(rows, service, "jason");
                assert.deepStrictEqual(anon.versions, seen.anonymous, `${service} anonymous`);
                assert.deepStrictEqual(jason.versions, seen.jason ?? seen.anonymous, `${service} jason`);
                assert.strictEqual(anon.fault, seen.fault?.anonymous ?? "", `${service} anonymous fault`);
                assert.strictEqual(jason.fault, seen.fault?.jason ?? "", `${service} jason fault`);
                assert.strictEqual(anon.timeout, seen.timeout ?? "", `${service} timeout`);
            }
        });

        it(`${variant}: generates schema-valid VirtualServices and DestinationRules with consistent subsets`, async () => {
            const { vs, dr } = generated(task.layers);
            assert.deepStrictEqual(Object.keys(vs).sort(), ["details", "productpage", "ratings", "reviews"]);
            assert.deepStrictEqual(subsetIssues(Object.values(vs), Object.values(dr)), []);
            for (const [service, spec] of Object.entries(vs)) {
                assert.deepStrictEqual(spec.hosts, [service], "one VirtualService per host");
                await validateObject({
                    apiVersion: "networking.istio.io/v1",
                    kind: "VirtualService",
                    metadata: { name: service, namespace: NS },
                    spec,
                });
                await validateObject({
                    apiVersion: "networking.istio.io/v1",
                    kind: "DestinationRule",
                    metadata: { name: service, namespace: NS },
                    spec: dr[service],
                });
            }
        });
    }

    it("writes weighted splits as Istio expects them: weights only with more than one destination", () => {
        const { vs } = generated(["reviews-80-20"]);
        assert.deepStrictEqual(vs.reviews.http, [
            {
                route: [
                    { destination: { host: "reviews", subset: "v1" }, weight: 80 },
                    { destination: { host: "reviews", subset: "v2" }, weight: 20 },
                ],
            },
        ]);
        assert.deepStrictEqual(generated(["reviews-v3"]).vs.reviews.http, [
            { route: [{ destination: { host: "reviews", subset: "v3" } }] },
        ]);
    });

    it("matches jason by the end-user header, then falls back to a catch-all rule", () => {
        const { vs } = generated(["all-v1", "reviews-test-v2", "ratings-test-delay"]);
        assert.deepStrictEqual(vs.reviews.http?.[0].match, [{ headers: { "end-user": { exact: "jason" } } }]);
        assert.strictEqual(vs.reviews.http?.[1].match, undefined);
        assert.deepStrictEqual(vs.ratings.http?.[0].fault, {
            delay: { fixedDelay: "7s", percentage: { value: 100 } },
        });
        assert.strictEqual(vs.ratings.http?.[1].fault, undefined);
    });

    it("layers variants in order, each replacing only the services it names", () => {
        const layered = generated(["all-v1", "reviews-test-v2", "ratings-test-abort"]);
        assert.deepStrictEqual(layered.cfg.routing, ["all-v1", "reviews-test-v2", "ratings-test-abort"]);
        assert.deepStrictEqual(row(layered.rows, "details", "jason").versions, { v1: 100 });
        // A later variant wins over an earlier one for the same service.
        const reordered = generated(["reviews-test-v2", "all-v1"]);
        assert.deepStrictEqual(row(reordered.rows, "reviews", "jason").versions, { v1: 100 });
        // ratings-db then all-v1: ratings is back on v1, so ratings v2 and MongoDB are not deployed.
        const back = generated(["ratings-db", "all-v1"]);
        assert.deepStrictEqual(row(back.rows, "ratings", "anonymous").versions, { v1: 100 });
        assert.deepStrictEqual(back.cfg.versions.ratings, ["v1"]);
        assert.deepStrictEqual(back.dr.ratings.subsets, [{ name: "v1", labels: { version: "v1" } }]);
    });

    it("gives a service no variant names a VirtualService to all its pods, and explains it", () => {
        const { vs, rows } = generated(["reviews-v3"]);
        assert.deepStrictEqual(vs.ratings.http, [{ route: [{ destination: { host: "ratings" } }] }]);
        const r = row(rows, "ratings", "anonymous");
        assert.deepStrictEqual(r.versions, { v1: 100 });
        assert.match(r.note, /no subset/);
    });

    it("accepts a single variant name as well as a list", () => {
        assert.deepStrictEqual(bookinfoConfig({ "bookinfo.routing": "reviews-v3" }).routing, ["reviews-v3"]);
    });

    it("applies a custom weighted split from config where `custom` appears in the list", () => {
        const { rows, vs } = generated(["all-v1", "custom"], {
            "bookinfo.customWeights.reviews.v1": 70,
            "bookinfo.customWeights.reviews.v3": 30,
        });
        assert.deepStrictEqual(row(rows, "reviews", "anonymous").versions, { v1: 70, v3: 30 });
        assert.deepStrictEqual(row(rows, "ratings", "anonymous").versions, { v1: 100 });
        assert.strictEqual(vs.reviews.http?.length, 1);
    });

    it("deploys the upstream set by default and adds what the routes need", () => {
        assert.deepStrictEqual(bookinfoConfig().versions, {
            productpage: ["v1"],
            details: ["v1"],
            reviews: ["v1", "v2", "v3"],
            ratings: ["v1"],
        });
        const db = generated(["all-v1", "ratings-db"]).cfg.versions;
        assert.deepStrictEqual(db.ratings, ["v1", "v2"]);
        assert.ok(deployedWorkloads(db).some((w) => w.app === "mongodb"));
        assert.deepStrictEqual(generated(["all-v1", "details-v2"]).cfg.versions.details, ["v1", "v2"]);
    });
});

describe("Bookinfo routing validation", () => {
    const issuesOf = (overrides: Record<string, string | number | boolean>) => configIssues("dev", overrides);

    it("rejects an unknown variant at its place in the list and lists the valid ones", () => {
        const issues = issuesOf({ "bookinfo.routing[0]": "all-v1", "bookinfo.routing[1]": "reviews-v4" });
        assert.strictEqual(issues.length, 1, JSON.stringify(issues));
        assert.strictEqual(issues[0].key, "bookinfo.routing[1]");
        assert.match(issues[0].message, /unknown routing variant "reviews-v4"/);
        for (const name of VARIANT_NAMES) {
            assert.ok(issues[0].message.includes(name), `${name} listed`);
        }
    });

    it("rejects weights that do not add up to 100 or are not whole numbers", () => {
        const issues = issuesOf({
            "bookinfo.routing[0]": "custom",
            "bookinfo.customWeights.reviews.v1": 60,
            "bookinfo.customWeights.reviews.v2": 30,
            "bookinfo.customWeights.ratings.v1": "99.5",
        });
        const byKey = Object.fromEntries(issues.map((i) => [i.key, i.message]));
        assert.match(
            byKey["bookinfo.customWeights.reviews"],
            /weights must add up to 100, got 90 \(v1=60, v2=30\)/,
        );
        assert.match(byKey["bookinfo.customWeights.ratings.v1"], /whole-number weight, got "99.5"/);
    });

    it("rejects a route to a version that is not deployed, naming the variant", () => {
        const issues = issuesOf({
            "bookinfo.versions[0]": "productpage-v1",
            "bookinfo.versions[1]": "details-v1",
            "bookinfo.versions[2]": "reviews-v2",
            "bookinfo.versions[3]": "ratings-v1",
        });
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["bookinfo.routing"],
        );
        assert.match(
            issues[0].message,
            /variant "all-v1", reviews: routes to reviews v1, which is not deployed \(deployed: v2\)/,
        );
    });

    it("rejects unknown workloads, unknown services and versions in custom weights, and a missing service", () => {
        const issues = issuesOf({
            "bookinfo.versions[0]": "productpage-v1",
            "bookinfo.versions[1]": "reviews-v9",
            "bookinfo.routing[0]": "custom",
            "bookinfo.customWeights.reviewz.v1": 100,
            "bookinfo.customWeights.reviews.v7": 100,
        });
        const keys = issues.map((i) => i.key);
        assert.ok(keys.includes("bookinfo.versions[1]"), JSON.stringify(issues));
        assert.ok(keys.includes("bookinfo.customWeights.reviewz"));
        assert.ok(keys.includes("bookinfo.customWeights.reviews.v7"));
        const missing = issues.filter((i) => i.key === "bookinfo.versions").map((i) => i.message);
        assert.ok(missing.some((m) => m.includes("deploys no version of details")));
        assert.ok(
            issues.find((i) => i.key === "bookinfo.versions[1]")?.message.includes("valid: productpage-v1"),
        );
    });

    it("requires custom weights and `custom` to come together", () => {
        assert.deepStrictEqual(
            issuesOf({ "bookinfo.customWeights.reviews.v1": 100 }).map((i) => i.key),
            ["bookinfo.customWeights"],
        );
        assert.deepStrictEqual(
            issuesOf({ "bookinfo.routing[0]": "custom" }).map((i) => i.key),
            ["bookinfo.routing"],
        );
    });

    it("rejects malformed header matches, faults and timeouts in route rules", () => {
        const issues = ruleIssues([
            { headers: { "End User": { exact: "jason" } }, split: { v2: 100 } },
            { headers: { "end-user": { exact: "a", prefix: "b" } }, split: { v2: 100 } },
            {
                headers: { "end-user": { regex: "(" } },
                split: { v2: 100 },
                delay: { fixedDelay: "7", percent: 0 },
            },
            { headers: {}, split: { v1: 100 }, abort: { httpStatus: 99, percent: 100 }, timeout: "soon" },
        ]);
        const expected = [
            /rule 1: header "End User" is not a valid header name/,
            /rule 2: header "end-user" needs exactly one of exact, prefix or regex \(got exact, prefix\)/,
            /rule 3: header "end-user": "\(" is not a valid regular expression/,
            /rule 3: delay "7" is not a duration/,
            /rule 3: delay percentage must be above 0/,
            /rule 4: has an empty header match/,
            /rule 4: abort status must be an HTTP status from 200 to 599, got 99/,
            /rule 4: timeout "soon" is not a duration/,
            /the last rule must match every request/,
        ];
        for (const re of expected) {
            assert.ok(
                issues.some((i) => re.test(i)),
                `${re} in ${JSON.stringify(issues, null, 2)}`,
            );
        }
        assert.deepStrictEqual(ruleIssues([{ split: { v1: 100 } }, { split: { v2: 100 } }]), [
            "rule 1 matches every request, so the rules after it are never used",
        ]);
    });

    it("reports a routing value that is not a list of names once", () => {
        const issues = parseStackConfig(
            {
                ...rawConfig("dev"),
                bookinfo: { ...(rawConfig("dev").bookinfo as object), routing: { reviews: "v3" } },
            },
            "dev",
        );
        assert.ok(!issues.ok);
        assert.deepStrictEqual(
            issues.issues.map((i) => `${i.key}: ${i.message}`),
            ['bookinfo.routing: expected a list of strings, got {"reviews":"v3"}'],
        );
    });

    it("reports an empty routing list", () => {
        const { issues } = layerVariants([]);
        assert.strictEqual(issues.length, 1);
        assert.match(issues[0].message, /is empty; list at least one variant \(all-v1, /);
    });

    it("finds a VirtualService subset missing from the DestinationRule", () => {
        assert.deepStrictEqual(
            subsetIssues(
                [
                    {
                        hosts: ["reviews"],
                        http: [{ route: [{ destination: { host: "reviews", subset: "v3" } }] }],
                    },
                ],
                [{ host: "reviews", subsets: [{ name: "v1", labels: { version: "v1" } }] }],
            ),
            ["reviews: subset v3 of reviews is not defined in its DestinationRule"],
        );
    });

    it("rejects a bad namespace, host, access mode, and a namespace another section uses", () => {
        const issues = issuesOf({
            "bookinfo.namespace": "istio-system",
            "bookinfo.hosts[0]": "Book Info",
            "bookinfo.access": "closed",
            "bookinfo.denyRatingsFromReviewsV3": "maybe",
        });
        const byKey = Object.fromEntries(issues.map((i) => [i.key, i.message]));
        assert.match(byKey["bookinfo.namespace"], /"istio-system" is already used/);
        assert.match(byKey["bookinfo.hosts[0]"], /"Book Info" is not valid/);
        assert.match(byKey["bookinfo.access"], /"closed" is not allowed; allowed values: open, zero-trust/);
        assert.match(byKey["bookinfo.denyRatingsFromReviewsV3"], /expected true or false/);
        assert.match(
            issuesOf({ "mesh.namespaces[0]": "bookinfo" }).find((i) => i.key === "bookinfo.namespace")
                ?.message ?? "",
            /already used/,
        );
    });

    it("refuses the reviews v3 lab rule when reviews v3 is not deployed", () => {
        const issues = issuesOf({
            "bookinfo.denyRatingsFromReviewsV3": true,
            "bookinfo.versions[0]": "productpage-v1",
            "bookinfo.versions[1]": "details-v1",
            "bookinfo.versions[2]": "reviews-v1",
            "bookinfo.versions[3]": "ratings-v1",
        });
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["bookinfo.denyRatingsFromReviewsV3"],
        );
    });
});

describe("Bookinfo route explainer", () => {
    it("works from VirtualService and DestinationRule specs alone, including FQDN hosts and legacy forms", () => {
        const rows = explainRoutes(
            [
                {
                    spec: {
                        hosts: ["reviews.bookinfo.svc.cluster.local"],
                        http: [
                            {
                                match: [{ headers: { "end-user": { prefix: "ja" } } }],
                                route: [{ destination: { host: "reviews", subset: "new" } }],
                            },
                            {
                                route: [
                                    { destination: { host: "reviews", subset: "old" }, weight: 3 },
                                    { destination: { host: "reviews", subset: "new" }, weight: 1 },
                                ],
                            },
                        ],
                    },
                },
                { spec: { hosts: ["*"], gateways: ["ingress"], http: [] } },
            ],
            [
                {
                    spec: {
                        host: "reviews",
                        subsets: [
                            { name: "old", labels: { version: "v1" } },
                            { name: "new", labels: { version: "v2" } },
                        ],
                    },
                },
                { spec: { host: "ratings", subsets: [{ name: "v1", labels: { version: "v1" } }] } },
                { spec: { host: "www.googleapis.com" } },
            ],
        );
        assert.deepStrictEqual(
            rows.map((r) => [r.service, r.request, r.versions]),
            [
                ["ratings", "anonymous", { v1: 100 }],
                ["ratings", "end-user: jason", { v1: 100 }],
                ["reviews", "anonymous", { v1: 75, v2: 25 }],
                ["reviews", "end-user: jason", { v2: 100 }],
            ],
        );
        assert.match(rows[0].note, /no VirtualService/);
    });

    it("says when no rule matches and when it cannot evaluate a condition", () => {
        const rows = explainRoutes(
            [
                {
                    spec: {
                        hosts: ["reviews"],
                        http: [
                            {
                                match: [{ uri: { prefix: "/x" } }],
                                route: [{ destination: { host: "reviews", subset: "v1" } }],
                            },
                        ],
                    },
                },
            ],
            [{ spec: { host: "reviews", subsets: [{ name: "v1", labels: { version: "v1" } }] } }],
        );
        assert.deepStrictEqual(rows[0].versions, {});
        assert.match(rows[0].note, /no matching rule: 404; rules matching on uri not evaluated/);
    });

    it("formats an aligned table with one line per service and request", () => {
        const table = formatRoutesTable(generated(["all-v1", "reviews-timeout"]).rows);
        const lines = table.split("\n");
        assert.strictEqual(lines.length, 1 + 4 * 2);
        assert.match(lines[0], /^SERVICE\s+REQUEST\s+VERSIONS\s+FAULT\s+TIMEOUT\s+NOTE$/);
        assert.ok(
            lines.some((l) => /^reviews\s+anonymous\s+v2 100%\s+-\s+0\.5s/.test(l)),
            table,
        );
        assert.ok(
            lines.some((l) => /^ratings\s+end-user: jason\s+v1 100%\s+delay 2s \(100%\)/.test(l)),
            table,
        );
    });
});

describe("Bookinfo access policies", () => {
    const ctx = (versions = bookinfoConfig().versions) => ({
        namespace: NS,
        gateway: { namespace: "istio-ingress", serviceAccount: "istio-ingressgateway" },
        workloads: deployedWorkloads(versions),
    });

    it("zero-trust: allow nothing, then exactly Bookinfo's own calls, by identity", () => {
        const policies = accessPolicies({ mode: "zero-trust", denyRatingsFromReviewsV3: false }, ctx());
        const byName = Object.fromEntries(policies.map((p) => [p.name, p.spec]));
        assert.deepStrictEqual(Object.keys(byName).sort(), [
            "allow-nothing",
            "details-viewer",
            "productpage-ingress",
            "ratings-viewer",
            "reviews-viewer",
        ]);
        assert.deepStrictEqual(byName["allow-nothing"], {});
        const sources = (name: string) => byName[name].rules?.[0].from?.[0].source?.serviceAccounts;
        assert.deepStrictEqual(sources("productpage-ingress"), ["istio-ingress/istio-ingressgateway"]);
        assert.deepStrictEqual(sources("details-viewer"), ["bookinfo/bookinfo-productpage"]);
        assert.deepStrictEqual(sources("reviews-viewer"), ["bookinfo/bookinfo-productpage"]);
        // reviews v1 never calls ratings, so it gets no access.
        assert.deepStrictEqual(sources("ratings-viewer"), [
            "bookinfo/bookinfo-productpage",
            "bookinfo/bookinfo-reviews-v2",
            "bookinfo/bookinfo-reviews-v3",
        ]);
    });

    it("zero-trust keeps the REST API the ingress exposes working: productpage may ask ratings", () => {
        // productpage.py serves /api/v1/products/<id>/ratings by calling ratings itself.
        const apiRoute = ingressRouteSpec(["*"]).http?.[0].match?.some(
            (m) => m.uri?.prefix === "/api/v1/products",
        );
        assert.ok(apiRoute, "the ingress route exposes /api/v1/products*");
        const ratings = accessPolicies({ mode: "zero-trust", denyRatingsFromReviewsV3: true }, ctx()).filter(
            (p) => p.spec.selector?.matchLabels?.app === "ratings",
        );
        const allowed = ratings
            .filter((p) => p.spec.action === "ALLOW")
            .flatMap((p) => p.spec.rules ?? [])
            .filter((r) => r.to?.some((t) => t.operation?.methods?.includes("GET")))
            .flatMap((r) => r.from?.flatMap((f) => f.source?.serviceAccounts ?? []) ?? []);
        assert.ok(allowed.includes("bookinfo/bookinfo-productpage"), allowed.join());
        const denied = ratings
            .filter((p) => p.spec.action === "DENY")
            .flatMap((p) => p.spec.rules ?? [])
            .flatMap((r) => r.from?.flatMap((f) => f.source?.serviceAccounts ?? []) ?? []);
        assert.deepStrictEqual(denied, ["bookinfo/bookinfo-reviews-v3"]);
    });

    it("lets ratings v2 reach MongoDB when it is deployed", () => {
        const versions = generated(["all-v1", "ratings-db"]).cfg.versions;
        const db = accessPolicies(
            { mode: "zero-trust", denyRatingsFromReviewsV3: false },
            ctx(versions),
        ).find((p) => p.name === "mongodb-clients");
        assert.deepStrictEqual(db?.spec.rules, [
            {
                from: [{ source: { serviceAccounts: ["bookinfo/bookinfo-ratings-v2"] } }],
                to: [{ operation: { ports: ["27017"] } }],
            },
        ]);
    });

    it("the lab rule denies reviews v3's own identity in both modes, and open mode adds nothing else", () => {
        const open = accessPolicies({ mode: "open", denyRatingsFromReviewsV3: true }, ctx());
        assert.deepStrictEqual(open, [
            {
                name: "ratings-deny-reviews-v3",
                spec: {
                    selector: { matchLabels: { app: "ratings" } },
                    action: "DENY",
                    rules: [{ from: [{ source: { serviceAccounts: ["bookinfo/bookinfo-reviews-v3"] } }] }],
                },
            },
        ]);
        assert.deepStrictEqual(accessPolicies({ mode: "open", denyRatingsFromReviewsV3: false }, ctx()), []);
        // The rule is expressible only because each reviews version has its own identity.
        const reviewsAccounts = WORKLOADS.filter((w) => w.app === "reviews").map((w) => w.serviceAccount);
        assert.strictEqual(new Set(reviewsAccounts).size, reviewsAccounts.length);
    });
});

describe("Bookinfo ingress", () => {
    it("binds to the installed gateway on the chart's port 80, and adds HTTPS with a redirect when given TLS", () => {
        assert.deepStrictEqual(gatewaySpec("ingressgateway", ["*"]), {
            selector: { istio: "ingressgateway" },
            servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
        });
        const tls = gatewaySpec("ingressgateway", ["*"], {
            credentialName: "cert",
            hosts: ["bookinfo.example.com"],
            httpsRedirect: true,
        });
        // Only the certificate's hosts are redirected; "*" (e.g. access by IP) stays on plain HTTP.
        assert.deepStrictEqual(tls.servers, [
            {
                port: { number: 80, name: "http-redirect", protocol: "HTTP" },
                hosts: ["bookinfo.example.com"],
                tls: { httpsRedirect: true },
            },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] },
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts: ["bookinfo.example.com"],
                tls: { mode: "SIMPLE", credentialName: "cert" },
            },
        ]);
        assert.deepStrictEqual(ingressHosts(["a.example.com"], { hosts: ["b.example.com"] }), [
            "a.example.com",
            "b.example.com",
        ]);
        assert.deepStrictEqual(ingressHosts(["*"], { hosts: ["b.example.com"] }), ["*"]);
    });
});

describe("Bookinfo on the dev stack", () => {
    const inBookinfo = (ev: Evaluation) =>
        ev.resources.filter((r) => r.parent !== undefined && nameOf(ev, r.parent).startsWith("bookinfo"));

    it("validates every generated object against its schema and names everything uniquely", async () => {
        for (const layers of [["all-v1"], ["all-v1", "ratings-db", "details-v2"]]) {
            const ev = await evaluateStack(
                "dev",
                Object.entries(routingOverrides(layers)).map(([key, value]) => ({ key, value })),
            );
            const ours = inBookinfo(ev).filter(isK8sObject);
            assert.ok(ours.length > 20, `${ours.length} objects`);
            const manifests = render({ resources: ours, outputs: {} }).manifests;
            for (const m of manifests) {
                await validateObject(m);
            }
            const names = ours.map((r) => r.name);
            assert.deepStrictEqual(
                names.filter((n, i) => names.indexOf(n) !== i),
                [],
                "unique Pulumi names",
            );
            const ids = manifests.map(
                (m) => `${m.apiVersion}/${m.kind}/${m.metadata.namespace}/${m.metadata.name}`,
            );
            assert.deepStrictEqual(
                ids.filter((n, i) => ids.indexOf(n) !== i),
                [],
                "unique Kubernetes names",
            );
        }
    });

    it("runs pinned images as non-root with probes, limits and the writable paths they need", async () => {
        const ev = await evaluateStack("dev");
        const deployments = byType(ev, DEPLOYMENT).filter(
            (d) => (d.inputs.metadata as { namespace?: string }).namespace === NS,
        );
        assert.deepStrictEqual(deployments.map((d) => (d.inputs.metadata as { name: string }).name).sort(), [
            "details-v1",
            "productpage-v1",
            "ratings-v1",
            "reviews-v1",
            "reviews-v2",
            "reviews-v3",
        ]);
        for (const d of deployments) {
            const pod = (d.inputs.spec as { template: { spec: PodSpec } }).template.spec;
            const c = pod.containers[0];
            assert.match(c.image, /^registry\.istio\.io\/release\/examples-bookinfo-[a-z0-9-]+:[^:]+$/);
            assert.ok(c.image.endsWith(`:${BOOKINFO_IMAGE_TAG}`), `${c.image}: not the catalogue's tag`);
            assert.deepStrictEqual(c.securityContext, {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.ok(c.resources.requests.cpu && c.resources.limits.memory, "requests and limits");
            assert.ok(c.readinessProbe && c.livenessProbe && c.startupProbe, "probes");
            assert.strictEqual(c.ports[0].containerPort, 9080);
        }
        const reviews = one(ev, DEPLOYMENT, "bookinfo-deploy-reviews-v3").inputs.spec as {
            template: { spec: PodSpec };
        };
        assert.deepStrictEqual(
            reviews.template.spec.containers[0].volumeMounts?.map((m) => m.mountPath),
            ["/tmp", "/opt/ibm/wlp/output"],
        );
        assert.strictEqual(reviews.template.spec.serviceAccountName, "bookinfo-reviews-v3");
    });

    it("leaves productpage room for the 8 gunicorn workers its image starts", async () => {
        // Upstream CMD: gunicorn ... -w 8 -k gevent, no preload: each worker loads Flask and the
        // OpenTelemetry SDK itself (~40-50 MiB); a 256Mi limit gets the container OOM-killed.
        const ev = await evaluateStack("dev");
        const pp = one(ev, DEPLOYMENT, "bookinfo-deploy-productpage-v1").inputs.spec as {
            template: { spec: PodSpec };
        };
        const resources = pp.template.spec.containers[0].resources;
        const mebibytes = (q: string | undefined): number => {
            const m = /^(\d+)(Mi|Gi)$/.exec(q ?? "");
            assert.ok(m, `memory quantity ${q}`);
            return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
        };
        const workers = 8;
        assert.ok(mebibytes(resources.limits.memory) >= (workers + 1) * 50, resources.limits.memory);
        assert.ok(mebibytes(resources.requests.memory) >= 256, resources.requests.memory);
    });

    it("creates the namespace through the control plane, after istiod, and Istio objects after istiod", async () => {
        const ev = await evaluateStack("dev");
        const ns = one(ev, NAMESPACE, "istio-ns-bookinfo");
        assert.deepStrictEqual((ns.inputs.metadata as { labels: Record<string, string> }).labels, {
            "istio-injection": "enabled",
        });
        for (const r of inBookinfo(ev).filter((x) => x.custom)) {
            assert.ok(r.dependencies.includes(ns.urn), `${r.name} waits for the namespace`);
        }
        for (const r of [
            ...byType(ev, VS),
            ...byType(ev, DR),
            ...byType(ev, AUTHZ),
            ...byType(ev, DEPLOYMENT),
        ].filter((x) => x.name.startsWith("bookinfo-"))) {
            assert.ok(
                r.dependsOn.map((u) => nameOf(ev, u)).includes("istio-istiod"),
                `${r.name} after istiod`,
            );
        }
        const vs = one(ev, VS, "bookinfo-vs-reviews");
        const deps = vs.dependsOn.map((u) => nameOf(ev, u));
        for (const d of ["bookinfo-dr-reviews", "bookinfo-deploy-reviews-v1", "bookinfo-deploy-reviews-v3"]) {
            assert.ok(deps.includes(d), `reviews VirtualService waits for ${d}`);
        }
    });

    it("exposes productpage through the ingress gateway on port 80 and the product page URL", async () => {
        const ev = await evaluateStack("dev");
        const gw = one(ev, ISTIO_GATEWAY, "bookinfo-gateway");
        const spec = gw.inputs.spec as {
            selector: Record<string, string>;
            servers: { port: { number: number } }[];
        };
        assert.deepStrictEqual(spec.selector, { istio: "ingressgateway" });
        assert.strictEqual(spec.servers[0].port.number, 80);
        const route = one(ev, VS, "bookinfo-ingress-route").inputs.spec as VirtualServiceSpec;
        assert.deepStrictEqual(route.gateways, ["bookinfo-gateway"]);
        assert.deepStrictEqual(route.http?.[0].route, [
            { destination: { host: "productpage", port: { number: 9080 } } },
        ]);
        assert.deepStrictEqual(
            route.http?.[0].match?.map((m) => m.uri),
            [
                { exact: "/productpage" },
                { prefix: "/static" },
                { exact: "/login" },
                { exact: "/logout" },
                { prefix: "/api/v1/products" },
            ],
        );
        assert.strictEqual(ev.outputs.productPageUrl, "http://localhost:8080/productpage");
    });

    it("exports the route table, identical to what the explainer reads from the captured objects", async () => {
        const ev = await evaluateStack("dev", [
            { key: "bookinfo.routing[0]", value: "all-v1" },
            { key: "bookinfo.routing[1]", value: "reviews-test-v2" },
        ]);
        const specs = <S>(type: string): { spec: S }[] =>
            byType(ev, type)
                .filter((r: CapturedResource) => r.name.startsWith("bookinfo-"))
                .map((r) => ({ spec: r.inputs.spec as S }));
        const fromCaptured = explainRoutes(specs<VirtualServiceSpec>(VS), specs<DestinationRuleSpec>(DR));
        assert.deepStrictEqual(ev.outputs.bookinfoRoutes, JSON.parse(JSON.stringify(fromCaptured)));
        assert.deepStrictEqual(row(fromCaptured, "reviews", "jason").versions, { v2: 100 });
    });

    it("registers Google APIs with TLS origination only when details v2 is deployed", async () => {
        const plain = await evaluateStack("dev");
        assert.deepStrictEqual(
            byType(plain, "kubernetes:networking.istio.io/v1:ServiceEntry").filter((r) =>
                r.name.startsWith("bookinfo"),
            ),
            [],
        );
        const ev = await evaluateStack("dev", [
            { key: "bookinfo.routing[0]", value: "all-v1" },
            { key: "bookinfo.routing[1]", value: "details-v2" },
            { key: "mesh.outboundTrafficPolicy", value: "REGISTRY_ONLY" },
        ]);
        const se = one(ev, "kubernetes:networking.istio.io/v1:ServiceEntry", "bookinfo-egress-googleapis")
            .inputs.spec;
        assert.deepStrictEqual(se, {
            hosts: ["www.googleapis.com"],
            exportTo: ["."],
            location: "MESH_EXTERNAL",
            resolution: "DNS",
            ports: [
                { number: 80, name: "http", protocol: "HTTP" },
                { number: 443, name: "https", protocol: "HTTPS" },
            ],
        });
        const rewrite = one(ev, VS, "bookinfo-egress-googleapis-route").inputs.spec as VirtualServiceSpec;
        assert.deepStrictEqual(rewrite.http?.[0], {
            match: [{ port: 80 }],
            route: [{ destination: { host: "www.googleapis.com", port: { number: 443 } } }],
        });
        const tls = one(ev, DR, "bookinfo-egress-googleapis-tls").inputs.spec as DestinationRuleSpec;
        assert.deepStrictEqual(tls.trafficPolicy?.portLevelSettings?.[0].tls, {
            mode: "SIMPLE",
            sni: "www.googleapis.com",
        });
        const details = one(ev, DEPLOYMENT, "bookinfo-deploy-details-v2").inputs.spec as {
            template: { spec: PodSpec };
        };
        assert.deepStrictEqual(details.template.spec.containers[0].env, [
            { name: "DO_NOT_ENCRYPT", value: "true" },
        ]);
    });

    it("runs MongoDB for ratings v2 as its non-root user, with the zero-trust policy that lets ratings v2 in", async () => {
        const ev = await evaluateStack("dev", [
            { key: "bookinfo.routing[0]", value: "all-v1" },
            { key: "bookinfo.routing[1]", value: "ratings-db" },
            { key: "bookinfo.denyRatingsFromReviewsV3", value: "true" },
        ]);
        const db = one(ev, DEPLOYMENT, "bookinfo-deploy-mongodb-v1").inputs.spec as {
            template: { spec: PodSpec };
        };
        assert.strictEqual(db.template.spec.containers[0].securityContext.runAsUser, 999);
        const ratings = one(ev, DEPLOYMENT, "bookinfo-deploy-ratings-v2").inputs.spec as {
            template: { spec: PodSpec };
        };
        assert.deepStrictEqual(ratings.template.spec.containers[0].env, [
            { name: "MONGO_DB_URL", value: "mongodb://mongodb:27017/test" },
        ]);
        const policies = byType(ev, AUTHZ).map((r) => (r.inputs.metadata as { name: string }).name);
        assert.ok(
            policies.includes("mongodb-clients") && policies.includes("ratings-deny-reviews-v3"),
            policies.join(),
        );
    });

    it("creates nothing for Bookinfo when it is disabled", async () => {
        const ev = await evaluateStack("dev", [{ key: "bookinfo.enabled", value: "false" }]);
        assert.deepStrictEqual(
            ev.resources.filter((r) => r.name.startsWith("bookinfo")),
            [],
        );
        assert.ok(!byType(ev, NAMESPACE).some((r) => r.name === "istio-ns-bookinfo"));
    });
});

interface PodSpec {
    serviceAccountName: string;
    containers: {
        image: string;
        env?: { name: string; value: string }[];
        securityContext: Record<string, unknown>;
        resources: { requests: { cpu?: string; memory?: string }; limits: { memory?: string } };
        readinessProbe?: unknown;
        livenessProbe?: unknown;
        startupProbe?: unknown;
        ports: { containerPort: number }[];
        volumeMounts?: { mountPath: string }[];
    }[];
}
