/** The `shop` example of docs/applications.md (docs/examples/shop.yaml), as a stack config override. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Evaluation } from "../../tools/lib/mockRuntime";
import { Override, PROJECT_ROOT } from "../../tools/lib/stackFiles";
import { evaluateStack } from "./stacks";

export const SHOP_EXAMPLE = path.join(PROJECT_ROOT, "docs", "examples", "shop.yaml");

/** The value of `istio-mesh:applications` in the example, optionally edited. */
export function shopApplications(edit?: (apps: Record<string, unknown>) => void): Record<string, unknown> {
    const doc = parse(fs.readFileSync(SHOP_EXAMPLE, "utf8")) as Record<string, Record<string, unknown>>;
    const apps = structuredClone(doc["istio-mesh:applications"]);
    edit?.(apps);
    return apps;
}

/** One `--config-path --config KEY=VALUE` per leaf, as `pulumi config set --path` would set them. */
export function pathOverrides(value: unknown, prefix: string): Override[] {
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => pathOverrides(v, `${prefix}[${i}]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
            pathOverrides(v, `${prefix}.${k}`),
        );
    }
    return [{ key: prefix, value: String(value) }];
}

/** The whole `applications` section, by path (a section given as one value is refused). */
export function applicationsOverride(apps: Record<string, unknown> = shopApplications()): Override[] {
    return pathOverrides(apps, "applications");
}

/** A stack evaluated with the shop example added to its config (and more overrides, by path). */
export function evaluateWithShop(stack = "dev", more: Override[] = []): Promise<Evaluation> {
    return evaluateStack(stack, [...applicationsOverride(), ...more], true);
}
