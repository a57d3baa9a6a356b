/** The pure parts of the mesh: peer checks, the remote kubeconfig, chart values and the Gateway spec. */
import * as assert from "assert";
import { parse } from "yaml";
import {
    MeshIdentity,
    PeerReading,
    checkPeers,
    identityOutput,
    remoteKubeconfig,
    remoteSecretName,
} from "../../../components/multicluster/peers";
import {
    crossClusterEndpoints,
    identityWithServices,
    meshServices,
    trustFor,
} from "../../../components/multicluster/peers";
import { crossNetworkGatewaySpec, eastWestGatewayValues } from "../../../components/multicluster/values";
import { gatewayValues, istiodValues } from "../../../components/istio/values";
import { parsedStack, pinned } from "../../support/stacks";

function config(stack: string) {
    return parsedStack(stack).config;
}

const self: MeshIdentity = identityOutput(
    {
        meshId: "mesh1",
        clusterName: "east",
        network: "net-east",
        peers: ["dev-west"],
        trust: { rootStack: undefined, generation: 1 },
    },
    "dev-east",
    "STRICT",
    "istio-system",
);

function peer(over: Partial<MeshIdentity> = {}, ref = "dev-west", i = 0): PeerReading {
    const identity = { ...self, clusterName: "west", network: "net-west", rootStack: "dev-east", ...over };
    return {
        ref,
        key: `multicluster.peers[${i}]`,
        outputs: { istioVersion: pinned("istio.version"), multicluster: identity },
    };
}

describe("multicluster peers", () => {
    it("accepts a peer of the same mesh on its own network with an east-west gateway", () => {
        const r = checkPeers(self, [peer()]);
        assert.deepStrictEqual(r.issues, []);
        assert.deepStrictEqual(
            r.peers.map((p) => p.identity.clusterName),
            ["west"],
        );
    });

    it("holds back a peer that exists but was never deployed (no outputs)", () => {
        const r = checkPeers(self, [{ ref: "dev-west", key: "multicluster.peers[0]", outputs: {} }]);
        assert.deepStrictEqual(r.issues, []);
        assert.deepStrictEqual(r.peers, []);
        assert.deepStrictEqual(
            r.pending.map((p) => p.ref),
            ["dev-west"],
        );
    });

    it("refuses a deployed stack that is not in a multi-cluster mesh, naming the peer's key", () => {
        const r = checkPeers(self, [
            { ref: "prod", key: "multicluster.peers[0]", outputs: { istioVersion: "1" } },
        ]);
        assert.deepStrictEqual(
            r.issues.map((i) => i.key),
            ["multicluster.peers[0]"],
        );
        assert.match(r.issues[0].message, /"prod" has no 'multicluster' output/);
    });

    it("refuses a peer of another mesh", () => {
        const r = checkPeers(self, [peer({ meshId: "mesh2" })]);
        assert.strictEqual(r.issues.length, 1);
        assert.match(r.issues[0].message, /is in mesh "mesh2", not this stack's "mesh1"/);
        assert.match(r.issues[0].message, /every stack of one mesh sets the same multicluster\.meshId/);
    });

    it("refuses a clusterName or network already taken, by this stack or an earlier peer", () => {
        const sameName = checkPeers(self, [peer({ clusterName: "east" })]);
        assert.match(sameName.issues[0].message, /clusterName "east" of multicluster.clusterName/);
        const sameNetwork = checkPeers(self, [peer({ network: "net-east" })]);
        assert.match(sameNetwork.issues[0].message, /network "net-east" of multicluster.network/);
        const twoPeers = checkPeers(self, [peer(), peer({ network: "net-3" }, "dev-third", 1)]);
        assert.deepStrictEqual(
            twoPeers.issues.map((i) => i.key),
            ["multicluster.peers[1]"],
        );
        assert.match(
            twoPeers.issues[0].message,
            /clusterName "west" of multicluster.peers\[0\] \(dev-west\)/,
        );
    });

    it("refuses a peer on another network without an east-west gateway", () => {
        const r = checkPeers(self, [peer({ eastWestGateway: undefined })]);
        assert.strictEqual(r.issues.length, 1);
        assert.match(r.issues[0].message, /another network \("net-west"\) but exposes no east-west gateway/);
    });

    it("refuses a peer whose root stack is another, comparing stack names, naming both values", () => {
        const other = checkPeers(self, [peer({ rootStack: "dev-west" })]);
        assert.deepStrictEqual(
            other.issues.map((i) => i.key),
            ["multicluster.peers[0]"],
        );
        assert.match(
            other.issues[0].message,
            /multicluster\.trust\.rootStack "dev-west", not this stack's "dev-east"/,
        );
        assert.deepStrictEqual(other.peers, []);
        // The same stack named in org/project/stack form is the same root.
        const qualified = checkPeers(self, [peer({ rootStack: "acme/istio-mesh/dev-east" })]);
        assert.deepStrictEqual(qualified.issues, []);
        const nonRoot = { ...self, rootStack: "acme/istio-mesh/dev-east" };
        assert.deepStrictEqual(checkPeers(nonRoot, [peer()]).issues, []);
    });

    it("exports the peers it lists, by stack name", () => {
        const id = identityOutput(
            {
                meshId: "mesh1",
                clusterName: "east",
                network: "net-east",
                peers: ["dev-west", "acme/istio-mesh/dev-north"],
                trust: { rootStack: undefined, generation: 1 },
            },
            "dev-east",
            "STRICT",
            "istio-system",
        );
        assert.deepStrictEqual(id.peers, ["dev-west", "dev-north"]);
    });

    it("warns (does not refuse) about a peer that does not list this stack back", () => {
        const oneWay = checkPeers(self, [peer({ peers: ["dev-north"] })], "dev-east");
        assert.deepStrictEqual(oneWay.issues, []);
        assert.deepStrictEqual(
            oneWay.peers.map((p) => p.ref),
            ["dev-west"],
        );
        assert.deepStrictEqual(
            oneWay.warnings.map((w) => w.key),
            ["multicluster.peers[0]"],
        );
        assert.match(oneWay.warnings[0].message, /"dev-west" does not list this stack \("dev-east"\)/);
        // Listed back, in any form of the name: nothing to say.
        for (const back of [["dev-east"], ["acme/istio-mesh/dev-east"]]) {
            assert.deepStrictEqual(checkPeers(self, [peer({ peers: back })], "dev-east").warnings, []);
        }
    });

    it("finds a cluster's intermediate by the reference the root stack wrote, or by stack name", () => {
        const ca = { caCert: "c", caKey: "k", rootCert: "r", certChain: "c\nr" };
        assert.strictEqual(trustFor({ rootCert: "r", clusters: { "dev-west": ca } }, "dev-west"), ca);
        assert.strictEqual(
            trustFor({ rootCert: "r", clusters: { "acme/istio-mesh/dev-west": ca } }, "dev-west"),
            ca,
        );
        assert.strictEqual(trustFor({ rootCert: "r", clusters: { "dev-east": ca } }, "dev-west"), undefined);
    });

    it("writes the remote kubeconfig as istioctl create-remote-secret does", () => {
        const kc = parse(
            remoteKubeconfig("west", {
                server: "https://w:6443",
                certificateAuthorityData: "Q0E=",
                token: "t0k",
            }),
        ) as Record<string, unknown>;
        assert.deepStrictEqual(kc, {
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                { name: "west", cluster: { "certificate-authority-data": "Q0E=", server: "https://w:6443" } },
            ],
            contexts: [{ name: "west", context: { cluster: "west", user: "west" } }],
            "current-context": "west",
            preferences: {},
            users: [{ name: "west", user: { token: "t0k" } }],
        });
        assert.strictEqual(remoteSecretName("west"), "istio-remote-secret-west");
    });
});

describe("cross-cluster endpoints", () => {
    const west = {
        ...self,
        clusterName: "west",
        network: "net-west",
        services: ["reviews.bookinfo", "hello.demo"],
    };
    const here = { ...self, services: ["reviews.bookinfo", "ratings.bookinfo"] };

    it("lists the services deployed in several clusters, and those only a peer deploys", () => {
        const rows = crossClusterEndpoints(here, [west]);
        assert.deepStrictEqual(
            rows.map((r) => [r.host, r.clusters]),
            [
                ["hello.demo.svc.cluster.local", ["west"]],
                ["reviews.bookinfo.svc.cluster.local", ["east", "west"]],
            ],
        );
    });

    it("says which east-west gateway the remote endpoints are reached through", () => {
        const reviews = crossClusterEndpoints(here, [west])[1];
        assert.strictEqual(reviews.via.east, "local");
        assert.strictEqual(reviews.via.west, "istio-eastwestgateway.istio-system:15443 (network net-west)");
        const noGateway = crossClusterEndpoints(here, [{ ...west, eastWestGateway: undefined }])[1];
        assert.match(noGateway.via.west, /unreachable: network net-west has no east-west gateway/);
    });

    it("collects a stack's services as <service>.<namespace>, once each", () => {
        assert.deepStrictEqual(
            meshServices([
                {
                    namespace: "bookinfo",
                    rows: [{ service: "reviews" }, { service: "reviews" }, { service: "details" }],
                },
                { namespace: "demo", rows: [{ service: "hello" }] },
            ]),
            ["details.bookinfo", "hello.demo", "reviews.bookinfo"],
        );
    });

    it("exports the identity with the services, the identity otherwise as it is", () => {
        const out = identityWithServices(self, [{ namespace: "demo", rows: [{ service: "hello" }] }]);
        assert.deepStrictEqual(out, { ...self, services: ["hello.demo"] });
    });
});

describe("multicluster values", () => {
    it("gives istiod the mesh, cluster and network identity, and nothing without it", () => {
        const cfg = config("dev-west");
        const values = istiodValues(cfg.istio, cfg.istio.primary, {
            meshId: cfg.multicluster.meshId,
            clusterName: cfg.multicluster.clusterName,
            network: cfg.multicluster.network,
        });
        assert.strictEqual(values.global.meshID, cfg.multicluster.meshId);
        assert.deepStrictEqual(values.global.multiCluster, { clusterName: cfg.multicluster.clusterName });
        assert.strictEqual(values.global.network, cfg.multicluster.network);
        const single = istiodValues(cfg.istio, cfg.istio.primary);
        assert.ok(!("meshID" in single.global) && !("network" in single.global));
    });

    it("sizes the east-west gateway from the primary revision and gateway settings alone", () => {
        const cfg = config("dev-east");
        const { primary, gateway } = cfg.istio;
        assert.deepStrictEqual(
            eastWestGatewayValues({ primary, gateway }, "net-east"),
            eastWestGatewayValues(cfg.istio, "net-east"),
        );
    });

    it("makes the east-west gateway a network gateway sized like the ingress gateway", () => {
        const cfg = config("prod");
        const ew = eastWestGatewayValues(cfg.istio, "net-1");
        const ingress = gatewayValues(cfg.istio);
        assert.strictEqual(ew.name, "istio-eastwestgateway");
        assert.strictEqual(ew.networkGateway, "net-1");
        assert.deepStrictEqual(ew.labels, {
            app: "istio-eastwestgateway",
            istio: "eastwestgateway",
            "topology.istio.io/network": "net-1",
        });
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(ew.networkGatewayPorts).map(([k, v]) => [k, v.port])),
            { "status-port": 15021, tls: 15443, "tls-istiod": 15012, "tls-webhook": 15017 },
        );
        assert.strictEqual(ew.service.type, "LoadBalancer");
        for (const k of [
            "replicaCount",
            "autoscaling",
            "resources",
            "podDisruptionBudget",
            "revision",
        ] as const) {
            assert.deepStrictEqual(ew[k], ingress[k], k);
        }
        // Spread by its own pods' label, not the ingress gateway's.
        for (const c of ew.topologySpreadConstraints) {
            assert.deepStrictEqual(c.labelSelector.matchLabels, { istio: "eastwestgateway" });
        }
        assert.strictEqual(ew.topologySpreadConstraints.length, ingress.topologySpreadConstraints.length);
    });

    it("exposes the services on 15443 with AUTO_PASSTHROUGH for *.local, selecting the east-west gateway", () => {
        const spec = crossNetworkGatewaySpec();
        const ew = eastWestGatewayValues(config("dev").istio, "n");
        assert.deepStrictEqual(spec.selector, { istio: ew.labels.istio });
        assert.deepStrictEqual(spec.servers, [
            {
                port: { number: ew.networkGatewayPorts.tls.port, name: "tls", protocol: "TLS" },
                tls: { mode: "AUTO_PASSTHROUGH" },
                hosts: ["*.local"],
            },
        ]);
    });
});
