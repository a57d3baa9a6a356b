/**
 * The routing variants of the Istio traffic-management tasks, as data. One builder
 * (routing.ts) turns any of them into VirtualServices; nothing here knows about Istio's API.
 */
import { ANONYMOUS } from "../applications/explain";
import type { RequestProfile } from "../applications/model";
import { ServiceName } from "./catalogue";

/** One header condition; exactly one of the three forms. */
export interface HeaderMatch {
    exact?: string;
    prefix?: string;
    regex?: string;
}

/** One HTTP rule of a service's routes; rules are tried in order, the first that matches wins. */
export interface RouteRule {
    /** Request headers that must all match; absent means every request (the catch-all). */
    headers?: Record<string, HeaderMatch>;
    /** Version to weight; integers summing to 100. */
    split: Record<string, number>;
    /** Inject latency into this share of the matched requests. */
    delay?: { fixedDelay: string; percent: number };
    /** Fail this share of the matched requests with an HTTP status, without calling the service. */
    abort?: { httpStatus: number; percent: number };
    /** Upper bound for the whole call, retries included (an Istio duration such as "0.5s"). */
    timeout?: string;
}

/** The routes a variant sets; a service it does not name keeps the routes of earlier layers. */
export type ServiceRoutes = Partial<Record<ServiceName, RouteRule[]>>;

export interface Variant {
    /** Which Istio task or sample file it reproduces and what it does. */
    description: string;
    routes: ServiceRoutes;
}

/** The name in `bookinfo.routing` that stands for the weights in `bookinfo.customWeights`. */
export const CUSTOM_VARIANT = "custom";

/** The header productpage forwards once a user signs in (any password is accepted). */
export const END_USER_HEADER = "end-user";
export const TEST_USER = "jason";

/** The two kinds of request the Istio tasks compare: signed out, and signed in as jason. */
export const REQUEST_PROFILES: readonly RequestProfile[] = [
    ANONYMOUS,
    { name: `${END_USER_HEADER}: ${TEST_USER}`, headers: { [END_USER_HEADER]: TEST_USER } },
];

const forTestUser = { [END_USER_HEADER]: { exact: TEST_USER } };

function only(version: string): RouteRule {
    return { split: { [version]: 100 } };
}

export const VARIANTS: Readonly<Record<string, Variant>> = {
    "all-v1": {
        description: "Every service to v1: the starting point of the traffic-management tasks.",
        routes: {
            productpage: [only("v1")],
            details: [only("v1")],
            reviews: [only("v1")],
            ratings: [only("v1")],
        },
    },
    "reviews-v2": {
        description: "All reviews traffic to v2 (black stars).",
        routes: { reviews: [only("v2")] },
    },
    "reviews-v3": {
        description: "All reviews traffic to v3 (red stars); the end state of traffic shifting.",
        routes: { reviews: [only("v3")] },
    },
    "reviews-50-v3": {
        description: "Traffic shifting: reviews v1 50%, v3 50%.",
        routes: { reviews: [{ split: { v1: 50, v3: 50 } }] },
    },
    "reviews-80-20": {
        description: "Canary: reviews v1 80%, v2 20%.",
        routes: { reviews: [{ split: { v1: 80, v2: 20 } }] },
    },
    "reviews-90-10": {
        description: "Canary: reviews v1 90%, v2 10%.",
        routes: { reviews: [{ split: { v1: 90, v2: 10 } }] },
    },
    "reviews-v2-v3": {
        description: "reviews v2 50%, v3 50% (black and red stars).",
        routes: { reviews: [{ split: { v2: 50, v3: 50 } }] },
    },
    "reviews-test-v2": {
        description: "Request routing by user identity: jason to reviews v2, everyone else to v1.",
        routes: { reviews: [{ headers: forTestUser, ...only("v2") }, only("v1")] },
    },
    "reviews-jason-v2-v3": {
        description: "jason to reviews v2, everyone else to v3.",
        routes: { reviews: [{ headers: forTestUser, ...only("v2") }, only("v3")] },
    },
    "ratings-test-delay": {
        description: "Fault injection: a 7 s delay on ratings for jason (exposes productpage's 3 s timeout).",
        routes: {
            ratings: [
                { headers: forTestUser, ...only("v1"), delay: { fixedDelay: "7s", percent: 100 } },
                only("v1"),
            ],
        },
    },
    "ratings-test-abort": {
        description: "Fault injection: ratings answers HTTP 500 to jason.",
        routes: {
            ratings: [
                { headers: forTestUser, ...only("v1"), abort: { httpStatus: 500, percent: 100 } },
                only("v1"),
            ],
        },
    },
    "ratings-db": {
        description: "reviews v3 and ratings v2, which reads the ratings from MongoDB.",
        routes: { reviews: [only("v3")], ratings: [only("v2")] },
    },
    "details-v2": {
        description: "details v2, which looks the book up in the Google Books API (egress, TLS origination).",
        routes: { details: [only("v2")] },
    },
    "reviews-timeout": {
        description: "Request timeouts: reviews v2 with a 0.5 s timeout while ratings is delayed 2 s.",
        routes: {
            reviews: [{ ...only("v2"), timeout: "0.5s" }],
            ratings: [{ ...only("v1"), delay: { fixedDelay: "2s", percent: 100 } }],
        },
    },
};

export const VARIANT_NAMES: readonly string[] = Object.keys(VARIANTS);
