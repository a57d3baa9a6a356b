import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, parseClusterConfig } from "../components/cluster/config";
import { ApplicationSpec } from "../components/applications/model";
import {
    applicationConflicts,
    applicationModeIssues,
    parseApplicationsConfig,
} from "../components/applications/config";
import { BookinfoConfig, parseBookinfoConfig } from "../components/bookinfo/config";
import { IstioConfig, parseIstioConfig } from "../components/istio/config";
import { KIALI_OIDC_SECRET_KEY } from "../components/observability/addons/kiali";
import { ObservabilityConfig, parseObservabilityConfig } from "../components/observability/config";
import { httpsHosts } from "../components/observability/access";
import { MulticlusterConfig, parseMulticlusterConfig } from "../components/multicluster/config";
import { TlsConfig, parseTlsConfig } from "../components/tls/config";
import { gatewayTlsIssues } from "../components/tls/hosts";
import { warnIneffective } from "./effects";
import { OwnedNamespace, namespaceIssues } from "./namespaces";
import { ProjectFile, declaredDefault, declaredPaths, declaredSecrets, readProjectFile } from "./project";
import { ConfigError, ConfigIssue, ConfigReader, RawConfig, show, suggest } from "./reader";
import { ConfigSource, configInput, decodeValue, knownSections } from "./source";

export { ConfigError, formatIssues } from "./reader";
export type { ConfigIssue, RawConfig } from "./reader";

/** The whole validated stack configuration, one section per concern. */
export interface StackConfig {
    stack: string;
    cluster: ClusterConfig;
    istio: IstioConfig;
    observability: ObservabilityConfig;
    bookinfo: BookinfoConfig;
    tls: TlsConfig;
    /** The teams' own applications (`istio-mesh:applications`), in the order described. */
    applications: ApplicationSpec[];
    /** One mesh across clusters (`istio-mesh:multicluster`): identity, peers, trust. */
    multicluster: MulticlusterConfig;
}

export { CONFIG_SECTIONS, SECRET_SET, configInput, formatWarning, knownSections } from "./source";
export type { ConfigSource, ConfigInput } from "./source";

export type ParseResult =
    | { ok: true; config: StackConfig; warnings: ConfigIssue[] }
    | { ok: false; issues: ConfigIssue[]; warnings: ConfigIssue[] };

export interface ParseOptions {
    /** Leaf paths the stack set; absent: every value that differs from its Pulumi.yaml default. */
    explicit?: readonly string[];
}

/** Leaf paths whose value differs from the Pulumi.yaml default (what the stack must have set). */
export function differingFromDefaults(raw: RawConfig, project: ProjectFile = readProjectFile()): string[] {
    const out: string[] = [];
    const at = (path: string): unknown =>
        path.split(".").reduce<unknown>((cur, seg) => {
            return cur !== null && typeof cur === "object" && !Array.isArray(cur)
                ? (cur as Record<string, unknown>)[seg]
                : undefined;
        }, raw);
    // The CLI writes defaults through `pulumi config set --path` semantics, which turn "2" into 2
    // (sdk/go/common/resource/config/object.go, coerce); compare as the user would read them.
    const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
    const same = (a: unknown, b: unknown): boolean => text(a) === text(b);
    for (const key of declaredPaths(project)) {
        const v = at(key);
        if (v !== undefined && !same(v, declaredDefault(key, project))) {
            out.push(key);
        }
    }
    for (const key of declaredSecrets(project)) {
        if (raw[key] !== undefined && raw[key] !== "") {
            out.push(key);
        }
    }
    // The untyped maps have no default: present means set.
    for (const key of ["mesh.namespaceRevisions", "bookinfo.customWeights", "applications"]) {
        if (at(key) !== undefined) {
            out.push(key);
        }
    }
    return out;
}

/** Problems with this project's top-level keys: unknown names, flat keys, sections not given as maps. */
function keyIssues(r: ConfigReader, raw: RawConfig, project: ProjectFile): void {
    const sections = knownSections(project);
    const secrets = declaredSecrets(project);
    const paths = declaredPaths(project);
    for (const [key, value] of Object.entries(raw)) {
        if (sections.includes(key)) {
            if (
                value !== undefined &&
                (value === null || typeof value !== "object" || Array.isArray(value))
            ) {
                r.error(key, sectionNotAMap(key, value));
            }
            continue;
        }
        if (secrets.includes(key)) {
            continue;
        }
        const head = key.split(/[.[]/)[0];
        if (key !== head && sections.includes(head)) {
            // `pulumi config set istio.version x` without --path creates a flat key that the
            // program would otherwise ignore in favour of the default.
            r.error(
                key,
                `was set as a flat key, which nothing reads; set it with \`pulumi config set --path ${key} <value>\` ` +
                    `and remove the flat key with \`pulumi config rm ${key}\``,
            );
            continue;
        }
        const hint = suggest(key, [...sections, ...secrets, ...paths]);
        r.error(
            key,
            `unknown configuration key${hint ? `; did you mean '${hint}'?` : ""} ` +
                `(this project's keys are the sections ${sections.join(", ")} and the secrets ${secrets.join(", ")})`,
        );
    }
}

/**
 * The message for a section given as one value (`--config 'gateway={"replicas":3}'` or a scalar in
 * the stack file). The Pulumi CLI keeps such a value as a string, then writes every project
 * default below it with path semantics, and a string at the first level is replaced by a fresh map
 * (pulumi/pulumi sdk/go/common/resource/config/object.go, `object.Set`, the "COMPAT" branch; called
 * from pkg/workspace/config.go `mergeConfig`): the program would silently get the defaults.
 */
export function sectionNotAMap(key: string, value: unknown): string {
    let example = `pulumi config set --path ${key}.<setting> <value>`;
    const parsed = typeof value === "string" ? decodeValue(value) : value;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        const [k, v] = Object.entries(parsed as Record<string, unknown>)[0] ?? [];
        if (k !== undefined && (typeof v !== "object" || v === null)) {
            example = `pulumi config set --path ${key}.${k} ${String(v)}`;
        }
    }
    return (
        `is given as one value (${show(value)}), but it must be a map of settings; ` +
        `Pulumi would replace it with the defaults of every ${key}.* setting. ` +
        `Set each setting by path instead: \`${example}\` (or \`--config-path --config ${key}.<setting>=<value>\`)`
    );
}

/**
 * Validates the raw stack config (project defaults already applied, as the Pulumi CLI does) and
 * returns either the typed config or every problem found, plus warnings for settings that have no
 * effect. Pure: no Pulumi engine needed.
 */
export function parseStackConfig(raw: RawConfig, stack: string, opts: ParseOptions = {}): ParseResult {
    const project = readProjectFile();
    const r = new ConfigReader(raw, { explicit: opts.explicit ?? differingFromDefaults(raw, project) });
    keyIssues(r, raw, project);
    const cluster = parseClusterConfig(r);
    const istio = parseIstioConfig(r);
    const config: StackConfig = {
        stack,
        cluster,
        istio,
        observability: parseObservabilityConfig(r),
        bookinfo: parseBookinfoConfig(r, istio.dataPlane),
        tls: parseTlsConfig(r),
        applications: parseApplicationsConfig(r, istio.dataPlane),
        multicluster: parseMulticlusterConfig(r, stack, project.name),
    };
    r.rejectUnknownKeys(knownSections(project));
    for (const issue of namespaceIssues(ownedNamespaces(config).filter((ns) => !r.hasIssue(ns.key)))) {
        r.error(issue.key, issue.message);
    }
    applicationConflicts(r, config.applications, takenHosts(config));
    applicationModeIssues(r, config.applications, config.istio);
    if (
        config.cluster.kind !== undefined &&
        config.istio.gateway.serviceType !== "NodePort" &&
        !r.hasIssue("gateway.serviceType")
    ) {
        // kind maps localhost ports to node ports (components/cluster): any other Service type
        // leaves them leading nowhere, and a LoadBalancer stays pending on kind.
        r.error(
            "gateway.serviceType",
            `${show(config.istio.gateway.serviceType)} is not allowed with cluster.kind.create true: kind maps ` +
                `localhost:${config.cluster.kind.httpHostPort} and :${config.cluster.kind.httpsHostPort} to the gateway's node ports; use "NodePort"`,
        );
    }
    if (
        config.multicluster.enabled &&
        config.istio.dataPlane === "ambient" &&
        !r.hasIssue("mesh.dataPlane")
    ) {
        // Ambient multi-network is a different (alpha) recipe: an HBONE east-west Gateway of class
        // istio-east-west and istiod's AMBIENT_ENABLE_MULTI_NETWORK; only sidecars are built here.
        r.error(
            "multicluster.enabled",
            'true is not supported with mesh.dataPlane "ambient": the multi-cluster mesh is built for sidecars ' +
                '(istio.io "Install Multi-Primary on different networks"); use mesh.dataPlane "sidecar"',
        );
    }
    if (
        config.multicluster.enabled &&
        config.cluster.renderYamlTo !== undefined &&
        !r.hasIssue("cluster.renderYamlTo")
    ) {
        // The provider writes every resource's data, secret or not, into the YAML files: `cacerts`
        // would hold this cluster's intermediate CA key and the remote secrets the peers' reader
        // tokens; and the reader token Secret is never filled in by a token controller there.
        r.error(
            "cluster.renderYamlTo",
            `${show(config.cluster.renderYamlTo)} is not allowed with multicluster.enabled true: the written ` +
                "manifests would hold the intermediate CA key (cacerts) and the peers' API server tokens " +
                "(remote secrets) in plaintext; leave cluster.renderYamlTo unset (review offline with npm run render)",
        );
    }
    if (config.tls.enabled && !r.hasIssue("tls.hosts")) {
        // Every host a Gateway serves with the ingress certificate must be one the certificate
        // covers, or browsers fail the handshake: Bookinfo serves tls.hosts, the addon UIs their
        // named hosts.
        for (const issue of gatewayTlsIssues(httpsHosts(config.observability), config.tls.hosts)) {
            r.error(issue.key, issue.message);
        }
    }
    if (r.issues.length === 0) {
        warnIneffective(r, config);
    }
    return r.issues.length > 0
        ? { ok: false, issues: r.issues, warnings: r.warnings }
        : { ok: true, config, warnings: r.warnings };
}

/**
 * The hosts the stack's ingresses name (Bookinfo's, each application's, the exposed UIs'), without
 * "*": an ingress on "*" leaves HTTPS for these hosts to the ingress that names them, so that no
 * host gets two HTTPS servers on one gateway (Istio keeps only one).
 */
export function namedIngressHosts(
    config: Pick<StackConfig, "bookinfo" | "applications" | "observability">,
): string[] {
    return [
        ...(config.bookinfo.enabled ? config.bookinfo.hosts : []),
        ...config.applications.flatMap((app) => app.ingress?.hosts ?? []),
        ...(config.observability.enabled ? httpsHosts(config.observability) : []),
    ].filter((h) => h !== "*");
}

/**
 * The namespaces the stack creates, by purpose, in order of precedence (a later one may not take
 * an earlier one's name; the sample application gives way to the user's own namespaces). Concerns
 * that create namespaces add them here.
 */
export function ownedNamespaces(config: StackConfig): OwnedNamespace[] {
    const owned: OwnedNamespace[] = [
        {
            name: config.istio.rootNamespace,
            key: "istio.rootNamespace",
            purpose: "istiod, the mesh-wide policies and the observability addons",
        },
        { name: config.istio.gateway.namespace, key: "gateway.namespace", purpose: "the ingress gateway" },
    ];
    if (config.istio.egressGateway) {
        owned.push({
            name: config.istio.egressGateway.namespace,
            key: "mesh.egressGateway.namespace",
            purpose: "the egress gateway",
        });
    }
    if (config.tls.enabled) {
        owned.push({
            name: config.tls.certManager.namespace,
            key: "tls.certManager.namespace",
            purpose: "cert-manager",
        });
    }
    config.istio.namespaces.forEach((ns, i) =>
        owned.push({
            name: ns.name,
            key: `mesh.namespaces[${i}]`,
            purpose: "an application namespace",
            mayPreexist: true,
        }),
    );
    for (const app of config.applications) {
        owned.push({
            name: app.namespace,
            key: `applications.${app.name}.namespace`,
            purpose: `the application ${app.name}`,
        });
    }
    if (config.bookinfo.enabled) {
        owned.push({ name: config.bookinfo.namespace, key: "bookinfo.namespace", purpose: "Bookinfo" });
    }
    return owned;
}

/** Hosts Bookinfo answers for (a second application on the same host would split its traffic). */
function takenHosts(config: StackConfig): { value: string; by: string }[] {
    return config.bookinfo.enabled
        ? config.bookinfo.hosts.map((value, i) => ({ value, by: `bookinfo.hosts[${i}]` }))
        : [];
}

/** Parses the program's config (or the offline equivalent): {@link configInput}, then the parser. */
export function parseConfig(source: ConfigSource, stack: string): ParseResult {
    const input = configInput(source);
    const result = parseStackConfig(input.raw, stack, { explicit: input.explicit });
    if (input.issues.length === 0) {
        return result;
    }
    // What follows from a key-level problem (defaults in place of a section given as one value)
    // would only restate it.
    const under = (key: string) =>
        input.issues.some((i) => key === i.key || key.startsWith(`${i.key}.`) || key.startsWith(`${i.key}[`));
    const issues = [...input.issues, ...(result.ok ? [] : result.issues.filter((i) => !under(i.key)))];
    return { ok: false, issues, warnings: [] };
}

/** The SDK's secret-key test (runtime/config.ts `isConfigSecret`, exported but marked internal). */
export function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") {
        throw new Error(
            "@pulumi/pulumi no longer exports runtime.isConfigSecret; config/index.ts needs another way to learn which config keys are secret",
        );
    }
    return runtime.isConfigSecret(key);
}

/**
 * Reads this project's config from the running Pulumi program, logs a warning for each setting
 * that has no effect, and throws a {@link ConfigError} listing every problem, before any resource
 * is declared. Secret values stay out of it: the parser learns only whether they are set, and
 * {@link readStackSecrets} hands them on as Pulumi secrets.
 */
export function readStackConfig(): StackConfig {
    const values = pulumi.runtime.allConfig();
    const source: ConfigSource = {
        project: pulumi.getProject(),
        values,
        secretKeys: Object.keys(values).filter(isConfigSecret),
    };
    const result = parseConfig(source, pulumi.getStack());
    // The engine labels them "warning:"; offline (no engine) the SDK prints them to stderr, which
    // is how `npm run render` and `npm run check` show them.
    for (const w of result.warnings) {
        void pulumi.log.warn(`${w.key}: ${w.message}`);
    }
    if (!result.ok) {
        throw new ConfigError(result.issues, pulumi.getStack());
    }
    return result.config;
}

/** Secret config values, as Pulumi secrets, for the components that need them. */
export interface StackSecrets {
    /** The Kiali OIDC client secret (openid strategy only). */
    kialiOidcClientSecret?: pulumi.Output<string>;
}

export function readStackSecrets(cfg: StackConfig): StackSecrets {
    const config = new pulumi.Config();
    return {
        kialiOidcClientSecret:
            cfg.observability.enabled &&
            cfg.observability.kiali.enabled &&
            cfg.observability.kiali.strategy === "openid"
                ? config.requireSecret(KIALI_OIDC_SECRET_KEY)
                : undefined,
    };
}
