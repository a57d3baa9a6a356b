import * as assert from "assert";
import { ConfigIssue, parseStackConfig } from "../../../config";
import { DEFAULTS } from "../../../components/applications/config";
import { ApplicationSpec } from "../../../components/applications/model";
import { applicationsOverride, shopApplications } from "../../support/applications";
import { rawConfig } from "../../support/stacks";

type Apps = Record<string, Record<string, unknown>>;

/** Parses the dev stack with the given applications (and other overrides by path). */
function parse(apps: Record<string, unknown>, more: Record<string, string> = {}) {
    const raw = rawConfig(
        "dev",
        Object.entries(more).map(([key, value]) => ({ key, value })),
    );
    raw.applications = apps;
    return parseStackConfig(raw, "dev");
}

function issuesOf(apps: Record<string, unknown>, more: Record<string, string> = {}): ConfigIssue[] {
    const result = parse(apps, more);
    return result.ok ? [] : result.issues;
}

type Doc = Record<string, unknown>;

interface RouteDoc extends Doc {
    match?: Doc & { headers?: Doc };
    weights?: Doc;
    retries?: Doc;
}

/** The parts of the example the tests edit, typed loosely enough to break them. */
interface ShopDoc extends Doc {
    ingress: Doc;
    services: Record<string, Doc & { versions: Doc }>;
    routes: Record<string, RouteDoc[]>;
    resilience: Record<string, Doc & { outlierDetection?: Doc }>;
    egress: Doc[];
}

function shopWith(edit: (shop: ShopDoc) => void): Record<string, unknown> {
    return shopApplications((apps) => edit((apps as Apps).shop as ShopDoc));
}

/** Asserts exactly these keys are reported, each message containing every given text. */
function expectIssues(issues: ConfigIssue[], expected: Record<string, string[]>): void {
    const got = new Map<string, string[]>();
    issues.forEach((i) => got.set(i.key, [...(got.get(i.key) ?? []), i.message]));
    assert.deepStrictEqual(
        [...got.keys()].sort(),
        Object.keys(expected).sort(),
        JSON.stringify(issues, null, 2),
    );
    for (const [key, texts] of Object.entries(expected)) {
        const all = (got.get(key) ?? []).join("\n");
        for (const t of texts) {
            assert.ok(all.includes(t), `${key}: expected ${JSON.stringify(t)} in ${JSON.stringify(all)}`);
        }
    }
}

function shop(): ApplicationSpec {
    const result = parse(shopApplications());
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues, null, 2));
    const app = result.config.applications.find((a) => a.name === "shop");
    assert.ok(app);
    return app;
}

describe("applications config", () => {
    it("reads the shop example into a description: services, versions, routes, resilience, ingress, egress", () => {
        const app = shop();
        assert.strictEqual(app.namespace, "shop");
        assert.strictEqual(app.access, "zero-trust");
        const cart = app.services.find((s) => s.name === "cart");
        const web = app.services.find((s) => s.name === "web");
        assert.ok(cart && web);
        assert.deepStrictEqual(
            cart.versions.map((v) => [v.name, v.image]),
            [
                ["v1", "ghcr.io/acme/shop-cart:2.0.1"],
                ["v2", "ghcr.io/acme/shop-cart:2.1.0"],
            ],
        );
        assert.deepStrictEqual(web.versions[0].calls, ["cart"]);
        assert.deepStrictEqual(cart.routes, [
            { match: { headers: { "x-canary": { exact: "true" } } }, weights: { v2: 100 } },
            {
                weights: { v1: 90, v2: 10 },
                timeout: "2s",
                retries: { attempts: 3, perTryTimeout: "500ms", retryOn: "5xx,reset" },
                fault: { delay: { fixedDelay: "2s", percent: 10 } },
            },
        ]);
        assert.deepStrictEqual(cart.resilience, {
            maxConnections: 100,
            outlierDetection: { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s" },
        });
        assert.deepStrictEqual(app.ingress, {
            service: "web",
            hosts: ["shop.example.com"],
            paths: [{ prefix: "/" }],
        });
        assert.deepStrictEqual(app.egress, [
            { name: "api-stripe-com", host: "api.stripe.com", port: 443, tls: "passthrough" },
        ]);
    });

    it("fills the documented defaults for what a description leaves out", () => {
        const web = shop().services.find((s) => s.name === "web");
        assert.ok(web);
        assert.strictEqual(web.protocol, DEFAULTS.protocol);
        assert.strictEqual(web.replicas, DEFAULTS.replicas);
        assert.strictEqual(web.targetPort, web.port);
        assert.deepStrictEqual(web.resources, DEFAULTS.resources);
        assert.strictEqual(web.healthPath, undefined);
        assert.strictEqual(web.routes, undefined);
        const custom = parse(
            shopWith((s) => {
                s.namespace = undefined;
                Object.assign(s.services.web, {
                    targetPort: "9090",
                    protocol: "grpc",
                    replicas: 3,
                    env: { LOG_LEVEL: "debug", RETRIES: 2 },
                    resources: { requests: { cpu: "200m" } },
                    healthPath: "/healthz",
                });
                s.ingress.paths = ["/", { exact: "/login" }];
                s.egress[0].tls = "originate";
                s.access = "open";
            }),
        );
        assert.ok(custom.ok, JSON.stringify(!custom.ok && custom.issues));
        const app = custom.config.applications[0];
        const w = app.services.find((s) => s.name === "web");
        assert.strictEqual(app.namespace, "shop", "the namespace defaults to the application name");
        assert.strictEqual(app.access, "open");
        assert.deepStrictEqual(
            [w?.targetPort, w?.protocol, w?.portName, w?.replicas, w?.healthPath],
            [9090, "grpc", "grpc", 3, "/healthz"],
        );
        assert.deepStrictEqual(w?.versions[0].env, { LOG_LEVEL: "debug", RETRIES: "2" });
        assert.deepStrictEqual(w?.resources, {
            requests: { cpu: "200m", memory: DEFAULTS.resources.requests.memory },
            limits: DEFAULTS.resources.limits,
        });
        assert.deepStrictEqual(app.ingress?.paths, [{ prefix: "/" }, { exact: "/login" }]);
        assert.strictEqual(app.egress[0].tls, "originate");
    });

    it("reads the section set key by key (`pulumi config set --path`), and refuses it as one JSON value", () => {
        const byPath = parseStackConfig(rawConfig("dev", applicationsOverride()), "dev");
        assert.ok(byPath.ok, JSON.stringify(!byPath.ok && byPath.issues));
        assert.deepStrictEqual(byPath.config.applications, [shop()]);
        const raw = rawConfig("dev");
        raw.applications = JSON.stringify(shopApplications());
        const oneValue = parseStackConfig(raw, "dev");
        assert.ok(!oneValue.ok);
        assert.deepStrictEqual(
            oneValue.issues.map((x) => x.key),
            ["applications"],
        );
        assert.match(oneValue.issues[0].message, /is given as one value/);
        assert.ok(parse({}).ok, "an empty map is no applications");
    });

    it("has no applications unless some are described, and the committed stacks describe none", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const result = parseStackConfig(rawConfig(stack), stack);
            assert.ok(result.ok);
            assert.deepStrictEqual(result.config.applications, []);
        }
    });

    it("refuses weights that do not add up to 100 and routes to versions that are not deployed", () => {
        const issues = issuesOf(
            shopWith((s) => {
                s.routes.cart[1].weights = { v1: 80, v2: 10 };
                s.routes.cart[0].weights = { v3: 100 };
            }),
        );
        expectIssues(issues, {
            "applications.shop.routes.cart[1].weights": [
                '{"v1":80,"v2":10}',
                "adds up to 90",
                "must add up to 100",
            ],
            "applications.shop.routes.cart[0].weights.v3": ['"v3"', "not deployed", "versions: v1, v2"],
        });
    });

    it("refuses calls to unknown services, an unknown ingress service, and routes or resilience for unknown services", () => {
        const issues = issuesOf(
            shopWith((s) => {
                s.services.web.calls = ["cart", "carts"];
                s.ingress.service = "frontend";
                s.routes.checkout = [{ weights: { v1: 100 } }];
                s.resilience.crat = { maxConnections: 10 };
            }),
        );
        expectIssues(issues, {
            "applications.shop.services.web.calls[1]": [
                '"carts" is not a service of shop',
                "did you mean 'cart'?",
            ],
            "applications.shop.ingress.service": [
                '"frontend" is not one of the application\'s services',
                "web, cart",
            ],
            "applications.shop.routes.checkout": ['"checkout" is not a service of shop'],
            "applications.shop.resilience.crat": ["did you mean 'cart'?"],
        });
    });

    it("refuses hosts answered twice: across applications, and with Bookinfo", () => {
        const issues = issuesOf(
            shopApplications((apps) => {
                const a = apps as Apps;
                a.store = structuredClone(a.shop);
                a.store.namespace = "store";
                (a.shop.ingress as Record<string, unknown>).hosts = [
                    "shop.example.com",
                    "bookinfo.example.com",
                ];
            }),
            { "bookinfo.hosts[0]": "bookinfo.example.com" },
        );
        expectIssues(issues, {
            "applications.shop.ingress.hosts[1]": [
                '"bookinfo.example.com" is already answered by bookinfo.hosts[0]',
            ],
            "applications.store.ingress.hosts[0]": [
                '"shop.example.com" is already answered by applications.shop.ingress.hosts[0]',
            ],
        });
    });

    it("refuses namespace collisions with each other, Bookinfo, the platform and mesh.namespaces", () => {
        const apps = (namespaces: string[]) =>
            shopApplications((a) => {
                const template = (a as Apps).shop;
                delete (a as Apps).shop;
                namespaces.forEach((ns, i) => {
                    (a as Apps)[`app${i}`] = {
                        ...structuredClone(template),
                        namespace: ns,
                        ingress: undefined,
                    };
                });
            });
        const issues = issuesOf(
            apps([
                "team",
                "team",
                "bookinfo",
                "istio-system",
                "istio-ingress",
                "cert-manager",
                "legacy",
                "kube-system",
            ]),
            {
                "mesh.namespaces[0]": "legacy",
            },
        );
        expectIssues(issues, {
            "applications.app1.namespace": ['"team" is already used by applications.app0.namespace'],
            // Bookinfo, the sample, gives way to the user's own application.
            "bookinfo.namespace": ["is already used by applications.app2.namespace"],
            "applications.app3.namespace": ["istio.rootNamespace"],
            "applications.app4.namespace": ["gateway.namespace"],
            "applications.app5.namespace": ["tls.certManager.namespace"],
            "applications.app6.namespace": ["mesh.namespaces[0]"],
            "applications.app7.namespace": ["Kubernetes"],
        });
        // Bookinfo's namespace is free once Bookinfo is off.
        assert.deepStrictEqual(issuesOf(apps(["bookinfo"]), { "bookinfo.enabled": "false" }), []);
    });

    it("refuses bad durations, ports, images, percentages and statuses, naming the value and what is allowed", () => {
        const issues = issuesOf(
            shopWith((s) => {
                s.services.web.port = 70000;
                s.services.cart.image = "ghcr.io/acme/shop-cart:2.0.1";
                s.services.web.image = "GHCR.io/Acme/Web";
                s.services.cart.versions.v2 = "2.1.0 beta";
                s.routes.cart[1].timeout = "2 seconds";
                s.routes.cart[1].retries = { attempts: 3, perTryTimeout: "1x", retryOn: "5xx,sometimes" };
                s.routes.cart[1].fault = { abort: { httpStatus: 700, percent: 0 } };
                (s.resilience.cart.outlierDetection as Doc).interval = "10";
                s.egress[0].port = "https";
            }),
        );
        expectIssues(issues, {
            "applications.shop.services.web.port": ["70000 is not valid; expected a port from 1 to 65535"],
            "applications.shop.services.cart.image": ["includes a tag or digest", "versions give the tags"],
            "applications.shop.services.web.image": ['"GHCR.io/Acme/Web" is not valid', "lowercase"],
            "applications.shop.services.cart.versions.v2": [
                '"2.1.0 beta" is not valid; expected an image tag',
            ],
            "applications.shop.routes.cart[1].timeout": ['"2 seconds" is not valid; expected a duration'],
            "applications.shop.routes.cart[1].retries.perTryTimeout": [
                '"1x" is not valid; expected a duration',
            ],
            "applications.shop.routes.cart[1].retries.retryOn": ["unknown condition(s) sometimes"],
            "applications.shop.routes.cart[1].fault.abort.httpStatus": [
                "700 is not valid; expected an HTTP status",
            ],
            "applications.shop.routes.cart[1].fault.abort.percent": ["0 is not valid; expected a percentage"],
            "applications.shop.resilience.cart.outlierDetection.interval": [
                '"10" is not valid; expected a duration',
            ],
            "applications.shop.egress[0].port": ['"https" is not valid; expected a port'],
        });
    });

    it("refuses a per-try timeout not below the route timeout, egress to wildcards, and misplaced catch-alls", () => {
        const issues = issuesOf(
            shopWith((s) => {
                (s.routes.cart[1].retries as Doc).perTryTimeout = "2s";
                s.egress.push({ host: "*" }, { host: "*.stripe.com" });
                s.routes.cart = [s.routes.cart[1], s.routes.cart[0]];
            }),
        );
        expectIssues(issues, {
            "applications.shop.routes.cart[0].retries.perTryTimeout": [
                '"2s" is not below the route timeout "2s"',
            ],
            "applications.shop.routes.cart[0]": ["matches every request", "never used"],
            "applications.shop.routes.cart[1].match": ["the last route must match every request"],
            "applications.shop.egress[1].host": ['"*" is not allowed', "name each host"],
            "applications.shop.egress[2].host": ['"*.stripe.com" is not allowed'],
        });
    });

    it("refuses unknown keys at every level with the closest known key", () => {
        const issues = issuesOf(
            shopWith((s) => {
                s.ingres = s.ingress;
                s.services.cart.replica = 2;
                s.routes.cart[1].retry = s.routes.cart[1].retries;
                (s.routes.cart[0].match as Doc).header = { a: "b" };
                (s.resilience.cart.outlierDetection as Doc).consecutiveErrors = 5;
            }),
        );
        expectIssues(issues, {
            "applications.shop.ingres": ["did you mean 'ingress'?"],
            "applications.shop.services.cart.replica": ["did you mean 'replicas'?"],
            "applications.shop.routes.cart[1].retry": ["did you mean 'retries'?"],
            "applications.shop.routes.cart[0].match.header": ["did you mean 'headers'?"],
            "applications.shop.resilience.cart.outlierDetection.consecutiveErrors": ["consecutive5xxErrors"],
        });
    });

    it("reads uri and user-agent matches, and refuses malformed ones", () => {
        const ok = parse(
            shopWith((s) => {
                s.routes.cart[0].match = { uri: { prefix: "/beta" }, userAgent: ".*Mobile.*" };
            }),
        );
        assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.issues));
        assert.deepStrictEqual(
            ok.config.applications[0].services.find((s) => s.name === "cart")?.routes?.[0].match,
            {
                headers: { "user-agent": { regex: ".*Mobile.*" } },
                uri: { prefix: "/beta" },
            },
        );
        const issues = issuesOf(
            shopWith((s) => {
                s.routes.cart[0].match = {
                    uri: { prefix: "beta", exact: "/x" },
                    userAgent: "(",
                    headers: { Host: "x" },
                };
            }),
        );
        expectIssues(issues, {
            "applications.shop.routes.cart[0].match.uri": ["needs exactly one of exact, prefix, regex"],
            "applications.shop.routes.cart[0].match.userAgent": ["not a valid regular expression"],
            "applications.shop.routes.cart[0].match.headers.Host": ["not a valid header name"],
        });
    });

    it("refuses names that are not DNS labels or that the program's components use", () => {
        const issues = issuesOf(
            shopApplications((apps) => {
                (apps as Apps).Shop_2 = structuredClone((apps as Apps).shop);
                (apps as Apps).Shop_2.namespace = "shop2";
                (apps as Apps).Shop_2.ingress = undefined;
                (apps as Apps).istio = { services: {} };
            }),
        );
        expectIssues(issues, {
            "applications.Shop_2": ["is not a valid application name"],
            "applications.istio": ["is the name of a component of this program"],
            "applications.istio.services": ["is empty"],
        });
    });

    it("refuses names the generated objects would share, service names Kubernetes refuses, and the sidecar's ports", () => {
        const issues = issuesOf(
            shopWith((s) => {
                s.services["web-v1"] = { image: "ghcr.io/acme/x", port: 8080, versions: { x: "1" } };
                s.services.web.versions["v1-x"] = "1.4.1";
                s.services["shop-ingress"] = { image: "ghcr.io/acme/y", port: 8080, versions: { v1: "1" } };
                s.services["9lives"] = { image: "ghcr.io/acme/z", port: 15021, versions: { v1: "1" } };
            }),
        );
        expectIssues(issues, {
            "applications.shop.services.web-v1.versions.x": [
                'makes the Deployment "web-v1-x", as applications.shop.services.web.versions.v1-x does',
            ],
            "applications.shop.services.shop-ingress": ["is the name of the application's ingress route"],
            "applications.shop.services.9lives": ['"9lives" is not a valid service name', "a letter first"],
            "applications.shop.services.9lives.port": ["15021 is a port the Istio sidecar listens on"],
        });
    });

    it("refuses, in ambient mode, what HTTPRoutes and ztunnel cannot do, each at its key; ingress works with the Gateway API", () => {
        const ambient = { "mesh.dataPlane": "ambient", "bookinfo.enabled": "false" };
        expectIssues(issuesOf(shopApplications(), ambient), {
            "applications.shop.routes.cart[1].fault": ["no Gateway API equivalent", "remove the fault"],
            "applications.shop.routes.cart[1].retries": [
                "experimental channel",
                'applications.shop.dataPlane "sidecar"',
            ],
        });
        // Zero-trust is supported: its L7 rules go to the waypoint (applications/access.ts).
        const supported = shopWith((s) => {
            delete s.routes.cart[1].fault;
            delete s.routes.cart[1].retries;
        });
        const ok = parse(supported, ambient);
        assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.issues));
        assert.deepStrictEqual(
            ok.config.applications.map((a) => a.dataPlane),
            ["ambient"],
        );
        const sidecar = parse(supported);
        assert.ok(sidecar.ok, JSON.stringify(!sidecar.ok && sidecar.issues));
        assert.deepStrictEqual(
            sidecar.config.applications.map((a) => a.dataPlane),
            ["sidecar"],
        );
        expectIssues(
            issuesOf(shopApplications(), {
                "gateway.api": "gateway-api",
                "bookinfo.enabled": "false",
                "observability.enabled": "false",
            }),
            {},
        );
    });

    it("refuses, in ambient mode, routes the waypoint would order differently, path prefixes and names taken twice", () => {
        const apps = shopWith((s) => {
            s.access = "open";
            s.routes.cart = [
                { match: { headers: { "x-canary": "true" } }, weights: { v2: 100 } },
                { match: { headers: { "x-canary": "true", "x-beta": "1" } }, weights: { v1: 100 } },
                { match: { uri: { prefix: "/api" } }, weights: { v2: 100 } },
                { weights: { v1: 100 } },
            ];
            s.egress = [{ host: "api.stripe.com", port: 443, tls: "originate" }];
            s.services["cart-v1"] = { image: "ghcr.io/acme/x", port: 8080, versions: { v1: "1" } };
            s.services.waypoint = { image: "ghcr.io/acme/x", port: 8080, versions: { v1: "1" } };
        });
        expectIssues(issuesOf(apps, { "mesh.dataPlane": "ambient", "bookinfo.enabled": "false" }), {
            "applications.shop.routes.cart[1]": [
                "tried before route [0]",
                "put the more specific route first",
            ],
            "applications.shop.routes.cart[2].match.uri": ["whole path segments", "match the path exactly"],
            "applications.shop.egress[0].tls": ["needs a sidecar", "passthrough"],
            "applications.shop.services.cart.versions.v1": ['per-version Service "cart-v1"'],
            "applications.shop.services.waypoint": ["name of the waypoint"],
        });
        // With sidecars the same description is valid: a VirtualService keeps list order.
        assert.deepStrictEqual(
            issuesOf(apps, { "bookinfo.enabled": "false" }).map((i) => i.key),
            [],
        );
    });

    it("reports every problem of several applications at once, with no follow-on noise", () => {
        const issues = issuesOf(
            shopApplications((apps) => {
                const a = apps as Apps;
                a.blog = { services: { api: { port: 80, versions: { v1: "1" } } } };
                ((a.shop.routes as Apps).cart as unknown as Record<string, unknown>[])[1].weights = {
                    v1: "ninety",
                    v2: 10,
                };
            }),
        );
        expectIssues(issues, {
            "applications.blog.services.api.image": ["is missing"],
            "applications.shop.routes.cart[1].weights.v1": [
                '"ninety" is not valid; expected a whole-number weight',
            ],
        });
    });
});
