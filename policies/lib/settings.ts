/**
 * Policy settings that vary per environment. The environment is policy configuration (set in
 * policies/<env>.json), never guessed from the stack name, so a stack called "prod-eu" or a
 * throw-away copy of prod gets exactly the rules its config file asks for.
 */
import { PolicyConfigSchema } from "@pulumi/policy";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Without a config file a policy assumes the strictest environment. */
export const DEFAULT_ENVIRONMENT: Environment = "prod";

export const environmentSchema: PolicyConfigSchema = {
    properties: {
        environment: {
            type: "string",
            enum: [...ENVIRONMENTS],
            default: DEFAULT_ENVIRONMENT,
            description: "Environment the stack belongs to; selects the environment-specific rules.",
        },
    },
};

export function environmentOf(args: { getConfig<T extends object>(): T }): Environment {
    const env = args.getConfig<{ environment?: string }>().environment;
    return (ENVIRONMENTS as readonly string[]).includes(env ?? "")
        ? (env as Environment)
        : DEFAULT_ENVIRONMENT;
}
