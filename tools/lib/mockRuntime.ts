/**
 * Runs the Pulumi program under Pulumi's mock runtime and records what it declares: every
 * resource with its inputs, parent and dependencies, and the stack outputs. No engine, no provider
 * plugin, no cluster.
 *
 * The mocks answer the way the real providers would where the program depends on it (a provider's
 * secret outputs come back secret), and any unexpected invoke fails loudly.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackOutputs, checkStackOutputNames, outputsFromConfig, resolvePeers } from "./peers";
import { LoadedConfig, asProgramConfig } from "./stackFiles";

/** Pulumi's wire marker for a secret value: the SDK's public constants (runtime/rpc.ts). */
export const SECRET_SIG: string = pulumi.runtime.specialSigKey;
export const SECRET_SIG_VALUE: string = pulumi.runtime.specialSecretSig;

export interface CapturedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    /** Every direct dependency (explicit and through inputs). */
    dependencies: string[];
    /** Dependencies given with `dependsOn` (not implied by an input). */
    dependsOn: string[];
    provider?: string;
    /** Providers handed to a component for its children, by package (remote components). */
    providers: Record<string, string>;
    /** How many resource transforms the resource registered (applied to its children). */
    transforms: number;
    /** The `protect` option as registered (a child without its own inherits its parent's). */
    protect: boolean;
    /** The `retainOnDelete` option as registered. */
    retainOnDelete: boolean;
    /** Inputs as registered; secret values keep Pulumi's secret wrapper. */
    inputs: Record<string, unknown>;
    /** The resource options that were set (see {@link ResourceOptionsRecord}). */
    options: ResourceOptionsRecord;
}

/**
 * An alias as the SDK sends it (proto/alias.proto): an old URN, or a spec whose unset fields
 * default to the resource's own name, type, parent, stack and project (the engine fills them in:
 * pulumi/pulumi pkg/resource/deploy/step_generator.go, collapseAliasToUrn).
 */
export interface AliasRecord {
    urn?: string;
    name?: string;
    type?: string;
    stack?: string;
    project?: string;
    /** Omitted when it is the resource's own parent (the SDK always sends the parent). */
    parentUrn?: string;
    /** The old resource had no parent. */
    noParent?: boolean;
}

/**
 * Resource options, recorded only where the program set them, from the RegisterResourceRequest
 * the SDK sends (@pulumi/pulumi 3.270.0 runtime/resource.js): `protect` and `retainOnDelete` are
 * proto3 optionals, sent only when given (`protect: false` is recorded, unset is not), and a child
 * inherits its parent's `protect` in the SDK before it is sent; `deleteBeforeReplace` counts as set
 * when `deleteBeforeReplaceDefined` is. `transforms` counts the callbacks a resource registered:
 * on a helm.v4.Chart they run in the engine on the chart's children, which the provider renders,
 * so their effect is not visible offline.
 */
export interface ResourceOptionsRecord {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    aliases?: AliasRecord[];
    customTimeouts?: { create?: string; update?: string; delete?: string };
    deletedWith?: string;
    transforms?: number;
    /** The `replacementTrigger` value (a change replaces the resource); secrets stay redacted. */
    replacementTrigger?: unknown;
}

export interface Evaluation {
    resources: CapturedResource[];
    /** Stack outputs; secret values keep Pulumi's secret wrapper. */
    outputs: Record<string, unknown>;
    /**
     * Resources the program read from the cluster (`Resource.get`): each is a read step in every
     * preview and up. Always set by {@link evaluate}.
     */
    reads?: { type: string; name: string; id: string }[];
    /** The outputs each StackReference was answered with, by the name the program gave it. */
    stackReferences?: Record<string, StackOutputs>;
}

type Program = () => unknown;

export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return (
        v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE
    );
}

export function secretValue(v: unknown): Record<string, unknown> {
    return { [SECRET_SIG]: SECRET_SIG_VALUE, value: v };
}

/** Outputs that the real providers mark secret; mirrored so tests see the same secretness. */
const PROVIDER_SECRET_OUTPUTS: Record<
    string,
    Record<string, (inputs: Record<string, unknown>, name: string) => unknown>
> = {
    "random:index/randomPassword:RandomPassword": {
        result: (i, n) => `mock-${n}-${"x".repeat(Number(i.length ?? 16))}`.slice(0, Number(i.length ?? 16)),
        bcryptHash: (_i, n) => `$2a$10$mock${n}`,
    },
    "random:index/randomString:RandomString": {
        result: (i, n) => `mock-${n}-${"x".repeat(Number(i.length ?? 16))}`.slice(0, Number(i.length ?? 16)),
    },
    "command:local:Command": {
        stdout: (_i, n) => `# mock output of ${n}`,
    },
    "tls:index/privateKey:PrivateKey": {
        privateKeyPem: (_i, n) => mockPem("PRIVATE KEY", n),
        privateKeyPemPkcs8: (_i, n) => mockPem("PRIVATE KEY", n),
        privateKeyOpenssh: (_i, n) => `mock-openssh-key-${n}`,
    },
};

/** A PEM-shaped placeholder (offline nothing is generated or signed). */
function mockPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${Buffer.from(`mock ${label} of ${name}`).toString("base64")}\n-----END ${label}-----\n`;
}

/** Computed outputs the real providers return in plaintext, where the program reads them. */
const PROVIDER_OUTPUTS: Record<
    string,
    Record<string, (inputs: Record<string, unknown>, name: string) => unknown>
> = {
    "tls:index/privateKey:PrivateKey": { publicKeyPem: (_i, n) => mockPem("PUBLIC KEY", n) },
    "tls:index/selfSignedCert:SelfSignedCert": { certPem: (_i, n) => mockPem("CERTIFICATE", n) },
    "tls:index/certRequest:CertRequest": { certRequestPem: (_i, n) => mockPem("CERTIFICATE REQUEST", n) },
    "tls:index/locallySignedCert:LocallySignedCert": { certPem: (_i, n) => mockPem("CERTIFICATE", n) },
};

/** What a secret replacement trigger is recorded as (the render's own placeholder). */
const SECRET_PLACEHOLDER_TEXT = "[secret]";

export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** Outputs of the stacks the evaluated program may reference, by the name it references them with. */
let stackReferences: Record<string, StackOutputs> = {};

/**
 * A StackReference read, answered as the engine answers it: the referenced stack's outputs, with
 * the names of those that are secret. A stack nobody knows is an error, as in the engine.
 */
function stackReferenceState(name: string): Record<string, unknown> {
    const outputs = stackReferences[name];
    if (outputs === undefined) {
        throw new Error(`unknown stack ${JSON.stringify(name)} (no offline outputs for it)`);
    }
    return {
        name,
        outputs,
        secretOutputNames: Object.keys(outputs).filter((k) => isSecretWrapper(outputs[k])),
    };
}

/**
 * A service-account-token Secret once the Kubernetes token controller filled it in
 * (kubernetes.io/docs "Manually create a long-lived API token for a ServiceAccount").
 */
function serviceAccountTokenData(inputs: Record<string, unknown>, name: string): Record<string, unknown> {
    const meta = (inputs.metadata ?? {}) as { namespace?: string };
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return {
        token: b64(`mock-service-account-token-${name}`),
        "ca.crt": b64(mockPem("CERTIFICATE", `${name} API server CA`)),
        namespace: b64(String(meta.namespace ?? "default")),
    };
}

/** A manifest file (or URL) the provider reads and applies (`k8s.yaml.v2.ConfigFile`). */
export const CONFIG_FILE_TYPE = "kubernetes:yaml/v2:ConfigFile";

/** The remote component of @pulumi/kubernetes-cert-manager (a Helm release underneath). */
export const CERT_MANAGER_TYPE = "kubernetes-cert-manager:index:CertManager";

/** Pulumi's wire marker for a resource reference (under the same signature key as a secret's). */
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

export const CHART_V4_TYPE = "kubernetes:helm.sh/v4:Chart";

/**
 * What a Chart v4 release created on the (absent) cluster, keyed by `<namespace>/<release name>`:
 * each child's live object (`apiVersion`, `kind`, `metadata`, `status`, ...). Empty offline, so a
 * Chart has no children; tests fill it to evaluate the program as after a deployment. The Chart's
 * `resources` output then holds references to the children, which the SDK rehydrates into resource
 * objects through the `pulumi:pulumi:getResource` invoke, as it does against the engine.
 */
export const DEPLOYED_CHART_CHILDREN = new Map<string, Record<string, unknown>[]>();

/** `kubernetes:<group/version>:<Kind>` of a manifest; the core group is spelt `core`. */
function k8sTypeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/**
 * Registers a Chart's deployed children with the mock monitor (so that `getResource` finds them)
 * and returns references to them, named as the provider names them: `<chart name>:<ns>/<name>`
 * (pulumi-kubernetes provider/pkg/provider/yaml/v2/yaml.go `register`; the prefix defaults to the
 * Chart's name, provider/pkg/provider/helm/v4/chart.go).
 */
async function chartChildren(chart: string, inputs: Record<string, unknown>): Promise<unknown[]> {
    const children = DEPLOYED_CHART_CHILDREN.get(`${String(inputs.namespace)}/${String(inputs.name)}`) ?? [];
    const runtime = pulumi.runtime as unknown as RuntimeInternals;
    const registered = (runtime.getMonitor() as unknown as { resources: Map<string, unknown> }).resources;
    const refs: unknown[] = [];
    for (const child of children) {
        const meta = (child.metadata ?? {}) as { name: string; namespace?: string };
        const type = k8sTypeToken(String(child.apiVersion), String(child.kind));
        const id = meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
        const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${CHART_V4_TYPE}$${type}::${chart}:${id}`;
        registered.set(urn, { urn, id, state: await runtime.serializeProperties("child", child) });
        refs.push({ [SECRET_SIG]: RESOURCE_SIG, urn, id });
    }
    return refs;
}

/**
 * What the mock provider adds to a resource's inputs to make its state, or `undefined` when the
 * state is the inputs as given (most resources: the Kubernetes provider echoes what it applied).
 */
async function providerOutputs(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
    const extra: Record<string, unknown> = {};
    for (const [prop, make] of Object.entries(PROVIDER_OUTPUTS[type] ?? {})) {
        extra[prop] = make(inputs, name);
    }
    for (const [prop, make] of Object.entries(PROVIDER_SECRET_OUTPUTS[type] ?? {})) {
        extra[prop] = secretValue(make(inputs, name));
    }
    if (type === "kubernetes:core/v1:Secret" && inputs.type === "kubernetes.io/service-account-token") {
        // The provider marks a Secret's data secret.
        extra.data = secretValue(serviceAccountTokenData(inputs, name));
    }
    if (type === CHART_V4_TYPE) {
        // Chart v4 renders provider-side; offline it has no children unless a test deployed some.
        extra.resources = await chartChildren(name, inputs);
    }
    if (type === CONFIG_FILE_TYPE) {
        // yaml/v2 ConfigFile reads its file provider-side too; offline it has no children.
        extra.resources = [];
    }
    if (type === CERT_MANAGER_TYPE) {
        // The remote component's Helm release status, as it reads once the release completed.
        const helm = (inputs.helmOptions ?? {}) as Record<string, unknown>;
        extra.status = {
            name: helm.name ?? name,
            namespace: helm.namespace ?? "default",
            chart: helm.chart ?? "cert-manager",
            version: helm.version ?? "",
            status: "deployed",
        };
    }
    return Object.keys(extra).length > 0 ? extra : undefined;
}

const mocks: pulumi.runtime.Mocks = {
    async newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type === STACK_REFERENCE_TYPE) {
            return { id: args.id ?? String(inputs.name), state: stackReferenceState(String(inputs.name)) };
        }
        if (args.id) {
            // A read (`get`) or an import: the program declares neither; the given fields come back.
            return { id: args.id, state: inputs };
        }
        const extra = await providerOutputs(args.type, args.name, inputs);
        return { id: `${args.name}-id`, state: { ...inputs, ...extra } };
    },
    call(args) {
        throw new Error(`unexpected invoke ${args.token} under the mock runtime`);
    },
};

interface AliasMessage {
    hasUrn(): boolean;
    getUrn(): string;
    hasSpec(): boolean;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getStack(): string;
              getProject(): string;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    /** A google.protobuf.Struct of the serialized inputs. */
    getObject(): ProtoStruct | undefined;
    getImportid(): string;
    getProvidersMap(): { forEach(cb: (ref: string, pkg: string) => void): void };
    getTransformsList(): unknown[];
    hasProtect(): boolean;
    getProtect(): boolean;
    hasRetainondelete(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getAliasesList(): AliasMessage[];
    getAliasurnsList(): string[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getDeletedwith(): string;
    hasReplacementTrigger?(): boolean;
    getReplacementTrigger?(): { toJavaScript(): unknown } | undefined;
}

interface ReadRequest {
    getType(): string;
    getName(): string;
    getId(): string;
}

/** What the SDK reads of a google.protobuf.Struct: its value as plain JSON. */
interface ProtoStruct {
    toJavaScript(): Record<string, unknown>;
}

/**
 * The getters of a RegisterResourceResponse that the SDK reads (@pulumi/pulumi 3.270.0
 * runtime/resource.js `registerResource`: urn, id, object, propertyDependencies, result, unknown).
 */
export interface RegisterResponse {
    getUrn(): string;
    getId(): string;
    getObject(): ProtoStruct;
    getPropertydependenciesMap(): undefined;
    getResult(): number;
    getUnknown(): boolean;
}

/** The SDK's MockMonitor (runtime/mocks.js), as far as the evaluation replaces or reads it. */
interface Monitor {
    registerResource(req: RegisterRequest, cb: (err: unknown, resp?: RegisterResponse) => void): unknown;
    /** MockMonitor's URN maker. */
    newUrn(parent: string, type: string, name: string): string;
    /** MockMonitor's registry of what was registered: the `pulumi:pulumi:getResource` invoke reads it. */
    resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
    readResource(req: ReadRequest, cb: (err: unknown, resp?: unknown) => void): unknown;
}

interface RuntimeInternals {
    getMonitor(): Monitor;
    waitForRPCs(): Promise<void>;
    deserializeProperties(o: ProtoStruct): Record<string, unknown>;
    serializeProperties(label: string, o: unknown): Promise<Record<string, unknown>>;
}

function providerRef(ref: string): string | undefined {
    // "urn::id" as sent by the SDK; the URN is what identifies the provider.
    return ref === "" ? undefined : ref.split("::").slice(0, -1).join("::");
}

function providersOf(req: RegisterRequest): Record<string, string> {
    const out: Record<string, string> = {};
    req.getProvidersMap().forEach((ref, pkg) => {
        const urn = providerRef(ref);
        if (urn !== undefined) {
            out[pkg] = urn;
        }
    });
    return out;
}

function aliasRecord(a: AliasMessage, parent: string): AliasRecord {
    const spec = a.hasSpec() ? a.getSpec() : undefined;
    if (!spec) {
        return { urn: a.getUrn() };
    }
    const out: AliasRecord = {};
    const set = (k: "name" | "type" | "stack" | "project", v: string) => {
        if (v !== "") {
            out[k] = v;
        }
    };
    set("name", spec.getName());
    set("type", spec.getType());
    set("stack", spec.getStack());
    set("project", spec.getProject());
    if (spec.getNoparent()) {
        out.noParent = true;
    } else if (spec.getParenturn() !== "" && spec.getParenturn() !== parent) {
        out.parentUrn = spec.getParenturn();
    }
    return out;
}

/** The options the request carries that differ from an unset option. */
export function optionsOf(req: RegisterRequest): ResourceOptionsRecord {
    const o: ResourceOptionsRecord = {};
    if (req.hasProtect()) {
        o.protect = req.getProtect();
    }
    if (req.hasRetainondelete()) {
        o.retainOnDelete = req.getRetainondelete();
    }
    if (req.getDeletebeforereplacedefined()) {
        o.deleteBeforeReplace = req.getDeletebeforereplace();
    }
    const lists = {
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
    };
    for (const [k, v] of Object.entries(lists) as [keyof typeof lists, string[]][]) {
        if (v.length > 0) {
            o[k] = [...v];
        }
    }
    const aliases = [
        ...req.getAliasesList().map((a) => aliasRecord(a, req.getParent())),
        // Older engines without alias specs get plain URNs.
        ...req.getAliasurnsList().map((urn) => ({ urn })),
    ];
    if (aliases.length > 0) {
        o.aliases = aliases;
    }
    const t = req.getCustomtimeouts();
    const timeouts = Object.fromEntries(
        Object.entries({ create: t?.getCreate(), update: t?.getUpdate(), delete: t?.getDelete() }).filter(
            ([, v]) => v !== undefined && v !== "",
        ),
    );
    if (Object.keys(timeouts).length > 0) {
        o.customTimeouts = timeouts;
    }
    if (req.getDeletedwith() !== "") {
        o.deletedWith = req.getDeletedwith();
    }
    if (req.getTransformsList().length > 0) {
        o.transforms = req.getTransformsList().length;
    }
    if (req.hasReplacementTrigger?.()) {
        const trigger = req.getReplacementTrigger?.()?.toJavaScript();
        o.replacementTrigger = isSecretWrapper(trigger) ? SECRET_PLACEHOLDER_TEXT : trigger;
    }
    return o;
}

/**
 * The URN the Pulumi engine gives a resource (pulumi/pulumi sdk/go/common/resource/urn.go NewURN):
 * the parent's whole qualified type chain, except the root stack's. The mock monitor keeps only
 * the parent's last type, which differs from a real deployment from the third level on.
 */
export function engineUrn(
    stack: string,
    project: string,
    parent: string,
    type: string,
    name: string,
): string {
    const parentType = parent === "" ? "" : parent.split("::")[2];
    const qualified =
        parentType === "" || parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export interface EvaluateOptions {
    /** Outputs of peer stacks from elsewhere (`--stack-output NAME=FILE.json`), by reference. */
    stackOutputs?: Record<string, StackOutputs>;
    /**
     * How the peers' own peers are answered: 0 (the stack under review) evaluates its peers from
     * their stack files, 1 (such a peer) answers its peers from their config (tools/lib/peers.ts).
     */
    depth?: number;
}

/** What the evaluation records of a registration, from the request the SDK sends. */
function captured(req: RegisterRequest, inputs: Record<string, unknown>): Omit<CapturedResource, "urn"> {
    const propertyDeps = new Set<string>();
    req.getPropertydependenciesMap().forEach((v) => v.getUrnsList().forEach((u) => propertyDeps.add(u)));
    const dependencies = [...new Set(req.getDependenciesList())];
    return {
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        parent: req.getParent() || undefined,
        dependencies,
        dependsOn: dependencies.filter((d) => !propertyDeps.has(d)),
        provider: providerRef(req.getProvider()),
        providers: providersOf(req),
        transforms: req.getTransformsList().length,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        inputs,
        options: optionsOf(req),
    };
}

/**
 * MockMonitor.registerResource (@pulumi/pulumi 3.270.0 runtime/mocks.js), without its protobuf
 * round trips: it decodes the request's inputs once (MockMonitor decodes them for the mocks, and
 * recording them decoded them a second time), and answers with the state as plain JSON behind the
 * response getters the SDK reads, instead of encoding it into a Struct that the SDK decodes again
 * at once. The state is the serialized inputs as sent, plus what the mock provider adds
 * ({@link providerOutputs}), serialized as MockMonitor serializes it; the SDK resolves the
 * resource's outputs from it exactly as from MockMonitor's answer (`deserializeProperties` of the
 * same JSON). The SDK answers its own engine-less registrations with the same duck-typed response
 * (runtime/resource.js, the `monitor` undefined branch).
 */
async function registerResource(
    runtime: RuntimeInternals,
    monitor: Monitor,
    req: RegisterRequest,
    resources: CapturedResource[],
): Promise<RegisterResponse> {
    const sent = req.getObject()?.toJavaScript() ?? {};
    const wire: ProtoStruct = { toJavaScript: () => sent };
    const inputs = runtime.deserializeProperties(wire);
    const record = captured(req, inputs);
    const importId = req.getImportid();
    // An import: the program declares none; the given fields come back (as `mocks.newResource`).
    const extra = importId ? undefined : await providerOutputs(record.type, record.name, inputs);
    // Decoded from a Struct, as the SDK decodes MockMonitor's answer: keys sorted (`sent` already is).
    const state =
        extra === undefined
            ? sent
            : (structRoundTrip({ ...sent, ...(await runtime.serializeProperties("", extra)) }) as Record<
                  string,
                  unknown
              >);
    const id = importId || `${record.name}-id`;
    const urn = monitor.newUrn(req.getParent(), record.type, record.name);
    monitor.resources.set(urn, { urn, id, state });
    resources.push({ urn, ...record });
    return {
        getUrn: () => urn,
        getId: () => id,
        getObject: () => ({ toJavaScript: () => state }),
        getPropertydependenciesMap: () => undefined,
        getResult: () => 0, // pulumirpc.Result.SUCCESS
        getUnknown: () => false,
    };
}

/** google.protobuf.Struct of the google-protobuf copy the SDK loads (its runtime/resource.js `gstruct`). */
interface StructClass {
    new (): EncodedStruct;
    fromJavaScript(this: void, value: Record<string, unknown>): EncodedStruct;
}

/** A Struct as google-protobuf makes it: its fields too (a jspb.Map of Value messages). */
interface EncodedStruct extends ProtoStruct {
    getFieldsMap(): unknown;
}

function sdkStruct(): StructClass {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi"));
    const file = require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdk] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { Struct: StructClass }).Struct;
}

/**
 * What decoding a Struct gives: the same JSON with every object's keys in sorted order (a Struct's
 * fields are a jspb.Map, whose forEach, used by toJavaScript, visits its keys sorted).
 */
export function structRoundTrip(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(structRoundTrip);
    }
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(o).sort()) {
            out[k] = structRoundTrip(o[k]);
        }
        return out;
    }
    return v;
}

/**
 * A Struct that keeps the JSON it was made from and decodes to what the encoded Struct would
 * ({@link structRoundTrip}) without building its Value messages: on what the SDK encodes (the
 * output of its serializeProperties: plain objects, arrays, strings, finite numbers, booleans and
 * null), Struct.fromJavaScript then toJavaScript only sorts the keys. The SDK reads a Struct with
 * toJavaScript, except the `pulumi:pulumi:getResource` answer, whose fields it reads one by one
 * (runtime/resource.js `getResource`): those are encoded on first use.
 */
function jsonStruct(
    Struct: StructClass,
    encode: StructClass["fromJavaScript"],
): StructClass["fromJavaScript"] {
    return (value) => {
        const struct = new Struct();
        let encoded: EncodedStruct | undefined;
        struct.toJavaScript = () => structRoundTrip(value) as Record<string, unknown>;
        struct.getFieldsMap = () => (encoded ??= encode(value)).getFieldsMap();
        return struct;
    };
}

/**
 * Evaluates the program once against the given config. Concurrent evaluations in one process are
 * not supported (the Pulumi runtime state is process-wide); sequential ones are. The stacks it
 * references (multicluster.peers) are evaluated first, one after the other.
 *
 * What the SDK does only for a real engine is left out, since no mock reads it and it is most of
 * an offline evaluation's time:
 * - the SDK records `new Error().stack` for every internal promise (runtime/debuggable.ts, for its
 *   leak report), and every resource sends the engine the full call stack of its constructor
 *   (resource.ts `Resource.callsites`, which lifts Error.stackTraceLimit itself), for error
 *   messages that point at the program; source positions are not part of what is deployed. Set
 *   ISTIO_MESH_STACK_TRACES=1 to keep them while debugging;
 * - every registration's inputs are encoded into a protobuf Struct for the wire (runtime/resource.ts
 *   `registerResource`, `gstruct.Struct.fromJavaScript`), which the in-process monitor decodes at
 *   once; the Struct keeps the JSON instead ({@link jsonStruct}). Set ISTIO_MESH_PROTOBUF=1 to
 *   encode as against an engine (a test renders the stacks both ways and compares them).
 */
export async function evaluate(
    config: LoadedConfig,
    program?: Program,
    opts: EvaluateOptions = {},
): Promise<Evaluation> {
    const depth = opts.depth ?? 0;
    const given = opts.stackOutputs ?? {};
    if (depth === 0) {
        checkStackOutputNames(config, given);
    }
    const references = await resolvePeers(config, given, async (peer) =>
        depth === 0
            ? (await evaluate(peer, program, { stackOutputs: given, depth: 1 })).outputs
            : outputsFromConfig(peer, secretValue),
    );
    const stackTraceLimit = Error.stackTraceLimit;
    const resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = resource.callsites;
    const Struct = sdkStruct();
    const fromJavaScript = Struct.fromJavaScript;
    if (!process.env.ISTIO_MESH_STACK_TRACES) {
        Error.stackTraceLimit = 0;
        resource.callsites = () => [];
    }
    if (!process.env.ISTIO_MESH_PROTOBUF) {
        Struct.fromJavaScript = jsonStruct(Struct, fromJavaScript);
    }
    try {
        stackReferences = references;
        return { ...(await evaluateOnce(config, program)), stackReferences: references };
    } finally {
        stackReferences = {};
        Error.stackTraceLimit = stackTraceLimit;
        resource.callsites = callsites;
        Struct.fromJavaScript = fromJavaScript;
    }
}

async function evaluateOnce(config: LoadedConfig, program?: Program): Promise<Evaluation> {
    const runtime = pulumi.runtime as unknown as RuntimeInternals;
    await pulumi.runtime.setMocks(mocks, config.project, config.stack, false, "organization");
    pulumi.runtime.setAllConfig(asProgramConfig(config), config.secretKeys);

    const resources: CapturedResource[] = [];
    const monitor = runtime.getMonitor();
    monitor.newUrn = (parent, type, name) => engineUrn(config.stack, config.project, parent, type, name);
    monitor.registerResource = (req, cb) => {
        registerResource(runtime, monitor, req, resources).then(
            (resp) => cb(null, resp),
            (err: unknown) => cb(err),
        );
    };

    const reads: NonNullable<Evaluation["reads"]> = [];
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req, cb) => {
        reads.push({ type: req.getType(), name: req.getName(), id: req.getId() });
        return read(req, cb);
    };

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = program ?? (require("../../index") as Program);
    const result = await Promise.resolve(main());
    const outputs = await runtime.serializeProperties("outputs", result ?? {});
    await runtime.waitForRPCs();
    return { resources, outputs, reads };
}
