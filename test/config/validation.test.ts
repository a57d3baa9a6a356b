/**
 * Config is validated completely before anything is declared: every key, every combination that
 * Kubernetes or a chart would refuse, one message per mistake, and warnings for settings that
 * have no effect.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigIssue, readStackConfig } from "../../config";
import { quantityValue } from "../../config/quantity";
import { declaredPaths } from "../../config/project";
import { asProgramConfig, loadStackConfig } from "../../tools/lib/stackFiles";
import { CANARY, ConfigOverrides, configIssues, oneIssue, parseStack } from "../support/stacks";

describe("config validation", () => {
    describe("misspelt and misplaced keys", () => {
        it("finds keys that exist in another section", () => {
            oneIssue(
                configIssues("dev", { "istio.mtls": "STRICT" }),
                "istio.mtls",
                "did you mean 'mesh.mtls'?",
            );
            oneIssue(
                configIssues("dev", { "istio.gateway.replicas": 2 }),
                "istio.gateway.replicas",
                "did you mean 'gateway.replicas'?",
            );
            oneIssue(
                configIssues("dev", { "istio.mtsl": "STRICT" }),
                "istio.mtsl",
                "did you mean 'mesh.mtls'?",
            );
        });

        it("refuses an unknown section with the closest one", () => {
            oneIssue(
                configIssues("dev", { "gatway.serviceType": "NodePort" }),
                "gatway",
                "did you mean 'gateway'?",
            );
        });
    });

    describe("one mistake gives one error", () => {
        const cases: [string, ConfigOverrides, string][] = [
            [
                "a non-integer replica count is not also below maxReplicas",
                { "istiod.replicas": "1.5" },
                "istiod.replicas",
            ],
            [
                "a non-number maxReplicas is not also below replicas",
                { "gateway.maxReplicas": "two" },
                "gateway.maxReplicas",
            ],
            ["a misspelt version", { "istio.version": "1.3O.5" }, "istio.version"],
            ["a version without its patch", { "istio.version": "1.30" }, "istio.version"],
            [
                "a misspelt workload does not also leave routes without versions",
                {
                    "bookinfo.versions[0]": "productpage-v1",
                    "bookinfo.versions[1]": "details-v1",
                    "bookinfo.versions[2]": "reviews-v9",
                    "bookinfo.versions[3]": "ratings-v1",
                },
                "bookinfo.versions[2]",
            ],
            [
                "a repeated application namespace",
                { "mesh.namespaces[0]": "shop", "mesh.namespaces[1]": "shop" },
                "mesh.namespaces",
            ],
            ["a scalar where settings belong", { "gateway.resources": "big" }, "gateway.resources"],
            [
                "an invalid canary revision is not also 'equal to the primary'",
                { "istio.canary.version": CANARY.version, "istio.canary.revision": "Default" },
                "istio.canary.revision",
            ],
            [
                "an invalid namespace is not also a collision",
                { "gateway.namespace": "Istio-System" },
                "gateway.namespace",
            ],
            [
                "a wrong request type is not also compared with its limit",
                { "istiod.resources.requests.memory": "lots" },
                "istiod.resources.requests.memory",
            ],
        ];
        for (const [what, overrides, key] of cases) {
            it(what, () => oneIssue(configIssues("dev", overrides), key));
        }
    });

    describe("requests above limits", () => {
        const prefixes = declaredPaths()
            .filter((k) => k.endsWith(".resources.requests.memory"))
            .map((k) => k.slice(0, -".requests.memory".length));

        it("covers every *.resources key of Pulumi.yaml", () => {
            for (const p of ["istiod.resources", "gateway.resources", "mesh.proxy.resources"]) {
                assert.ok(prefixes.includes(p), `${p} missing from ${prefixes.join(", ")}`);
            }
            assert.ok(prefixes.filter((p) => p.startsWith("observability.")).length >= 4);
        });

        for (const prefix of prefixes) {
            it(`refuses a request above its limit at ${prefix}, naming both keys`, () => {
                oneIssue(
                    configIssues("prod", {
                        [`${prefix}.requests.memory`]: "1Gi",
                        [`${prefix}.limits.memory`]: "1000Mi",
                    }),
                    `${prefix}.requests.memory`,
                    '"1Gi"',
                    `${prefix}.limits.memory`,
                    '"1000Mi"',
                );
                oneIssue(
                    configIssues("prod", {
                        [`${prefix}.requests.cpu`]: "2",
                        [`${prefix}.limits.cpu`]: "1500m",
                    }),
                    `${prefix}.requests.cpu`,
                    `${prefix}.limits.cpu`,
                );
                assert.deepStrictEqual(
                    configIssues("prod", {
                        [`${prefix}.requests.memory`]: "1000Mi",
                        [`${prefix}.limits.memory`]: "1Gi",
                        [`${prefix}.requests.cpu`]: "500m",
                        [`${prefix}.limits.cpu`]: "0.5",
                    }),
                    [],
                );
            });
        }

        it("compares quantities by value, not by text", () => {
            assert.ok(quantityValue("1Gi")! > quantityValue("1000Mi")!);
            assert.ok(quantityValue("1G")! < quantityValue("1Gi")!);
            assert.strictEqual(quantityValue("500m"), quantityValue("0.5"));
            assert.strictEqual(quantityValue("1e3"), quantityValue("1k"));
            assert.strictEqual(quantityValue("lots"), undefined);
        });
    });

    describe("rules the API server enforces", () => {
        const cases: [string, ConfigOverrides, string, string][] = [
            [
                "node ports below the range",
                { "gateway.httpNodePort": 29999 },
                "gateway.httpNodePort",
                "30000..32767",
            ],
            [
                "node ports above the range",
                { "gateway.httpsNodePort": 32768 },
                "gateway.httpsNodePort",
                "30000..32767",
            ],
            [
                "the same node port twice",
                { "gateway.httpsNodePort": 30080 },
                "gateway.httpsNodePort",
                "already used",
            ],
            [
                "a namespace name over 63 characters",
                { "istio.rootNamespace": `ns-${"x".repeat(61)}` },
                "istio.rootNamespace",
                "at most 63",
            ],
            [
                "a Service name starting with a digit",
                { "gateway.name": "1gateway" },
                "gateway.name",
                "DNS-1035",
            ],
            [
                "a revision too long for istiod-<revision>",
                { "istio.revision": `r${"x".repeat(56)}` },
                "istio.revision",
                "at most 56",
            ],
            [
                "a zero-sized volume",
                { "observability.prometheus.persistence.size": "0" },
                "observability.prometheus.persistence.size",
                "greater than zero",
            ],
            [
                "a namespace of Kubernetes itself",
                { "mesh.namespaces[0]": "kube-system" },
                "mesh.namespaces[0]",
                "reserved for Kubernetes",
            ],
            [
                "creating the default namespace",
                { "bookinfo.namespace": "default" },
                "bookinfo.namespace",
                "already exists",
            ],
        ];
        for (const [what, overrides, key, text] of cases) {
            it(`refuses ${what}`, () => oneIssue(configIssues("dev", overrides), key, text));
        }

        it("labels the default namespace in place for applications", () => {
            assert.deepStrictEqual(configIssues("dev", { "mesh.namespaces[0]": "default" }), []);
        });
    });

    describe("namespaces the stack owns, by purpose", () => {
        const cases: [string, ConfigOverrides, string, string][] = [
            [
                "gateway in the root namespace",
                { "gateway.namespace": "istio-system" },
                "gateway.namespace",
                "istio.rootNamespace",
            ],
            [
                "cert-manager in the gateway namespace",
                { "tls.certManager.namespace": "istio-ingress" },
                "tls.certManager.namespace",
                "gateway.namespace",
            ],
            [
                "Bookinfo in cert-manager's namespace",
                { "bookinfo.namespace": "cert-manager" },
                "bookinfo.namespace",
                "tls.certManager.namespace",
            ],
            [
                "an application in cert-manager's namespace",
                { "mesh.namespaces[0]": "cert-manager" },
                "mesh.namespaces[0]",
                "tls.certManager.namespace",
            ],
            [
                "Bookinfo in an application namespace",
                { "mesh.namespaces[0]": "bookinfo" },
                "bookinfo.namespace",
                "mesh.namespaces[0]",
            ],
            [
                "an application in the root namespace",
                { "mesh.namespaces[0]": "istio-system" },
                "mesh.namespaces[0]",
                "is already used by istio.rootNamespace",
            ],
        ];
        for (const [what, overrides, key, text] of cases) {
            it(`refuses ${what}`, () => oneIssue(configIssues("dev", overrides), key, text));
        }

        it("frees a namespace when its purpose is off", () => {
            // prod leaves TLS off: cert-manager is not installed, so its namespace is free.
            assert.deepStrictEqual(configIssues("prod", { "mesh.namespaces[0]": "cert-manager" }), []);
            assert.deepStrictEqual(
                configIssues("dev", { "bookinfo.enabled": false, "mesh.namespaces[0]": "bookinfo" }),
                [],
            );
        });
    });

    describe("combinations", () => {
        for (const type of ["LoadBalancer", "ClusterIP"]) {
            it(`refuses a kind cluster with a ${type} gateway`, () => {
                oneIssue(
                    configIssues("dev", { "gateway.serviceType": type }),
                    "gateway.serviceType",
                    "cluster.kind.create",
                    '"NodePort"',
                );
            });
        }
    });

    describe("settings without effect", () => {
        function warnings(stack: string, overrides: ConfigOverrides = {}): ConfigIssue[] {
            const result = parseStack(stack, overrides);
            assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
            return result.warnings;
        }

        it("never warn about defaults", () => {
            // staging keeps the default node ports on a LoadBalancer gateway and leaves TLS off.
            assert.deepStrictEqual(warnings("staging"), []);
            assert.deepStrictEqual(warnings("dev"), []);
        });

        const cases: [string, string, ConfigOverrides, string, string][] = [
            [
                "a node port on a LoadBalancer gateway",
                "staging",
                { "gateway.httpNodePort": 30001 },
                "gateway.httpNodePort",
                "gateway.serviceType",
            ],
            [
                "TLS hosts while TLS is off",
                "staging",
                { "tls.hosts[0]": "a.example.com" },
                "tls.hosts",
                "tls.enabled",
            ],
            [
                "an addon's ingress host while its ingress is off",
                "staging",
                { "observability.grafana.ingress.host": "grafana.example.com" },
                "observability.grafana.ingress.host",
                "observability.grafana.ingress.enabled",
            ],
            [
                "kind settings without kind",
                "staging",
                { "cluster.kind.httpHostPort": 9090 },
                "cluster.kind.httpHostPort",
                "cluster.kind.create",
            ],
            [
                "viewer settings without viewers",
                "staging",
                {
                    "observability.kiali.auth.viewers": "[]",
                    "observability.kiali.auth.viewerPortForward": true,
                },
                "observability.kiali.auth.viewerPortForward",
                "observability.kiali.auth.viewers",
            ],
            [
                "a volume size without persistence",
                "dev",
                { "observability.grafana.persistence.size": "20Gi" },
                "observability.grafana.persistence.size",
                "observability.grafana.persistence.enabled",
            ],
            [
                "Bookinfo hosts without Bookinfo",
                "staging",
                { "bookinfo.enabled": false, "bookinfo.hosts[0]": "b.example.com" },
                "bookinfo.hosts",
                "bookinfo.enabled",
            ],
        ];
        for (const [what, stack, overrides, key, on] of cases) {
            it(`warn about ${what}, naming ${on}`, () => {
                const w = warnings(stack, overrides);
                assert.deepStrictEqual(
                    w.map((x) => x.key),
                    [key],
                    JSON.stringify(w),
                );
                assert.ok(w[0].message.includes(on), w[0].message);
            });
        }

        it("are logged by the program with pulumi.log.warn", async () => {
            const loaded = loadStackConfig("prod");
            await pulumi.runtime.setMocks(
                {
                    newResource: (a) => ({ id: a.name, state: a.inputs as Record<string, unknown> }),
                    call: () => ({}),
                },
                loaded.project,
                loaded.stack,
                false,
            );
            pulumi.runtime.setAllConfig(asProgramConfig(loaded), loaded.secretKeys);
            const log = pulumi.log as { warn: (msg: string) => Promise<void> };
            const warn = log.warn;
            const seen: string[] = [];
            log.warn = (msg: string) => {
                seen.push(msg);
                return Promise.resolve();
            };
            try {
                readStackConfig();
            } finally {
                log.warn = warn;
            }
            // prod prepares Let's Encrypt but leaves TLS off (Pulumi.prod.yaml).
            assert.strictEqual(seen.length, 1, JSON.stringify(seen));
            assert.match(seen[0], /^tls\.[^:]*tls\.issuer[^:]*: have no effect while tls\.enabled is false/);
        });
    });
});
