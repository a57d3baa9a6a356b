/**
 * Mesh policies: routing that Istio would accept but that silently misroutes or drops traffic, and
 * the mesh-wide security posture.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    ISTIO_NETWORKING,
    ISTIO_SECURITY,
    Props,
    TYPE,
    asList,
    asRecord,
    asString,
    at,
    chartOf,
    describe,
    hostMatches,
    injectedByPodLabel,
    isKind,
    isWorkload,
    metadataOf,
    namespaceOf,
    optsOutOfInjection,
    podTemplateOf,
    resolveHost,
} from "./lib/objects";
import { environmentOf, environmentSchema } from "./lib/settings";

const ROUTE_SECTIONS = ["http", "tcp", "tls"] as const;

interface RouteDestination {
    destination?: { host?: string; subset?: string };
    weight?: number;
}

interface RouteRule {
    name?: string;
    route?: RouteDestination[];
    match?: { gateways?: string[] }[];
}

function routeRules(props: Props): { section: string; index: number; rule: RouteRule }[] {
    return ROUTE_SECTIONS.flatMap((section) =>
        asList(at(props, "spec", section)).map((r, index) => ({
            section,
            index,
            rule: asRecord(r) ?? {},
        })),
    );
}

function ruleLabel(section: string, index: number, rule: RouteRule): string {
    return rule.name ? `${section} route "${rule.name}"` : `${section}[${index}]`;
}

function byKind(resources: PolicyResource[], group: string, kind: string): PolicyResource[] {
    return resources.filter((r) => isKind(r.type, group, kind));
}

function propsOf(r: PolicyResource): Props {
    return r.props as Props;
}

export const virtualServiceWeights: ResourceValidationPolicy = {
    name: "virtualservice-weights-sum-to-100",
    description:
        "Every VirtualService route that splits traffic gives each destination a weight, summing to 100.",
    severity: "high",
    validateResource: (args, reportViolation) => {
        if (!isKind(args.type, ISTIO_NETWORKING, "VirtualService")) {
            return args.notApplicable("not a VirtualService");
        }
        const props = args.props as Props;
        const what = describe(args.type, props, args.name);
        for (const { section, index, rule } of routeRules(props)) {
            const dests = rule.route ?? [];
            const weights = dests.map((d) => d.weight);
            const where = `${what} ${ruleLabel(section, index, rule)}`;
            if (weights.some((w) => w !== undefined && (typeof w !== "number" || w < 0))) {
                reportViolation(
                    `${where} has a negative or non-numeric weight. Fix: use whole numbers 0-100.`,
                );
                continue;
            }
            if (dests.length === 1) {
                if (weights[0] !== undefined && weights[0] !== 0 && weights[0] !== 100) {
                    reportViolation(
                        `${where} sends to a single destination with weight ${weights[0]}. ` +
                            "Fix: omit the weight or set it to 100.",
                    );
                }
                continue;
            }
            if (dests.length > 1) {
                const sum = weights.reduce<number>((a, w) => a + (w ?? 0), 0);
                if (weights.some((w) => w === undefined) || sum !== 100) {
                    const shown = weights.map((w) => (w === undefined ? "unset" : String(w))).join(" + ");
                    reportViolation(
                        `${where} splits traffic over ${dests.length} destinations with weights ${shown} = ${sum}. ` +
                            "Fix: give every destination a weight so they sum to 100.",
                    );
                }
            }
        }
    },
};

export const virtualServiceSubsets: StackValidationPolicy = {
    name: "virtualservice-subsets-exist",
    description:
        "Every subset a VirtualService routes to is defined by a DestinationRule for that destination host.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const rules = byKind(args.resources, ISTIO_NETWORKING, "DestinationRule").map((r) => {
            const p = propsOf(r);
            return {
                host: resolveHost(asString(at(p, "spec", "host")) ?? "", namespaceOf(p)),
                subsets: asList(at(p, "spec", "subsets"))
                    .map((s) => asString(at(s, "name")))
                    .filter((s): s is string => s !== undefined),
            };
        });
        for (const vs of byKind(args.resources, ISTIO_NETWORKING, "VirtualService")) {
            const p = propsOf(vs);
            const what = describe(vs.type, p, vs.name);
            for (const { section, index, rule } of routeRules(p)) {
                for (const d of rule.route ?? []) {
                    const subset = d.destination?.subset;
                    if (subset === undefined || d.destination?.host === undefined) {
                        continue;
                    }
                    const host = resolveHost(d.destination.host, namespaceOf(p));
                    const defined = rules.filter((r) => hostMatches(r.host, host)).flatMap((r) => r.subsets);
                    if (!defined.includes(subset)) {
                        const have =
                            defined.length > 0 ? `it defines ${defined.join(", ")}` : "there is none";
                        reportViolation(
                            `${what} ${ruleLabel(section, index, rule)} routes to subset "${subset}" of ${host}, ` +
                                `but no DestinationRule for that host defines it (${have}); requests would fail ` +
                                `with 503. Fix: add subset "${subset}" to the DestinationRule for ${host}, or route ` +
                                "to an existing subset.",
                            vs.urn,
                        );
                    }
                }
            }
        }
    },
};

/** Gateway references of a VirtualService: `spec.gateways` and per-route `match[].gateways`. */
function gatewayRefs(props: Props): string[] {
    const refs = asList(at(props, "spec", "gateways")).map(asString);
    for (const { rule } of routeRules(props)) {
        for (const m of rule.match ?? []) {
            refs.push(...(m.gateways ?? []));
        }
    }
    return [...new Set(refs.filter((g): g is string => g !== undefined && g !== "mesh"))];
}

export const virtualServiceGateways: StackValidationPolicy = {
    name: "virtualservice-gateways-exist",
    description: "Every Gateway a VirtualService binds to is declared by the stack.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const gateways = new Set(
            byKind(args.resources, ISTIO_NETWORKING, "Gateway").map((g) => {
                const p = propsOf(g);
                return `${namespaceOf(p)}/${metadataOf(p).name ?? g.name}`;
            }),
        );
        for (const vs of byKind(args.resources, ISTIO_NETWORKING, "VirtualService")) {
            const p = propsOf(vs);
            for (const ref of gatewayRefs(p)) {
                const key = ref.includes("/") ? ref : `${namespaceOf(p)}/${ref}`;
                if (!gateways.has(key)) {
                    reportViolation(
                        `${describe(vs.type, p, vs.name)} binds to Gateway "${ref}" (${key}), which the stack ` +
                            "does not declare, so the route is never served. Fix: declare that Gateway or " +
                            "reference an existing one as <namespace>/<name>.",
                        vs.urn,
                    );
                }
            }
        }
    },
};

export const virtualServicePerHost: StackValidationPolicy = {
    name: "virtualservice-one-per-host",
    description: "At most one VirtualService per host in each namespace (Istio merges them unpredictably).",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const owners = new Map<string, string>();
        for (const vs of byKind(args.resources, ISTIO_NETWORKING, "VirtualService")) {
            const p = propsOf(vs);
            const ns = namespaceOf(p);
            const what = describe(vs.type, p, vs.name);
            for (const h of asList(at(p, "spec", "hosts"))) {
                const host = resolveHost(asString(h) ?? "", ns);
                const key = `${ns}|${host}`;
                const first = owners.get(key);
                if (first === undefined) {
                    owners.set(key, what);
                } else if (first !== what) {
                    reportViolation(
                        `${what} and ${first} both configure host ${host} in namespace ${ns}; only one of ` +
                            "them takes effect. Fix: merge their routes into one VirtualService.",
                        vs.urn,
                    );
                }
            }
        }
    },
};

const INJECTION_LABEL = "istio-injection";
const REVISION_LABEL = "istio.io/rev";
/**
 * The ambient enrolment label (istio-cni `ambient.enablementSelectors`, Istio 1.30): its
 * workloads are in the mesh through ztunnel, with no sidecar to inject.
 */
const DATAPLANE_MODE_LABEL = "istio.io/dataplane-mode";

export const namespaceInjection: StackValidationPolicy = {
    name: "namespace-injection-label",
    description:
        "Namespaces that run workloads join the mesh: sidecar injection (istio-injection=enabled or " +
        "istio.io/rev, never both) or the ambient data plane (istio.io/dataplane-mode=ambient, without " +
        "injection labels).",
    severity: "high",
    configSchema: {
        properties: {
            exemptNamespaces: {
                type: "array",
                items: { type: "string" },
                default: ["kube-system", "kube-public", "kube-node-lease"],
                description: "Namespaces whose workloads are never part of the mesh.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const exempt = args.getConfig<{ exemptNamespaces?: string[] }>().exemptNamespaces ?? [
            "kube-system",
            "kube-public",
            "kube-node-lease",
        ];
        const declared = new Map<string, { labels: Record<string, string>; urn: string; what: string }>();
        for (const r of args.resources) {
            if (r.type !== TYPE.namespace && r.type !== TYPE.namespacePatch) {
                continue;
            }
            const p = propsOf(r);
            const m = metadataOf(p);
            const labels = m.labels ?? {};
            const what = describe(r.type, p, r.name);
            declared.set(m.name ?? r.name, { labels, urn: r.urn, what });
            if (labels[INJECTION_LABEL] !== undefined && labels[REVISION_LABEL] !== undefined) {
                reportViolation(
                    `${what} has both ${INJECTION_LABEL}=${labels[INJECTION_LABEL]} and ` +
                        `${REVISION_LABEL}=${labels[REVISION_LABEL]}; ${INJECTION_LABEL} wins and the revision is ` +
                        `ignored. Fix: keep only ${REVISION_LABEL} (revisioned control plane) or only ` +
                        `${INJECTION_LABEL}=enabled.`,
                    r.urn,
                );
            }
            const injection = [INJECTION_LABEL, REVISION_LABEL].filter((l) => labels[l] !== undefined);
            if (labels[DATAPLANE_MODE_LABEL] === "ambient" && injection.length > 0) {
                reportViolation(
                    `${what} is labelled ${DATAPLANE_MODE_LABEL}=ambient and also for sidecar injection ` +
                        `(${injection.map((l) => `${l}=${labels[l]}`).join(", ")}); its pods get sidecars ` +
                        "and are left out of ambient capture. Fix: keep only one data plane per namespace.",
                    r.urn,
                );
            }
        }
        const workloads = new Map<string, string[]>();
        for (const r of args.resources) {
            if (!r.type.startsWith("kubernetes:") || !isWorkload(r.type)) {
                continue;
            }
            const p = propsOf(r);
            const pod = podTemplateOf(r.type, p);
            const ns = namespaceOf(p);
            if (!pod || optsOutOfInjection(pod) || injectedByPodLabel(pod) || exempt.includes(ns)) {
                continue;
            }
            workloads.set(ns, [...(workloads.get(ns) ?? []), describe(r.type, p, r.name)]);
        }
        for (const [ns, names] of workloads) {
            const d = declared.get(ns);
            const list = names.join(", ");
            if (!d) {
                reportViolation(
                    `${list} run in namespace ${ns}, which the stack does not declare, so nothing selects a ` +
                        `control plane for their sidecars. Fix: declare Namespace ${ns} (or a NamespacePatch) ` +
                        `labelled ${INJECTION_LABEL}=enabled or ${REVISION_LABEL}=<revision>, or label the pods ` +
                        "sidecar.istio.io/inject=false if they must stay outside the mesh.",
                );
            } else if (d.labels[DATAPLANE_MODE_LABEL] === "ambient") {
                // In the mesh through ztunnel: nothing is injected, so there is nothing to check.
                continue;
            } else if (d.labels[INJECTION_LABEL] !== "enabled" && !d.labels[REVISION_LABEL]) {
                reportViolation(
                    `${d.what} runs ${list} but has no injection label, so they start without sidecars ` +
                        `(and fail under STRICT mTLS). Fix: label it ${INJECTION_LABEL}=enabled or ` +
                        `${REVISION_LABEL}=<revision>, or label the pods sidecar.istio.io/inject=false.`,
                    d.urn,
                );
            }
        }
    },
};

/** The mesh root namespace: where istiod is installed (its `global.istioNamespace`). */
function rootNamespaces(resources: PolicyResource[], fallback: string): string[] {
    const found = resources
        .map((r) => chartOf(r.type, propsOf(r), r.name))
        .filter((c) => c?.chart === "istiod")
        .map((c) => asString(at(c?.values, "global", "istioNamespace")) ?? c?.namespace ?? fallback);
    return found.length > 0 ? [...new Set(found)] : [fallback];
}

function hasSelector(p: Props): boolean {
    return Object.keys(asRecord(at(p, "spec", "selector", "matchLabels")) ?? {}).length > 0;
}

export const meshMtlsStrict: StackValidationPolicy = {
    name: "mesh-mtls-strict",
    description:
        "In prod, a mesh-wide PeerAuthentication in the root namespace sets mTLS STRICT and no other " +
        "PeerAuthentication weakens it.",
    severity: "critical",
    configSchema: {
        properties: {
            ...environmentSchema.properties,
            rootNamespace: {
                type: "string",
                default: "istio-system",
                description: "Root namespace when the stack installs no istiod chart.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        if (environmentOf(args) !== "prod") {
            return args.notApplicable("mTLS STRICT is required in prod only");
        }
        const roots = rootNamespaces(
            args.resources,
            args.getConfig<{ rootNamespace?: string }>().rootNamespace ?? "istio-system",
        );
        const auths = byKind(args.resources, ISTIO_SECURITY, "PeerAuthentication");
        const meshWide = auths.filter(
            (a) => roots.includes(namespaceOf(propsOf(a))) && !hasSelector(propsOf(a)),
        );
        const fix = 'Fix: set mesh.mtls to STRICT (PeerAuthentication "default" in the root namespace).';
        if (meshWide.length === 0) {
            reportViolation(
                `No mesh-wide PeerAuthentication in ${roots.join(", ")}, so workloads accept plaintext. ${fix}`,
            );
        }
        for (const a of meshWide) {
            const mode = asString(at(propsOf(a), "spec", "mtls", "mode")) ?? "UNSET";
            if (mode !== "STRICT" && mode !== "PERMISSIVE" && mode !== "DISABLE") {
                reportViolation(
                    `${describe(a.type, propsOf(a), a.name)} is the mesh-wide policy but sets mtls.mode ${mode}, ` +
                        `which accepts plaintext. ${fix}`,
                    a.urn,
                );
            }
        }
        for (const a of auths) {
            const p = propsOf(a);
            const modes = [
                at(p, "spec", "mtls", "mode"),
                ...Object.values(asRecord(at(p, "spec", "portLevelMtls")) ?? {}).map((m) => at(m, "mode")),
            ].map(asString);
            const weak = modes.filter((m) => m === "PERMISSIVE" || m === "DISABLE");
            if (weak.length > 0) {
                const inherit = "Fix: use STRICT, or UNSET to inherit the mesh-wide STRICT policy.";
                reportViolation(
                    `${describe(a.type, p, a.name)} sets mTLS ${weak.join(", ")}, which accepts plaintext in prod. ` +
                        (meshWide.includes(a) ? fix : inherit),
                    a.urn,
                );
            }
        }
    },
};

function tlsModes(trafficPolicy: unknown): unknown[] {
    return [
        at(trafficPolicy, "tls", "mode"),
        ...asList(at(trafficPolicy, "portLevelSettings")).map((s) => at(s, "tls", "mode")),
    ];
}

export const destinationRuleTls: ResourceValidationPolicy = {
    name: "destinationrule-tls-enabled",
    description: "In prod, no DestinationRule disables TLS towards its host.",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: (args, reportViolation) => {
        if (!isKind(args.type, ISTIO_NETWORKING, "DestinationRule")) {
            return args.notApplicable("not a DestinationRule");
        }
        if (environmentOf(args) !== "prod") {
            return args.notApplicable("TLS is required in prod only");
        }
        const p = args.props as Props;
        const policies = [
            at(p, "spec", "trafficPolicy"),
            ...asList(at(p, "spec", "subsets")).map((s) => at(s, "trafficPolicy")),
        ];
        if (policies.flatMap(tlsModes).includes("DISABLE")) {
            reportViolation(
                `${describe(args.type, p, args.name)} sets tls.mode DISABLE, so its clients send plaintext ` +
                    "through the mesh. Fix: remove the tls block (auto mTLS) or use ISTIO_MUTUAL.",
            );
        }
    },
};

export const meshPolicies = [
    virtualServiceWeights,
    virtualServiceSubsets,
    virtualServiceGateways,
    virtualServicePerHost,
    namespaceInjection,
    meshMtlsStrict,
    destinationRuleTls,
];
