import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { ConfigReader } from "../config/reader";
import { istiodValues } from "../components/istio/values";
import { parseIstioConfig } from "../components/istio/config";
import { parseClusterConfig } from "../components/cluster/config";
import {
    IngressTls,
    RELEASE_ANNOTATION,
    TlsConfig,
    dnsNameCovers,
    dnsNameProblem,
    gatewayTlsIssues,
    httpsUrls,
    parseTlsConfig,
    uncoveredHosts,
} from "../components/tls";
import { CapturedResource, Evaluation, evaluate } from "../tools/lib/mockRuntime";
import { K8sObject, render } from "../tools/lib/render";
import { loadStackConfig } from "../tools/lib/stackFiles";
import { validateObject } from "./support/schemas";
import { byType, configIssues, evaluateStack, nameOf, one, pinned, rawConfig } from "./support/stacks";
import {
    CERTIFICATE,
    CERT_MANAGER,
    CLUSTER_ISSUER,
    ISTIO_GATEWAY,
    NAMESPACE,
    PROVIDER,
} from "./support/types";

const GATEWAY_NAMESPACE = "istio-ingress";

type Overrides = Record<string, string | number | boolean>;

/** Only the TLS section's issues, so these tests do not depend on other sections' state. */
function tlsIssues(stack: string, overrides: Overrides): Record<string, string> {
    const issues = configIssues(stack, overrides).filter((i) => i.key.startsWith("tls"));
    return Object.fromEntries(issues.map((i) => [i.key, i.message]));
}

function expectTlsIssues(stack: string, overrides: Overrides, expected: Record<string, string>): void {
    const got = tlsIssues(stack, overrides);
    assert.deepStrictEqual(
        Object.keys(got).sort(),
        Object.keys(expected).sort(),
        JSON.stringify(got, null, 2),
    );
    for (const [key, text] of Object.entries(expected)) {
        assert.ok(
            got[key].includes(text),
            `${key}: expected ${JSON.stringify(text)} in ${JSON.stringify(got[key])}`,
        );
    }
}

const list = (o: Overrides) => Object.entries(o).map(([key, value]) => ({ key, value: String(value) }));

function tlsConfig(stack: string, overrides: Overrides): TlsConfig {
    const r = new ConfigReader(rawConfig(stack, list(overrides)));
    const cfg = parseTlsConfig(r);
    assert.deepStrictEqual(r.issues, []);
    return cfg;
}

const isolated = new Map<string, Promise<Evaluation>>();

/**
 * The TLS component alone under the mock runtime, with a stack's TLS config and overrides, so the
 * issuer variants are exercised whatever the rest of the program does.
 */
function evaluateTls(stack: string, overrides: Overrides): Promise<Evaluation> {
    const key = JSON.stringify([stack, overrides]);
    let hit = isolated.get(key);
    if (!hit) {
        const cfg = tlsConfig(stack, overrides);
        hit = evaluate(loadStackConfig(stack, list(overrides), true), () => {
            const provider = new k8s.Provider("k8s", {});
            const tls = new IngressTls("tls", { provider, config: cfg, gatewayNamespace: GATEWAY_NAMESPACE });
            return { credentialName: tls.credentialName };
        });
        isolated.set(key, hit);
    }
    return hit;
}

const ACME: Overrides = {
    "tls.enabled": true,
    "tls.issuer": "acme",
    "tls.acme.email": "ops@example.com",
    "tls.httpsRedirect": false,
    "tls.hosts": '["bookinfo.example.com"]',
};

const EXISTING: Overrides = {
    "tls.issuer": "existing",
    "tls.existingIssuer.name": "corp-dns01",
    "tls.existingIssuer.kind": "Issuer",
};

function annotations(r: CapturedResource): Record<string, string> {
    return (r.inputs.metadata as { annotations?: Record<string, string> }).annotations ?? {};
}

function spec<T>(r: CapturedResource): T {
    return r.inputs.spec as T;
}

interface CertSpec {
    secretName: string;
    dnsNames?: string[];
    isCA?: boolean;
    issuerRef: { name: string; kind: string; group: string };
}

describe("TLS: host names", () => {
    it("accepts fully qualified lowercase names and single-label wildcards", () => {
        for (const ok of [
            "bookinfo.example.com",
            "a-1.b.example.co.uk",
            "*.example.com",
            "bookinfo.localtest.me",
        ]) {
            assert.strictEqual(dnsNameProblem(ok), undefined, ok);
        }
    });

    it("rejects what is not a DNS name, saying why", () => {
        const cases: Record<string, string> = {
            "Bookinfo.example.com": "lowercase",
            localhost: "fully qualified",
            "a..example.com": "label",
            "-a.example.com": "not starting or ending with '-'",
            "*.com": "at least two labels",
            "foo.*.example.com": "'*' is only allowed as the whole first label",
            "a*.example.com": "'*' is only allowed",
            "10.0.0.1": "IP addresses",
            [`${"a".repeat(64)}.example.com`]: "longer than 63",
            [`${"a.".repeat(127)}com`]: "longer than 253",
        };
        for (const [name, why] of Object.entries(cases)) {
            const problem = dnsNameProblem(name);
            assert.ok(problem?.includes(why), `${name}: ${problem}`);
        }
    });

    it("matches wildcards on exactly one left-most label (RFC 6125)", () => {
        assert.ok(dnsNameCovers("*.example.com", "bookinfo.example.com"));
        assert.ok(dnsNameCovers("bookinfo.example.com", "BookInfo.Example.com"));
        assert.ok(dnsNameCovers("*.example.com", "*.example.com"));
        assert.ok(!dnsNameCovers("*.example.com", "example.com"));
        assert.ok(!dnsNameCovers("*.example.com", "a.b.example.com"));
        assert.ok(!dnsNameCovers("*.example.com", "bookinfo.example.org"));
        assert.ok(!dnsNameCovers("bookinfo.example.com", "*.example.com"));
        assert.ok(!dnsNameCovers("*.example.com", "*.a.example.com"));
    });

    it("reports Gateway TLS hosts the certificate does not cover", () => {
        const dnsNames = ["*.example.com", "example.org"];
        assert.deepStrictEqual(uncoveredHosts(["a.example.com", "example.org"], dnsNames), []);
        assert.deepStrictEqual(
            uncoveredHosts(["a.b.example.com", "example.com", "www.example.org"], dnsNames),
            ["a.b.example.com", "example.com", "www.example.org"],
        );
        const issues = gatewayTlsIssues(["kiali.example.org", "a.example.com"], dnsNames);
        assert.deepStrictEqual(
            issues.map((i) => i.key),
            ["tls.hosts"],
        );
        assert.ok(issues[0].message.includes('"kiali.example.org"'), issues[0].message);
        assert.ok(!issues[0].message.includes('"a.example.com"'), issues[0].message);
        assert.deepStrictEqual(gatewayTlsIssues([], []), []);
    });
});

describe("TLS: configuration", () => {
    it("turns TLS on in dev with the in-cluster CA and keeps prod prepared for Let's Encrypt", () => {
        const dev = tlsConfig("dev", {});
        assert.strictEqual(dev.enabled, true);
        assert.deepStrictEqual(dev.issuer, { type: "selfSigned" });
        assert.ok(dev.hosts.length > 0);
        // kind maps 8080/8443, and a redirect keeps the port: dev serves both without redirecting.
        assert.strictEqual(dev.httpsRedirect, false);
        assert.strictEqual(tlsConfig("staging", {}).httpsRedirect, true);
        const prod = tlsConfig("prod", {});
        assert.strictEqual(prod.production, true);
        assert.deepStrictEqual(prod.issuer, { type: "acme", server: "production", email: "" });
        for (const stack of ["dev", "staging", "prod"]) {
            assert.deepStrictEqual(tlsIssues(stack, {}), {}, stack);
        }
    });

    it("pins the cert-manager chart", () => {
        assert.match(tlsConfig("dev", {}).certManager.version, /^v\d+\.\d+\.\d+$/);
        expectTlsIssues(
            "dev",
            { "tls.certManager.version": "latest" },
            {
                "tls.certManager.version": '"latest" is not valid; expected a jetstack chart version',
            },
        );
    });

    it("rejects invalid host names, naming each entry", () => {
        expectTlsIssues(
            "dev",
            { "tls.hosts": '["bookinfo.localtest.me","Bad_Host","*.com"]' },
            {
                "tls.hosts[1]": '"Bad_Host" is not a valid DNS name',
                "tls.hosts[2]": '"*.com" is not a valid DNS name',
            },
        );
    });

    it("needs at least one host once enabled", () => {
        expectTlsIssues("dev", { "tls.hosts": "[]" }, { "tls.hosts": "at least one DNS name" });
        assert.deepStrictEqual(tlsIssues("staging", { "tls.hosts": "[]" }), {});
    });

    it("refuses a self-signed issuer in production unless explicitly allowed", () => {
        const prodSelfSigned = {
            "tls.enabled": true,
            "tls.issuer": "selfSigned",
            "tls.hosts": '["a.example.com"]',
        };
        expectTlsIssues("prod", prodSelfSigned, { "tls.issuer": "refused when tls.production is true" });
        assert.deepStrictEqual(
            tlsIssues("prod", { ...prodSelfSigned, "tls.allowSelfSignedInProd": true }),
            {},
        );
        // dev is not production: the same issuer is fine there.
        assert.deepStrictEqual(tlsIssues("dev", { "tls.issuer": "selfSigned" }), {});
    });

    it("requires an e-mail, plain names and no redirect for ACME HTTP-01", () => {
        assert.deepStrictEqual(tlsIssues("prod", ACME), {});
        expectTlsIssues(
            "prod",
            { ...ACME, "tls.acme.email": "", "tls.httpsRedirect": true, "tls.hosts": '["*.example.com"]' },
            {
                "tls.acme.email": "must be set when tls.issuer is acme",
                "tls.httpsRedirect": "/.well-known/acme-challenge/",
                "tls.hosts[0]": "wildcard names only through DNS-01",
            },
        );
        expectTlsIssues(
            "prod",
            { ...ACME, "tls.acme.email": "ops" },
            {
                "tls.acme.email": '"ops" is not valid; expected an e-mail address',
            },
        );
    });

    it("reports every bad value at once, with the allowed values", () => {
        expectTlsIssues(
            "dev",
            {
                "tls.issuer": "vault",
                "tls.acme.server": "prod",
                "tls.existingIssuer.kind": "CA",
                "tls.certManager.namespace": "Cert_Manager",
                "tls.httpsRedirect": "yes",
            },
            {
                "tls.issuer": '"vault" is not allowed; allowed values: selfSigned, acme, existing',
                "tls.acme.server": '"prod" is not allowed; allowed values: staging, production',
                "tls.existingIssuer.kind": '"CA" is not allowed; allowed values: ClusterIssuer, Issuer',
                "tls.certManager.namespace": '"Cert_Manager" is not valid',
                "tls.httpsRedirect": 'expected true or false, got "yes"',
            },
        );
    });

    it("needs a name for an existing issuer and flags misspelt keys", () => {
        expectTlsIssues(
            "dev",
            { "tls.issuer": "existing" },
            {
                "tls.existingIssuer.name": "must be set when tls.issuer is existing",
            },
        );
        expectTlsIssues(
            "dev",
            { "tls.acme.emial": "ops@example.com" },
            {
                "tls.acme.emial": "did you mean 'tls.acme.email'?",
            },
        );
    });
});

describe("TLS: cert-manager and the issuer chain", () => {
    it("installs the pinned jetstack chart with CRDs the non-deprecated way, in its own namespace", async () => {
        const ev = await evaluateTls("dev", {});
        const cm = one(ev, CERT_MANAGER, "tls-cert-manager");
        const helm = cm.inputs.helmOptions as Record<string, unknown>;
        assert.strictEqual(helm.chart, "cert-manager");
        assert.strictEqual(helm.version, tlsConfig("dev", {}).certManager.version);
        assert.deepStrictEqual(helm.repositoryOpts, { repo: "https://charts.jetstack.io" });
        assert.strictEqual(helm.name, "cert-manager");
        assert.strictEqual(helm.namespace, "cert-manager");
        assert.strictEqual(helm.skipAwait, false);
        const values = helm.values as Record<string, unknown>;
        assert.deepStrictEqual(values.crds, { enabled: true, keep: true });
        assert.strictEqual(values.installCRDs, undefined);
        assert.strictEqual(cm.inputs.installCRDs, undefined);
        const ns = one(ev, NAMESPACE, "tls-cert-manager-namespace");
        assert.ok(cm.dependencies.includes(ns.urn), "the release waits for its namespace");
        // Default providers are disabled: the release must get the cluster's provider.
        const provider = one(ev, PROVIDER, "k8s");
        assert.deepStrictEqual(cm.providers, { kubernetes: provider.urn });
    });

    it("passes startupapicheck and leader election as typed args, which the component would otherwise overwrite", async () => {
        // The component copies each typed field (unset ones as nil) over helmOptions.values, so a
        // key it has a typed field for only reaches the chart when given typed.
        const ev = await evaluateTls("dev", {});
        const cm = one(ev, CERT_MANAGER, "tls-cert-manager");
        assert.deepStrictEqual(cm.inputs.startupapicheck, { enabled: true, timeout: "5m" });
        assert.deepStrictEqual(cm.inputs.global, { leaderElection: { namespace: "cert-manager" } });
        const values = (cm.inputs.helmOptions as { values: Record<string, unknown> }).values;
        const typedFields = Object.keys(cm.inputs).filter((k) => k !== "helmOptions");
        assert.deepStrictEqual(
            Object.keys(values).filter((k) => typedFields.includes(k)),
            [],
            "no Helm value may share its key with a typed field",
        );
    });

    it("chains dev: self-signed root -> CA Certificate -> CA ClusterIssuer -> ingress Certificate", async () => {
        const ev = await evaluateTls("dev", {});
        const selfSigned = one(ev, CLUSTER_ISSUER, "tls-selfsigned-issuer");
        const caCert = one(ev, CERTIFICATE, "tls-ca-certificate");
        const caIssuer = one(ev, CLUSTER_ISSUER, "tls-ca-issuer");
        const leaf = one(ev, CERTIFICATE, "tls-ingress-certificate");
        assert.deepStrictEqual(spec(selfSigned), { selfSigned: {} });

        const ca = spec<CertSpec>(caCert);
        assert.strictEqual(ca.isCA, true);
        assert.deepStrictEqual(ca.issuerRef, {
            name: (selfSigned.inputs.metadata as { name: string }).name,
            kind: "ClusterIssuer",
            group: "cert-manager.io",
        });
        // A ClusterIssuer reads its CA Secret from cert-manager's own namespace.
        assert.strictEqual((caCert.inputs.metadata as { namespace: string }).namespace, "cert-manager");
        assert.deepStrictEqual(spec(caIssuer), { ca: { secretName: ca.secretName } });

        const cert = spec<CertSpec>(leaf);
        assert.deepStrictEqual(cert.issuerRef, {
            name: (caIssuer.inputs.metadata as { name: string }).name,
            kind: "ClusterIssuer",
            group: "cert-manager.io",
        });
        assert.deepStrictEqual(cert.dnsNames, tlsConfig("dev", {}).hosts);
        assert.notStrictEqual(cert.isCA, true);
        // Where Istio reads credentialName from.
        assert.strictEqual((leaf.inputs.metadata as { namespace: string }).namespace, GATEWAY_NAMESPACE);
        assert.strictEqual(ev.outputs.credentialName, cert.secretName);
    });

    it("orders every cert-manager object after the release, by dependsOn and by data", async () => {
        for (const variant of [{}, ACME, EXISTING]) {
            const ev = await evaluateTls("dev", variant);
            const cm = one(ev, CERT_MANAGER, "tls-cert-manager");
            const objects = [...byType(ev, CLUSTER_ISSUER), ...byType(ev, CERTIFICATE)];
            assert.ok(objects.length > 0);
            for (const o of objects) {
                assert.ok(o.dependencies.includes(cm.urn), `${o.name} depends on the CertManager`);
                // Resolved from the component's `status`: it cannot be sent before the release.
                assert.strictEqual(annotations(o)[RELEASE_ANNOTATION], "cert-manager/cert-manager", o.name);
            }
        }
        const ev = await evaluateTls("dev", {});
        const deps = (type: string, name: string) =>
            one(ev, type, name)
                .dependencies.map((u) => nameOf(ev, u))
                .sort();
        assert.deepStrictEqual(deps(CERTIFICATE, "tls-ca-certificate"), [
            "tls-cert-manager",
            "tls-cert-manager-namespace",
            "tls-selfsigned-issuer",
        ]);
        assert.deepStrictEqual(deps(CLUSTER_ISSUER, "tls-ca-issuer"), [
            "tls-ca-certificate",
            "tls-cert-manager",
        ]);
        assert.deepStrictEqual(deps(CERTIFICATE, "tls-ingress-certificate"), [
            "tls-ca-issuer",
            "tls-cert-manager",
        ]);
    });

    it("waits for the in-cluster CA's certificates to be Ready, not for ACME or external issuers", async () => {
        const wait = async (o: Overrides, name: string) =>
            annotations(one(await evaluateTls("dev", o), CERTIFICATE, name))["pulumi.com/waitFor"];
        assert.strictEqual(await wait({}, "tls-ca-certificate"), "condition=Ready");
        assert.strictEqual(await wait({}, "tls-ingress-certificate"), "condition=Ready");
        assert.strictEqual(await wait(ACME, "tls-ingress-certificate"), undefined);
        assert.strictEqual(await wait(EXISTING, "tls-ingress-certificate"), undefined);
    });

    it("uses Let's Encrypt through the Istio ingress for ACME", async () => {
        for (const server of ["staging", "production"] as const) {
            const ev = await evaluateTls("prod", { ...ACME, "tls.acme.server": server });
            const issuers = byType(ev, CLUSTER_ISSUER);
            assert.deepStrictEqual(
                issuers.map((i) => i.name),
                ["tls-acme-issuer"],
            );
            const acme = spec<{
                acme: {
                    server: string;
                    email: string;
                    privateKeySecretRef: { name: string };
                    solvers: unknown[];
                };
            }>(issuers[0]).acme;
            const host = server === "staging" ? "acme-staging-v02" : "acme-v02";
            assert.strictEqual(acme.server, `https://${host}.api.letsencrypt.org/directory`);
            assert.strictEqual(acme.email, "ops@example.com");
            assert.ok(acme.privateKeySecretRef.name !== "");
            assert.deepStrictEqual(acme.solvers, [{ http01: { ingress: { class: "istio" } } }]);
            const name = (issuers[0].inputs.metadata as { name: string }).name;
            const cert = spec<CertSpec>(one(ev, CERTIFICATE, "tls-ingress-certificate"));
            assert.deepStrictEqual(cert.issuerRef, { name, kind: "ClusterIssuer", group: "cert-manager.io" });
            assert.deepStrictEqual(cert.dnsNames, ["bookinfo.example.com"]);
            assert.strictEqual(byType(ev, CERTIFICATE).length, 1);
        }
    });

    it("lets istiod serve the solver's Ingress on the installed gateway, whatever its name", () => {
        for (const name of ["istio-ingressgateway", "istio-edge"]) {
            const r = new ConfigReader(rawConfig("prod", list({ "gateway.name": name })));
            const istio = parseIstioConfig(r);
            const mesh = istiodValues(istio, istio.primary).meshConfig;
            // The gateway chart labels its pods istio=<release name without "istio-">.
            const label = name.replace(/^istio-/, "");
            assert.deepStrictEqual(
                [mesh.ingressClass, mesh.ingressControllerMode, mesh.ingressSelector, mesh.ingressService],
                ["istio", "STRICT", label, name],
            );
        }
    });

    it("creates no issuer for an existing one and references it as configured", async () => {
        const ev = await evaluateTls("dev", EXISTING);
        assert.deepStrictEqual(byType(ev, CLUSTER_ISSUER), []);
        const certs = byType(ev, CERTIFICATE);
        assert.deepStrictEqual(
            certs.map((c) => c.name),
            ["tls-ingress-certificate"],
        );
        assert.deepStrictEqual(spec<CertSpec>(certs[0]).issuerRef, {
            name: "corp-dns01",
            kind: "Issuer",
            group: "cert-manager.io",
        });
    });

    it("produces cert-manager objects that match the cert-manager CRD schemas", async () => {
        let checked = 0;
        for (const variant of [{}, EXISTING]) {
            const rendered = render(await evaluateTls("dev", variant));
            for (const obj of rendered.manifests.filter((o: K8sObject) =>
                o.apiVersion.startsWith("cert-manager.io/"),
            )) {
                await validateObject(obj);
                checked++;
            }
        }
        const acme = render(await evaluateTls("prod", ACME));
        for (const obj of acme.manifests.filter((o: K8sObject) =>
            o.apiVersion.startsWith("cert-manager.io/"),
        )) {
            await validateObject(obj);
            checked++;
        }
        assert.strictEqual(checked, 4 + 1 + 2);
        // The validator catches a wrong enum value and a missing required field.
        const bad = (spec: Record<string, unknown>) =>
            validateObject({
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "x" },
                spec,
            });
        await assert.rejects(
            bad({ secretName: "x", issuerRef: { name: "x" }, privateKey: { algorithm: "DSA" } }),
        );
        await assert.rejects(bad({ secretName: "x", dnsNames: ["a.example.com"] }));
        await bad({ secretName: "x", issuerRef: { name: "x" }, privateKey: { algorithm: "ECDSA" } });
    });

    it("lists cert-manager among the rendered charts", async () => {
        const rendered = render(await evaluateTls("dev", {}));
        const chart = rendered.charts.find((c) => c.type === CERT_MANAGER);
        assert.ok(chart);
        assert.deepStrictEqual(
            [chart.chart, chart.release, chart.namespace, chart.repository, chart.version],
            [
                "cert-manager",
                "cert-manager",
                "cert-manager",
                "https://charts.jetstack.io",
                pinned("tls.certManager.version"),
            ],
        );
    });
});

describe("TLS: wired into the dev stack", () => {
    it("lists cert-manager in the render with the values its chart receives", async () => {
        const rendered = render(await evaluateStack("dev"));
        const chart = rendered.charts.find((c) => c.chart === "cert-manager");
        assert.ok(chart, "cert-manager is listed with the charts");
        assert.match(chart.version, /^v\d+\.\d+\.\d+$/);
        const values = chart.values as Record<string, unknown>;
        // The component's typed fields and helmOptions.values both end up in the chart's values.
        assert.deepStrictEqual(Object.keys(values).sort(), ["crds", "global", "startupapicheck"]);
        assert.deepStrictEqual(values.crds, { enabled: true, keep: true });
    });

    it("creates the TLS component with the cluster provider and the gateway namespace", async () => {
        const ev = await evaluateStack("dev");
        const component = one(ev, "istio-mesh:tls:IngressTls", "tls");
        const provider = one(ev, PROVIDER, "cluster-provider");
        const children = ev.resources.filter((r) => r.parent === component.urn);
        assert.ok(children.length >= 5, children.map((c) => c.name).join(", "));
        for (const child of children.filter((c) => c.custom)) {
            assert.strictEqual(child.provider, provider.urn, child.name);
        }
        assert.deepStrictEqual(one(ev, CERT_MANAGER, "tls-cert-manager").providers, {
            kubernetes: provider.urn,
        });
        const leaf = one(ev, CERTIFICATE, "tls-ingress-certificate");
        const gatewayNs = one(ev, NAMESPACE, "istio-gateway-namespace");
        assert.ok(
            leaf.dependencies.includes(gatewayNs.urn),
            "the Certificate waits for the gateway namespace",
        );
    });

    it("serves HTTPS on the Bookinfo Gateway with the Certificate and redirects HTTP", async () => {
        const ev = await evaluateStack("dev", [{ key: "tls.httpsRedirect", value: "true" }]);
        const leaf = one(ev, CERTIFICATE, "tls-ingress-certificate");
        const cert = spec<CertSpec>(leaf);
        const gateways = byType(ev, ISTIO_GATEWAY).filter((g) =>
            (spec<{ servers?: { tls?: { credentialName?: string } }[] }>(g).servers ?? []).some(
                (s) => s.tls?.credentialName !== undefined,
            ),
        );
        assert.strictEqual(gateways.length, 1, "one Gateway serves the ingress certificate");
        const gw = gateways[0];
        interface Server {
            port: { number: number; protocol: string };
            hosts: string[];
            tls?: { mode?: string; credentialName?: string; httpsRedirect?: boolean };
        }
        const servers = spec<{ servers: Server[] }>(gw).servers;
        const https = servers.filter((s) => s.port.protocol === "HTTPS");
        assert.strictEqual(https.length, 1);
        assert.strictEqual(https[0].port.number, 443);
        assert.deepStrictEqual(https[0].tls, { mode: "SIMPLE", credentialName: cert.secretName });
        assert.deepStrictEqual(uncoveredHosts(https[0].hosts, cert.dnsNames ?? []), []);
        const http = servers.filter((s) => s.port.protocol === "HTTP");
        const redirected = http.filter((s) => s.tls?.httpsRedirect === true);
        assert.deepStrictEqual(
            redirected.map((s) => s.hosts),
            [cert.dnsNames],
            "the certificate's hosts redirect",
        );
        assert.deepStrictEqual(
            http.filter((s) => s.tls === undefined).map((s) => s.hosts),
            [["*"]],
            "other hosts stay on plain HTTP",
        );
        assert.ok(gw.dependencies.includes(leaf.urn), "the Gateway waits for the Certificate");
    });

    it("keeps plain HTTP in dev, where the redirect would keep kind's HTTP port", async () => {
        const ev = await evaluateStack("dev");
        const gw = byType(ev, ISTIO_GATEWAY).find((g) =>
            (spec<{ servers: { tls?: { credentialName?: string } }[] }>(g).servers ?? []).some(
                (s) => s.tls?.credentialName !== undefined,
            ),
        );
        assert.ok(gw);
        const servers = spec<{ servers: { port: { protocol: string }; tls?: unknown }[] }>(gw).servers;
        assert.deepStrictEqual(
            servers.filter((s) => s.port.protocol === "HTTP").map((s) => s.tls),
            [undefined],
        );
        assert.deepStrictEqual(ev.outputs.https, {
            urls: ["https://bookinfo.localtest.me:8443"],
            credentialName: spec<CertSpec>(one(ev, CERTIFICATE, "tls-ingress-certificate")).secretName,
        });
    });

    it("installs nothing TLS-related when tls.enabled is false", async () => {
        const ev = await evaluateStack("staging");
        assert.deepStrictEqual(byType(ev, "istio-mesh:tls:IngressTls"), []);
        assert.deepStrictEqual(byType(ev, CERT_MANAGER), []);
        assert.deepStrictEqual(byType(ev, CERTIFICATE), []);
    });
});

describe("TLS: where to browse", () => {
    it("derives the HTTPS URL from how the gateway is exposed", () => {
        const urls = (overrides: Overrides) => {
            const r = new ConfigReader(rawConfig("dev", list(overrides)));
            return httpsUrls(["bookinfo.localtest.me"], parseIstioConfig(r), parseClusterConfig(r));
        };
        assert.deepStrictEqual(urls({}), ["https://bookinfo.localtest.me:8443"]);
        assert.deepStrictEqual(urls({ "cluster.kind.httpsHostPort": 443 }), [
            "https://bookinfo.localtest.me",
        ]);
        assert.deepStrictEqual(urls({ "cluster.kind.create": false }), [
            "https://bookinfo.localtest.me:30443",
        ]);
        assert.deepStrictEqual(urls({ "gateway.serviceType": "LoadBalancer" }), [
            "https://bookinfo.localtest.me",
        ]);
        assert.deepStrictEqual(urls({ "gateway.serviceType": "ClusterIP" }), [
            "https://bookinfo.localtest.me:8443",
        ]);
    });
});
