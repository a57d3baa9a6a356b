/**
 * Runs the Pulumi program under Pulumi's mock runtime and records what it declares: every
 * resource with its inputs, parent and dependencies, and the stack outputs. No engine, no provider
 * plugin, no cluster.
 *
 * The mocks answer the way the real providers would where the program depends on it (a provider's
 * secret outputs come back secret), and any unexpected invoke fails loudly.
 */
import * as pulumi from "@pulumi/pulumi";
import { LoadedConfig, asProgramConfig } from "./stackFiles";

/** Pulumi's wire marker for a secret value. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

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
}

export interface Evaluation {
    resources: CapturedResource[];
    /** Stack outputs; secret values keep Pulumi's secret wrapper. */
    outputs: Record<string, unknown>;
}

type Program = () => unknown;

export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return (
        v !== null && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE
    );
}

function secretValue(v: unknown): Record<string, unknown> {
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
};

/** The remote component of @pulumi/kubernetes-cert-manager (a Helm release underneath). */
export const CERT_MANAGER_TYPE = "kubernetes-cert-manager:index:CertManager";

/**
 * What a `Resource.get` finds on the (absent) cluster, keyed by `<type> <id>`. Empty offline, so a
 * read returns no live fields (as for an object that has no status yet) and the program says where
 * the value will come from; tests fill it to evaluate the program as after a deployment.
 */
export const LIVE_OBJECTS = new Map<string, Record<string, unknown>>();

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        if (args.id) {
            // A read (`get`) or an import: the live object's fields over the given ones.
            return { id: args.id, state: { ...inputs, ...LIVE_OBJECTS.get(`${args.type} ${args.id}`) } };
        }
        const state: Record<string, unknown> = { ...inputs };
        for (const [prop, make] of Object.entries(PROVIDER_SECRET_OUTPUTS[args.type] ?? {})) {
            state[prop] = secretValue(make(inputs, args.name));
        }
        if (args.type === "kubernetes:helm.sh/v4:Chart") {
            // Chart v4 renders provider-side; offline it has no children.
            state.resources = [];
        }
        if (args.type === CERT_MANAGER_TYPE) {
            // The remote component's Helm release status, as it reads once the release completed.
            const helm = (inputs.helmOptions ?? {}) as Record<string, unknown>;
            state.status = {
                name: helm.name ?? args.name,
                namespace: helm.namespace ?? "default",
                chart: helm.chart ?? "cert-manager",
                version: helm.version ?? "",
                status: "deployed",
            };
        }
        return { id: `${args.name}-id`, state };
    },
    call(args) {
        throw new Error(`unexpected invoke ${args.token} under the mock runtime`);
    },
};

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getObject(): unknown;
    getProvidersMap(): { forEach(cb: (ref: string, pkg: string) => void): void };
    getTransformsList(): unknown[];
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
}

interface Monitor {
    registerResource(req: RegisterRequest, cb: (err: unknown, resp?: { getUrn(): string }) => void): unknown;
}

interface RuntimeInternals {
    getMonitor(): Monitor;
    waitForRPCs(): Promise<void>;
    deserializeProperties(o: unknown): Record<string, unknown>;
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

/**
 * Evaluates the program once against the given config. Concurrent evaluations in one process are
 * not supported (the Pulumi runtime state is process-wide); sequential ones are.
 */
export async function evaluate(config: LoadedConfig, program?: Program): Promise<Evaluation> {
    // The SDK records `new Error().stack` for every internal promise (runtime/debuggable.ts, for
    // its leak report); under ts-node's source-map support formatting those traces is most of an
    // offline evaluation's time. Set ISTIO_MESH_STACK_TRACES=1 to keep them while debugging.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.ISTIO_MESH_STACK_TRACES) {
        Error.stackTraceLimit = 0;
    }
    try {
        return await evaluateOnce(config, program);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

async function evaluateOnce(config: LoadedConfig, program?: Program): Promise<Evaluation> {
    const runtime = pulumi.runtime as unknown as RuntimeInternals;
    await pulumi.runtime.setMocks(mocks, config.project, config.stack, false, "organization");
    pulumi.runtime.setAllConfig(asProgramConfig(config), config.secretKeys);

    const resources: CapturedResource[] = [];
    const monitor = runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const propertyDeps = new Set<string>();
        req.getPropertydependenciesMap().forEach((v) => v.getUrnsList().forEach((u) => propertyDeps.add(u)));
        const dependencies = [...new Set(req.getDependenciesList())];
        const record: Omit<CapturedResource, "urn"> = {
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
            inputs: runtime.deserializeProperties(req.getObject()),
        };
        return register(req, (err, resp) => {
            if (!err && resp) {
                resources.push({ urn: resp.getUrn(), ...record });
            }
            cb(err, resp);
        });
    };

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = program ?? (require("../../index") as Program);
    const result = await Promise.resolve(main());
    const outputs = await runtime.serializeProperties("outputs", result ?? {});
    await runtime.waitForRPCs();
    return { resources, outputs };
}
