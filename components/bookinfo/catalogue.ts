/**
 * The Bookinfo workloads as data: one entry per Deployment. Everything the component creates for
 * the application (ServiceAccounts, Deployments, Services, DestinationRule subsets, access
 * policies) is derived from this table, so adding a version is one entry here.
 */

/** The four HTTP services of Bookinfo; each gets a Service, a DestinationRule and a VirtualService. */
export const SERVICES = ["productpage", "details", "reviews", "ratings"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Every Bookinfo service listens here (Service port name `http`, so Istio treats it as HTTP). */
export const HTTP_PORT = 9080;

/** The MongoDB backing ratings v2 (not routed by variants: plain TCP). */
export const MONGODB = { service: "mongodb", port: 27017, portName: "tcp-mongo" } as const;

/**
 * Bookinfo images are versioned independently of Istio; 1.20.3 is what the Istio 1.30 samples pin,
 * published on Istio's own registry since the docker.io/istio images stopped being updated.
 */
export const BOOKINFO_IMAGE_REGISTRY = "registry.istio.io/release";
export const BOOKINFO_IMAGE_TAG = "1.20.3";

export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface Workload {
    /** The Service it backs (its `app` label). */
    app: ServiceName | typeof MONGODB.service;
    version: string;
    /** Image name under {@link BOOKINFO_IMAGE_REGISTRY}, without the tag. */
    image: string;
    /**
     * Its own identity. reviews gets one per version (upstream shares one) so that an
     * AuthorizationPolicy on ratings can tell reviews v3 apart from v2.
     */
    serviceAccount: string;
    env: Record<string, string>;
    /** Writable paths on an otherwise image-owned filesystem (the apps write logs and state there). */
    scratch: string[];
    resources: ContainerResources;
    /** Services it calls over HTTP (the least-privilege access policies are derived from this). */
    calls: string[];
    /** Pod annotations (productpage exposes its own Prometheus metrics). */
    annotations?: Record<string, string>;
    /** A fixed non-root uid, for images whose default user is root. */
    runAsUser?: number;
    args?: string[];
}

const SMALL: ContainerResources = {
    requests: { cpu: "25m", memory: "64Mi" },
    limits: { cpu: "250m", memory: "256Mi" },
};
/** Open Liberty needs room for the JVM; below 512Mi it is OOM-killed during start-up. */
const JAVA: ContainerResources = {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
};
/** mongod sizes its cache from the container limit. */
const DATABASE: ContainerResources = {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "500m", memory: "1Gi" },
};

/**
 * Liberty's logs go to LOG_DIR (/tmp/logs); the second path is kept from upstream's manifests
 * (bookinfo-psa.yaml). The image (Open Liberty, USER 1001) already makes its own output directory,
 * /opt/ol/wlp/output, writable for that user, so no runAsUser is needed.
 */
const REVIEWS_SCRATCH = ["/tmp", "/opt/ibm/wlp/output"];

function reviews(version: string, callsRatings: boolean): Workload {
    return {
        app: "reviews",
        version,
        image: `examples-bookinfo-reviews-${version}`,
        serviceAccount: `bookinfo-reviews-${version}`,
        env: { LOG_DIR: "/tmp/logs" },
        scratch: REVIEWS_SCRATCH,
        resources: JAVA,
        calls: callsRatings ? ["ratings"] : [],
    };
}

/** Every workload the component knows, in the order they are declared. */
export const WORKLOADS: readonly Workload[] = [
    {
        app: "productpage",
        version: "v1",
        image: "examples-bookinfo-productpage-v1",
        serviceAccount: "bookinfo-productpage",
        env: {},
        scratch: ["/tmp"],
        // The image's CMD forks 8 gunicorn gevent workers, each importing Flask, requests and the
        // OpenTelemetry SDK on its own (no preload): roughly 40-50 MiB apiece, ~400 MiB in all.
        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "768Mi" } },
        // ratings too: its REST API (/api/v1/products/<id>/ratings, exposed by the ingress route)
        // asks ratings directly; the page itself gets ratings through reviews.
        calls: ["details", "reviews", "ratings"],
        annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(HTTP_PORT),
            "prometheus.io/path": "/metrics",
        },
    },
    {
        app: "details",
        version: "v1",
        image: "examples-bookinfo-details-v1",
        serviceAccount: "bookinfo-details",
        env: {},
        scratch: [],
        resources: SMALL,
        calls: [],
    },
    {
        // Fetches book data from the Google Books API. DO_NOT_ENCRYPT makes it speak plain HTTP
        // to port 80 so that the sidecar originates TLS (see egress.ts) and the call is visible to
        // the mesh (metrics, traces, policy) instead of being an opaque TLS stream.
        app: "details",
        version: "v2",
        image: "examples-bookinfo-details-v2",
        serviceAccount: "bookinfo-details",
        env: { DO_NOT_ENCRYPT: "true" },
        scratch: [],
        resources: SMALL,
        calls: [],
    },
    reviews("v1", false),
    reviews("v2", true),
    reviews("v3", true),
    {
        app: "ratings",
        version: "v1",
        image: "examples-bookinfo-ratings-v1",
        serviceAccount: "bookinfo-ratings",
        env: {},
        scratch: [],
        resources: SMALL,
        calls: [],
    },
    {
        app: "ratings",
        version: "v2",
        image: "examples-bookinfo-ratings-v2",
        serviceAccount: "bookinfo-ratings-v2",
        env: { MONGO_DB_URL: `mongodb://${MONGODB.service}:${MONGODB.port}/test` },
        scratch: [],
        resources: SMALL,
        calls: [MONGODB.service],
    },
    {
        app: MONGODB.service,
        version: "v1",
        image: "examples-bookinfo-mongodb",
        serviceAccount: "bookinfo-mongodb",
        env: {},
        scratch: ["/data/db"],
        resources: DATABASE,
        calls: [],
        // The mongo base image starts as root only to drop to its `mongodb` user (uid 999);
        // starting as that user directly passes the restricted Pod Security profile.
        runAsUser: 999,
        // Listen on the pod address (the image's default is localhost only), IPv4 and IPv6.
        args: ["--ipv6", "--bind_ip_all"],
    },
];

/** The upstream `bookinfo.yaml` set, deployed unless `bookinfo.versions` narrows it. */
export const DEFAULT_VERSIONS: Record<ServiceName, string[]> = {
    productpage: ["v1"],
    details: ["v1"],
    reviews: ["v1", "v2", "v3"],
    ratings: ["v1"],
};

/** `<app>-<version>`: the Deployment name and the form `bookinfo.versions` lists. */
export function workloadId(w: { app: string; version: string }): string {
    return `${w.app}-${w.version}`;
}

/** The versions of a service the catalogue can deploy. */
export function knownVersions(service: ServiceName): string[] {
    return WORKLOADS.filter((w) => w.app === service).map((w) => w.version);
}

export function imageOf(w: Workload): string {
    return `${BOOKINFO_IMAGE_REGISTRY}/${w.image}:${BOOKINFO_IMAGE_TAG}`;
}

/** Which versions of each service are deployed; MongoDB follows ratings v2, its only client. */
export type DeployedVersions = Record<ServiceName, string[]>;

export function deployedWorkloads(versions: DeployedVersions): Workload[] {
    const needsDb = versions.ratings.includes("v2");
    return WORKLOADS.filter((w) =>
        w.app === MONGODB.service
            ? needsDb
            : (versions[w.app] as string[] | undefined)?.includes(w.version) === true,
    );
}
