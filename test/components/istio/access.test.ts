import * as assert from "assert";
import { ConfigReader } from "../../../config/reader";
import { parseClusterConfig } from "../../../components/cluster";
import { gatewayAccess, isDescribed, parseIstioConfig } from "../../../components/istio";
import { DEPLOYED_CHART_CHILDREN, evaluate } from "../../../tools/lib/mockRuntime";
import { listStacks, loadStackConfig } from "../../../tools/lib/stackFiles";
import { evaluateStack, rawConfig } from "../../support/stacks";

/**
 * Every output that names a place must be usable as it stands: a URL without placeholders, or a
 * command whose jsonpath selects a scalar. Jsonpaths are run against objects shaped as the API
 * server returns them, so a path that selects a map (`{.status.loadBalancer.ingress[0]}`) fails.
 */

/** A minimal kubectl jsonpath: `{.a.b}`, `{.a[0].b}`, `{.items[0].x[?(@.type=="T")].y}`, concatenated. */
function jsonpath(obj: unknown, template: string): unknown[] {
    const out: unknown[] = [];
    for (const m of template.matchAll(/\{([^}]*)\}/g)) {
        let cur: unknown[] = [obj];
        const steps = m[1].match(/\.[\w-]+|\[\d+\]|\[\?\(@\.[\w]+=="[^"]*"\)\]/g) ?? [];
        assert.strictEqual(steps.join(""), m[1], `jsonpath segment {${m[1]}} not understood`);
        for (const step of steps) {
            cur = cur.flatMap((v) => {
                if (v === undefined || v === null) {
                    return [];
                }
                if (step.startsWith(".")) {
                    return [(v as Record<string, unknown>)[step.slice(1)]];
                }
                const filter = /^\[\?\(@\.(\w+)=="([^"]*)"\)\]$/.exec(step);
                if (filter) {
                    return (v as Record<string, unknown>[]).filter((x) => x[filter[1]] === filter[2]);
                }
                return [(v as unknown[])[Number(step.slice(1, -1))]];
            });
        }
        out.push(...cur.filter((v) => v !== undefined));
    }
    return out;
}

const SAMPLES: Record<string, unknown[]> = {
    svc: [
        { status: { loadBalancer: { ingress: [{ ip: "203.0.113.7" }] } } },
        { status: { loadBalancer: { ingress: [{ hostname: "a1.elb.example.com" }] } } },
    ],
    nodes: [
        {
            items: [
                {
                    status: {
                        addresses: [
                            { type: "Hostname", address: "node-1" },
                            { type: "InternalIP", address: "10.0.0.4" },
                        ],
                    },
                },
            ],
        },
    ],
    secret: [{ data: { "admin-password": "c2VjcmV0" } }],
};

/** Checks a command: every jsonpath in it prints exactly one scalar for each sample object. */
function checkCommand(where: string, cmd: string): void {
    assert.doesNotMatch(cmd, /<[^>]*>/, `${where}: placeholder in ${cmd}`);
    assert.match(cmd, /^(kubectl|curl|echo|pulumi|npm) /, `${where}: not a command: ${cmd}`);
    for (const m of cmd.matchAll(/(?:get|-o) (svc|nodes|secret)\b[^']*?-o jsonpath='([^']*)'/g)) {
        for (const sample of SAMPLES[m[1]]) {
            const printed = jsonpath(sample, m[2]);
            assert.strictEqual(printed.length, 1, `${where}: ${m[2]} prints ${JSON.stringify(printed)}`);
            assert.strictEqual(
                typeof printed[0],
                "string",
                `${where}: ${m[2]} selects a ${typeof printed[0]}`,
            );
        }
    }
}

function checkUrl(where: string, url: string, described: boolean): void {
    if (described && isDescribed(url)) {
        assert.match(url, /^from \S/, where);
        return;
    }
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        assert.fail(`${where}: not a URL: ${url}`);
    }
    assert.match(u.protocol, /^https?:$/, `${where}: ${url}`);
    assert.doesNotMatch(url, /[<>]|NODE_IP|ADDRESS/, `${where}: placeholder in ${url}`);
}

/** Walks the outputs and checks every field that names a place; returns how many were checked. */
function checkPlaces(outputs: Record<string, unknown>, described: boolean): number {
    let n = 0;
    const walk = (v: unknown, where: string): void => {
        if (typeof v === "string") {
            const key = where.split(".").pop() ?? "";
            if ((/url$/i.test(key) && key !== "curl") || key === "urls" || /^urls\[/.test(key)) {
                checkUrl(where, v, described);
                n++;
            } else if (["howTo", "command", "portForward", "curl"].includes(key)) {
                if (!v.startsWith("kind maps")) {
                    checkCommand(where, v);
                } else {
                    assert.match(v, /http:\/\/localhost:\d+$/, where);
                }
                n++;
            } else if (key === "login") {
                assert.match(
                    v,
                    /(pulumi stack output \w+ --stack \w+ --show-secrets|kubectl |OpenID|no login)/,
                    where,
                );
                n++;
            }
            return;
        }
        if (Array.isArray(v)) {
            v.forEach((x, i) => walk(x, `${where}[${i}]`));
        } else if (v !== null && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
                walk(x, where ? `${where}.${k}` : k);
            }
        }
    };
    walk(outputs, "");
    return n;
}

/** The gateway release as the chart creates it: what `resources` holds after `up`. */
function gatewayRelease(status: object): Record<string, unknown>[] {
    const metadata = { name: "istio-ingressgateway", namespace: "istio-ingress" };
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata },
        { apiVersion: "apps/v1", kind: "Deployment", metadata, status: { readyReplicas: 1 } },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata,
            spec: { type: "LoadBalancer" },
            status: { loadBalancer: status },
        },
    ];
}

async function deployed(stack: string, status: object, overrides: { key: string; value: string }[] = []) {
    DEPLOYED_CHART_CHILDREN.set("istio-ingress/istio-ingressgateway", gatewayRelease(status));
    try {
        return await evaluate(loadStackConfig(stack, overrides, true));
    } finally {
        DEPLOYED_CHART_CHILDREN.clear();
    }
}

describe("places in the stack outputs", () => {
    it("the gateway jsonpath prints a bare address, and the URL follows the Service's status", () => {
        const r = new ConfigReader(rawConfig("prod"));
        const istio = parseIstioConfig(r);
        const cluster = parseClusterConfig(r);
        const before = gatewayAccess(istio, cluster);
        assert.ok(isDescribed(before.url));
        assert.match(
            before.url,
            /istio-ingress\/istio-ingressgateway \.status\.loadBalancer\.ingress\[0\]\.ip\|hostname/,
        );
        checkCommand("gateway.address.command", before.address?.command ?? "");
        assert.strictEqual(
            gatewayAccess(istio, cluster, { ingress: [{ ip: "203.0.113.7" }] }).url,
            "http://203.0.113.7",
        );
        assert.strictEqual(
            gatewayAccess(istio, cluster, { ingress: [{ hostname: "a1.elb.example.com" }] }).url,
            "http://a1.elb.example.com",
        );
        assert.strictEqual(
            gatewayAccess(istio, cluster, { ingress: [{ ip: "2001:db8::1" }] }).url,
            "http://[2001:db8::1]",
        );
        assert.ok(isDescribed(gatewayAccess(istio, cluster, { ingress: [] }).url));
    });

    for (const stack of listStacks()) {
        it(`${stack}: every place in the offline outputs is a URL, a usable command, or says where it comes from`, async () => {
            const ev = await evaluateStack(stack);
            // The gateway and the product page, plus every addon UI when observability is on.
            const withUis = (ev.outputs.observability as object | undefined) !== undefined;
            assert.ok(checkPlaces(ev.outputs, true) >= (withUis ? 8 : 6));
        });
    }

    it("after up, a LoadBalancer stack's productPageUrl is the load balancer's URL", async () => {
        const ev = await deployed("prod", { ingress: [{ hostname: "a1.elb.example.com" }] });
        assert.strictEqual(ev.outputs.productPageUrl, "http://a1.elb.example.com/productpage");
        assert.strictEqual((ev.outputs.gateway as { url: string }).url, "http://a1.elb.example.com");
        assert.ok(checkPlaces(ev.outputs, false) >= 8);
    });

    // Regression: the address used to come from `k8s.core.v1.Service.get`. The engine runs Read
    // steps in previews too (skipping them only for an unknown id: pulumi/pulumi
    // pkg/resource/deploy/step.go, ReadStep.Apply) and fails when the object does not exist, so
    // the first preview of a fresh LoadBalancer stack failed before anything was created. The
    // program must declare no reads at all, offline or after a deployment.
    for (const stack of listStacks()) {
        it(`${stack}: the program reads nothing from the cluster (a read would run, and fail, in a first preview)`, async () => {
            const ev = await evaluateStack(stack);
            // A multi-cluster stack's StackReferences read the backend, which previews reach too.
            const fromCluster = (ev.reads ?? []).filter((r) => r.type !== "pulumi:pulumi:StackReference");
            assert.deepStrictEqual(fromCluster, []);
        });
    }

    it("after up, the address comes from the chart's own Service, with no read step", async () => {
        const ev = await deployed("prod", { ingress: [{ ip: "203.0.113.7" }] });
        assert.deepStrictEqual(ev.reads, []);
        assert.strictEqual((ev.outputs.gateway as { url: string }).url, "http://203.0.113.7");
    });

    it("manifests written to a directory: no load balancer is provisioned, so the URL stays described", async () => {
        const ev = await deployed("prod", { ingress: [{ ip: "203.0.113.7" }] }, [
            { key: "cluster.renderYamlTo", value: "/tmp/istio-mesh-render" },
        ]);
        assert.match(String(ev.outputs.productPageUrl), /^from Service istio-ingress\/istio-ingressgateway /);
        checkPlaces(ev.outputs, true);
    });

    it("named Bookinfo hosts: the URL names the host and says which Host header to send to the gateway", async () => {
        const ev = await deployed("staging", { ingress: [{ ip: "203.0.113.7" }] }, [
            { key: "bookinfo.hosts[0]", value: "bookinfo.example.com" },
        ]);
        assert.strictEqual(ev.outputs.productPageUrl, "http://bookinfo.example.com/productpage");
        const page = ev.outputs.productPage as Record<string, string>;
        assert.strictEqual(page.requestUrl, "http://203.0.113.7/productpage");
        assert.strictEqual(page.hostHeader, "bookinfo.example.com");
        assert.match(page.curl, /-H 'Host: bookinfo\.example\.com' "http:\/\/203\.0\.113\.7\/productpage"$/);
        checkPlaces(ev.outputs, false);
    });

    it("a UI exposed on '*' gets the gateway's URL; NodePort and ClusterIP gateways say how to reach them", async () => {
        const wildcard = await evaluateStack("dev", [
            { key: "observability.jaeger.ingress.enabled", value: "true" },
            { key: "observability.jaeger.ingress.host", value: "*" },
        ]);
        const ui = wildcard.outputs.observability as Record<string, { publicUrl?: string }>;
        assert.strictEqual(ui.jaeger.publicUrl, "http://localhost:8080/jaeger");
        const nodePort = await evaluateStack("staging", [{ key: "gateway.serviceType", value: "NodePort" }]);
        const np = nodePort.outputs.gateway as { url: string; howTo: string };
        assert.ok(isDescribed(np.url));
        assert.match(np.howTo, /^echo "http:\/\/\$\(kubectl get nodes .*\):30080"$/);
        checkPlaces(nodePort.outputs, true);
        const clusterIp = await evaluateStack("prod", [{ key: "gateway.serviceType", value: "ClusterIP" }]);
        assert.strictEqual(clusterIp.outputs.productPageUrl, "http://localhost:8080/productpage");
        checkPlaces(clusterIp.outputs, false);
    });

    it("prod without viewer tokens explains the Kiali login; dev names the exact pulumi stack output commands", async () => {
        const prod = await evaluateStack("prod");
        const kiali = (prod.outputs.observability as Record<string, { login: string; portForward: string }>)
            .kiali;
        assert.match(
            kiali.login,
            /no viewer tokens.*pulumi config set --path 'observability\.kiali\.auth\.viewers\[0\]' \S+ --stack prod/,
        );
        const dev = await evaluateStack("dev");
        const devUi = dev.outputs.observability as Record<string, { login: string; portForward: string }>;
        assert.match(devUi.kiali.login, /pulumi stack output kialiViewerTokens --stack dev --show-secrets/);
        assert.match(devUi.grafana.login, /pulumi stack output grafanaAdmin --stack dev --show-secrets/);
        assert.match(devUi.kiali.portForward, /^kubectl --context kind-istio-mesh /);
    });
});
