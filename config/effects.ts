/**
 * Settings that only take effect under another setting. A stack that sets one while its switch is
 * off gets a warning naming the switch (the value is valid, it just does nothing), so a setting
 * never silently stops mattering. Defaults never warn: only what the stack itself sets.
 */
import { observabilitySwitches } from "../components/observability/config";
import type { StackConfig } from "./index";
import { ConfigReader, show } from "./reader";

export interface Dependency {
    /** The setting that turns the others on. */
    on: string;
    /** Whether they are on in this config. */
    active: (c: StackConfig) => boolean;
    /** The value of `on` that turns them on, for the message. */
    when: string;
    /** Settings (or whole groups) that only apply while `active`. */
    settings: string[];
}

/**
 * Ordered from the outermost switch inwards: a setting already reported under an outer switch is
 * not reported again under an inner one.
 */
export const DEPENDENCIES: Dependency[] = [
    {
        on: "cluster.kind.create",
        active: (c) => c.cluster.kind !== undefined,
        when: "true",
        settings: [
            "cluster.kind.adoptExisting",
            "cluster.kind.name",
            "cluster.kind.nodeImage",
            "cluster.kind.httpHostPort",
            "cluster.kind.httpsHostPort",
        ],
    },
    {
        on: "gateway.serviceType",
        active: (c) => c.istio.gateway.serviceType === "NodePort",
        when: '"NodePort"',
        settings: ["gateway.httpNodePort", "gateway.httpsNodePort"],
    },
    {
        on: "tls.enabled",
        active: (c) => c.tls.enabled,
        when: "true",
        settings: [
            "tls.hosts",
            "tls.issuer",
            "tls.acme",
            "tls.existingIssuer",
            "tls.httpsRedirect",
            "tls.allowSelfSignedInProd",
            "tls.certManager",
        ],
    },
    { on: "tls.issuer", active: (c) => c.tls.issuer.type === "acme", when: '"acme"', settings: ["tls.acme"] },
    {
        on: "tls.issuer",
        active: (c) => c.tls.issuer.type === "existing",
        when: '"existing"',
        settings: ["tls.existingIssuer"],
    },
    ...observabilitySwitches().map((sw): Dependency => ({
        ...sw,
        active: (c) => sw.active(c.observability),
    })),
    {
        on: "multicluster.enabled",
        active: (c) => c.multicluster.enabled,
        when: "true",
        settings: [
            "multicluster.meshId",
            "multicluster.clusterName",
            "multicluster.network",
            "multicluster.peers",
            "multicluster.apiServer",
            "multicluster.trust",
        ],
    },
    {
        // Only the root stack issues intermediates; the others take theirs (and its generation) from it.
        on: "multicluster.trust.rootStack",
        active: (c) => c.multicluster.trust.rootStack === undefined,
        when: "unset: they are read on the root stack only (set them there)",
        settings: ["multicluster.trust.generation", "multicluster.trust.intermediateValidityHours"],
    },
    {
        on: "bookinfo.enabled",
        active: (c) => c.bookinfo.enabled,
        when: "true",
        settings: [
            "bookinfo.namespace",
            "bookinfo.hosts",
            "bookinfo.routing",
            "bookinfo.customWeights",
            "bookinfo.versions",
            "bookinfo.access",
            "bookinfo.denyRatingsFromReviewsV3",
        ],
    },
];

/** Adds a warning for every setting the stack sets that has no effect in this config. */
export function warnIneffective(r: ConfigReader, config: StackConfig, deps = DEPENDENCIES): void {
    const reported = new Set<string>();
    const covered = (p: string) => [...reported].some((x) => p === x || p.startsWith(`${x}.`));
    for (const dep of deps) {
        if (dep.active(config) || r.hasIssue(dep.on)) {
            continue;
        }
        const set = r.explicitUnder(dep.settings).filter((p) => p !== dep.on && !covered(p));
        // The switch itself lives inside the groups of outer switches (observability.kiali.enabled).
        const relevant = set.filter((p) => !p.startsWith(`${dep.on}.`) && !dep.on.startsWith(`${p}.`));
        if (relevant.length === 0) {
            continue;
        }
        relevant.forEach((p) => reported.add(p));
        const value = show(r.peek(dep.on));
        r.warn(
            relevant.join(", "),
            `${relevant.length === 1 ? "has" : "have"} no effect while ${dep.on} is ${value}; ` +
                `${relevant.length === 1 ? "it applies" : "they apply"} when ${dep.on} is ${dep.when}`,
        );
    }
}
