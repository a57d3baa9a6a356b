/**
 * What the offline tools answer a StackReference with: the peer's own offline outputs, evaluated
 * from its stack file in this repository, or a file of outputs given with `--stack-output
 * NAME=FILE.json` (`pulumi stack output --json --show-secrets` of a peer from another repository).
 *
 * Two stacks that name each other would evaluate each other forever: a peer's own peers are
 * answered from their config alone (identity, placeholder credentials and trust), which is all a
 * stack's outputs depend on.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, ConfigIssue, StackConfig, parseConfig } from "../../config";
import { show } from "../../config/reader";
import { MeshTrust, identityOutput } from "../../components/multicluster/peers";
import { CREDENTIALS_OUTPUT, IDENTITY_OUTPUT, TRUST_OUTPUT } from "../../components/multicluster/peers";
import { stackOf } from "../../components/multicluster/config";
import { Flag, ParsedCli, UsageError } from "./cli";
import { LoadedConfig, PROJECT_ROOT, configSource, loadStackConfig } from "./stackFiles";

/** Outputs of another stack, as its `pulumi stack output --json --show-secrets` would print them. */
export type StackOutputs = Record<string, unknown>;

/** Outputs that a stack of this project exports as secrets (marked so when read from a file). */
export const SECRET_PEER_OUTPUTS = [CREDENTIALS_OUTPUT, TRUST_OUTPUT];

/** Placeholder PEM/token text in the outputs of a peer evaluated from config alone. */
export const PEER_PLACEHOLDER = "[offline peer placeholder]";

/** The peers a stack's raw config names, when multicluster is enabled there. */
export function configuredPeers(config: LoadedConfig): string[] {
    const raw = config.values[`${config.project}:multicluster`];
    if (raw === null || typeof raw !== "object") {
        return [];
    }
    const m = raw as { enabled?: unknown; peers?: unknown };
    const enabled = m.enabled === true || m.enabled === "true";
    return enabled && Array.isArray(m.peers) ? m.peers.filter((p): p is string => typeof p === "string") : [];
}

/** The stack file in this repository a reference names (`west`, or `<org>/istio-mesh/west`). */
export function repositoryStack(ref: string, project: string, root = PROJECT_ROOT): string | undefined {
    const parts = ref.split("/");
    if (parts.length === 3 && parts[1] !== project) {
        return undefined;
    }
    if (parts.length === 2) {
        return undefined;
    }
    const stack = stackOf(ref);
    return fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`)) ? stack : undefined;
}

/** Reads `--stack-output NAME=FILE.json` files, marking the secret outputs secret. */
export function readStackOutputFile(file: string, secret: (v: unknown) => unknown): StackOutputs {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        throw new Error(
            `${file}: expected a JSON object of stack outputs (pulumi stack output --json --show-secrets)`,
        );
    }
    const out: StackOutputs = {};
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
        out[k] = SECRET_PEER_OUTPUTS.includes(k) ? secret(v) : v;
    }
    return out;
}

function parsed(config: LoadedConfig): StackConfig {
    const result = parseConfig(configSource(config), config.stack);
    if (!result.ok) {
        throw new ConfigError(result.issues, config.stack);
    }
    return result.config;
}

/**
 * A peer's outputs from its config alone: its identity as the program exports it, placeholder
 * credentials, and (for the root stack) a placeholder intermediate for each of its cluster stacks.
 */
export function outputsFromConfig(config: LoadedConfig, secret: (v: unknown) => unknown): StackOutputs {
    const cfg = parsed(config);
    const m = cfg.multicluster;
    if (!m.enabled) {
        return { istioVersion: cfg.istio.primary.version };
    }
    const pem = (what: string) => `${PEER_PLACEHOLDER}: ${what} of ${config.stack}`;
    const trust: MeshTrust | undefined =
        m.trust.rootStack === undefined
            ? {
                  rootCert: pem("root certificate"),
                  clusters: Object.fromEntries(
                      [config.stack, ...m.peers].map((c) => [
                          c,
                          {
                              caCert: pem(`intermediate of ${c}`),
                              caKey: pem(`intermediate key of ${c}`),
                              rootCert: pem("root certificate"),
                              certChain: pem(`chain of ${c}`),
                          },
                      ]),
                  ),
              }
            : undefined;
    return {
        istioVersion: cfg.istio.primary.version,
        [IDENTITY_OUTPUT]: identityOutput(m, config.stack, cfg.istio.mesh.mtls, cfg.istio.rootNamespace),
        [CREDENTIALS_OUTPUT]: secret({
            server: m.apiServer,
            certificateAuthorityData: Buffer.from(pem("API server CA")).toString("base64"),
            token: pem("reader token"),
        }),
        ...(trust ? { [TRUST_OUTPUT]: secret(trust) } : {}),
    };
}

/**
 * Refuses `--stack-output` files for stacks the stack does not name as peers: a misspelt name
 * would otherwise leave the peer's stack file in this repository to answer, and the review would
 * silently be of the wrong outputs.
 */
export function checkStackOutputNames(config: LoadedConfig, given: Record<string, StackOutputs>): void {
    const peers = configuredPeers(config);
    for (const name of Object.keys(given)) {
        if (!peers.includes(name)) {
            const list = peers.length > 0 ? peers.join(", ") : "none: multicluster is not enabled";
            throw new UsageError(
                `--stack-output ${name}: stack '${config.stack}' has no such peer (multicluster.peers: ${list})`,
            );
        }
    }
}

/**
 * Resolves every peer a stack names: a `--stack-output` file first, then the stack file in this
 * repository (`evaluatePeer` gives its offline outputs). A peer found in neither is refused,
 * naming its key, as the program refuses it under the engine: there the StackReference's read
 * fails, and components/multicluster/read.ts turns that into a ConfigError naming the key.
 */
export async function resolvePeers(
    config: LoadedConfig,
    given: Record<string, StackOutputs>,
    evaluatePeer: (peer: LoadedConfig) => Promise<StackOutputs>,
): Promise<Record<string, StackOutputs>> {
    const out: Record<string, StackOutputs> = {};
    const issues: ConfigIssue[] = [];
    const peers = configuredPeers(config);
    for (const [i, ref] of peers.entries()) {
        if (given[ref] !== undefined) {
            out[ref] = given[ref];
            continue;
        }
        const stack = repositoryStack(ref, config.project);
        if (stack === undefined) {
            issues.push({
                key: `multicluster.peers[${i}]`,
                message:
                    `stack ${show(ref)} does not exist: there is no Pulumi.${stackOf(ref)}.yaml of this project here, ` +
                    `and no --stack-output ${ref}=FILE.json gives its outputs`,
            });
            continue;
        }
        out[ref] = await evaluatePeer(loadStackConfig(stack));
    }
    if (issues.length > 0) {
        throw new ConfigError(issues, config.stack);
    }
    return out;
}

/** `--stack-output NAME=FILE.json`: a peer's outputs from another repository (repeatable). */
export const STACK_OUTPUT_FLAG: Flag = {
    name: "--stack-output",
    value: "NAME=FILE.json",
    repeat: true,
    help: "outputs of a peer stack (as `pulumi stack output --json --show-secrets -s NAME` prints them) for its StackReference",
};

/** The `--stack-output` files, read; a malformed option or unreadable file is a usage error. */
export function stackOutputsOption(
    args: ParsedCli,
    secret: (v: unknown) => unknown,
): Record<string, StackOutputs> {
    const out: Record<string, StackOutputs> = {};
    for (const value of args.values.get(STACK_OUTPUT_FLAG.name) ?? []) {
        const at = value.indexOf("=");
        if (at <= 0 || at === value.length - 1) {
            throw new UsageError(`--stack-output expects NAME=FILE.json, got ${JSON.stringify(value)}`);
        }
        const name = value.slice(0, at);
        const file = value.slice(at + 1);
        if (out[name] !== undefined) {
            throw new UsageError(`--stack-output ${name} given more than once`);
        }
        try {
            out[name] = readStackOutputFile(file, secret);
        } catch (e) {
            throw new UsageError(`--stack-output ${name}: ${(e as Error).message}`);
        }
    }
    return out;
}
