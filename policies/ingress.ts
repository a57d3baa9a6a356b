/**
 * Ingress written with the Kubernetes Gateway API (`gateway.networking.k8s.io`): mistakes that the
 * API server accepts but that leave a listener or a route unserved, which only the Gateway's or
 * route's status would tell (istio/istio 1.30 pilot/pkg/config/kube/gateway conditions).
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    Props,
    asList,
    asRecord,
    asString,
    at,
    describe,
    isKind,
    metadataOf,
    namespaceOf,
} from "./lib/objects";

export const GATEWAY_API = "gateway.networking.k8s.io";

/** The GatewayClass of Istio's ingress Gateways (waypoints use `istio-waypoint`). */
const INGRESS_CLASS = "istio";

interface ListenerView {
    name?: string;
    port?: number;
    protocol?: string;
    hostname?: string;
    tls?: {
        mode?: string;
        certificateRefs?: { group?: string; kind?: string; name?: string; namespace?: string }[];
    };
}

interface GatewayView {
    resource: PolicyResource;
    props: Props;
    what: string;
    namespace: string;
    name: string;
    className?: string;
    /** The Service the Gateway is bound to (manual deployment), or its own name when deployed for it. */
    address: string;
    listeners: ListenerView[];
}

function gatewaysOf(resources: PolicyResource[]): GatewayView[] {
    return resources
        .filter((r) => isKind(r.type, GATEWAY_API, "Gateway"))
        .map((r) => {
            const props = r.props as Props;
            const namespace = namespaceOf(props);
            const name = metadataOf(props).name ?? r.name;
            const first = asRecord(asList(at(props, "spec", "addresses"))[0]);
            return {
                resource: r,
                props,
                what: describe(r.type, props, r.name),
                namespace,
                name,
                className: asString(at(props, "spec", "gatewayClassName")),
                address: asString(first?.value) ?? `deployed for ${namespace}/${name}`,
                listeners: asList(at(props, "spec", "listeners")).map(
                    (l) => (asRecord(l) ?? {}) as ListenerView,
                ),
            };
        });
}

/** Listeners that terminate TLS: HTTPS, or TLS in Terminate mode (the default mode). */
function terminates(l: ListenerView): boolean {
    return l.protocol === "HTTPS" || (l.protocol === "TLS" && (l.tls?.mode ?? "Terminate") === "Terminate");
}

interface GrantView {
    namespace: string;
    from: { group?: string; kind?: string; namespace?: string }[];
    to: { group?: string; kind?: string; name?: string }[];
}

function grantsOf(resources: PolicyResource[]): GrantView[] {
    return resources
        .filter((r) => isKind(r.type, GATEWAY_API, "ReferenceGrant"))
        .map((r) => {
            const p = r.props as Props;
            return {
                namespace: namespaceOf(p),
                from: asList(at(p, "spec", "from")).map(
                    (f) => (asRecord(f) ?? {}) as GrantView["from"][number],
                ),
                to: asList(at(p, "spec", "to")).map((t) => (asRecord(t) ?? {}) as GrantView["to"][number]),
            };
        });
}

function grants(
    all: GrantView[],
    gatewayNamespace: string,
    secretNamespace: string,
    secret: string,
): boolean {
    return all.some(
        (g) =>
            g.namespace === secretNamespace &&
            g.from.some(
                (f) => f.group === GATEWAY_API && f.kind === "Gateway" && f.namespace === gatewayNamespace,
            ) &&
            g.to.some(
                (t) =>
                    (t.group ?? "") === "" &&
                    t.kind === "Secret" &&
                    (t.name === undefined || t.name === secret),
            ),
    );
}

export const gatewayHttpsCertificate: StackValidationPolicy = {
    name: "gateway-https-certificate",
    description:
        "Every Gateway API listener that terminates TLS names a certificate Secret, and a Secret in " +
        "another namespace is granted to the Gateway's namespace by a ReferenceGrant.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const allGrants = grantsOf(args.resources);
        for (const gw of gatewaysOf(args.resources)) {
            for (const l of gw.listeners.filter(terminates)) {
                const where = `${gw.what} listener "${l.name ?? "?"}" (${l.protocol} ${l.port ?? "?"}${l.hostname ? `, ${l.hostname}` : ""})`;
                const refs = l.tls?.certificateRefs ?? [];
                if (refs.length === 0) {
                    reportViolation(
                        `${where} terminates TLS without tls.certificateRefs, so it serves no certificate ` +
                            "and the listener is invalid. Fix: name the certificate's Secret in certificateRefs.",
                        gw.resource.urn,
                    );
                    continue;
                }
                for (const ref of refs) {
                    const ns = ref.namespace ?? gw.namespace;
                    if (ns !== gw.namespace && !grants(allGrants, gw.namespace, ns, ref.name ?? "")) {
                        reportViolation(
                            `${where} uses Secret ${ns}/${ref.name ?? "?"} from another namespace, and no ` +
                                `ReferenceGrant in ${ns} allows Gateways of ${gw.namespace} to read it, so the ` +
                                `listener is refused. Fix: add a ReferenceGrant in ${ns} from Gateway in ` +
                                `${gw.namespace} to that Secret.`,
                            gw.resource.urn,
                        );
                    }
                }
            }
        }
    },
};

export const httpRouteParents: StackValidationPolicy = {
    name: "httproute-parent-gateway-exists",
    description:
        "Every Gateway an HTTPRoute attaches to is declared by the stack, with the listener (sectionName) it names.",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const gateways = new Map(gatewaysOf(args.resources).map((g) => [`${g.namespace}/${g.name}`, g]));
        for (const r of args.resources.filter((x) => isKind(x.type, GATEWAY_API, "HTTPRoute"))) {
            const p = r.props as Props;
            const what = describe(r.type, p, r.name);
            for (const ref of asList(at(p, "spec", "parentRefs")).map((x) => asRecord(x) ?? {})) {
                // Mesh routes (GAMMA) attach to a Service, not a Gateway.
                if (
                    (asString(ref.group) ?? GATEWAY_API) !== GATEWAY_API ||
                    (asString(ref.kind) ?? "Gateway") !== "Gateway"
                ) {
                    continue;
                }
                const key = `${asString(ref.namespace) ?? namespaceOf(p)}/${asString(ref.name) ?? "?"}`;
                const gw = gateways.get(key);
                const section = asString(ref.sectionName);
                if (gw === undefined) {
                    reportViolation(
                        `${what} attaches to Gateway ${key}, which the stack does not declare, so the route ` +
                            "is never served. Fix: declare that Gateway, or correct parentRefs.",
                        r.urn,
                    );
                } else if (section !== undefined && !gw.listeners.some((l) => l.name === section)) {
                    const names = gw.listeners.map((l) => l.name).join(", ");
                    reportViolation(
                        `${what} attaches to listener "${section}" of Gateway ${key}, which has only ${names || "no listeners"}. ` +
                            "Fix: name one of its listeners in sectionName.",
                        r.urn,
                    );
                }
            }
        }
    },
};

export const gatewayHostnameOnce: StackValidationPolicy = {
    name: "gateway-hostname-claimed-once",
    description:
        "No host name is claimed on the same port by two ingress Gateways bound to the same gateway " +
        "Service: Istio would pick one of them (a TLS host) or merge two owners' routes (a plain one).",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const owners = new Map<string, GatewayView>();
        for (const gw of gatewaysOf(args.resources).filter((g) => g.className === INGRESS_CLASS)) {
            for (const l of gw.listeners) {
                // "*" on plain HTTP is shared by design: every owner's routes answer there by path,
                // as Istio Gateways on "*" did.
                if (l.hostname === undefined && !terminates(l)) {
                    continue;
                }
                const host = l.hostname ?? "*";
                const key = `${gw.address}|${l.port ?? "?"}|${host}`;
                const first = owners.get(key);
                if (first === undefined) {
                    owners.set(key, gw);
                } else if (first !== gw) {
                    reportViolation(
                        `${gw.what} and ${first.what} both claim host ${host} on port ${l.port ?? "?"} of ` +
                            `${gw.address}. Fix: serve each host from one Gateway (give one of them other hosts).`,
                        gw.resource.urn,
                    );
                }
            }
        }
    },
};

export const ingressPolicies = [gatewayHttpsCertificate, httpRouteParents, gatewayHostnameOnce];
