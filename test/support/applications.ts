/** The `shop` example of docs/applications.md (docs/examples/shop.yaml), as a stack config override. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Evaluation } from "../../tools/lib/mockRuntime";
import { Override, PROJECT_ROOT, pathOverrides } from "../../tools/lib/stackFiles";
import { evaluateStack } from "./stacks";

export const SHOP_EXAMPLE = path.join(PROJECT_ROOT, "docs", "examples", "shop.yaml");

/** The value of `istio-mesh:applications` in the example, optionally edited. */
export function shopApplications(edit?: (apps: Record<string, unknown>) => void): Record<string, unknown> {
    const doc = parse(fs.readFileSync(SHOP_EXAMPLE, "utf8")) as Record<string, Record<string, unknown>>;
    const apps = structuredClone(doc["istio-mesh:applications"]);
    edit?.(apps);
    return apps;
}

export { pathOverrides };

/** The whole `applications` section, by path (a section given as one value is refused). */
export function applicationsOverride(apps: Record<string, unknown> = shopApplications()): Override[] {
    return pathOverrides(apps, "applications");
}

/** A stack evaluated with the shop example added to its config (and more overrides, by path). */
export function evaluateWithShop(stack = "dev", more: Override[] = []): Promise<Evaluation> {
    return evaluateStack(stack, [...applicationsOverride(), ...more], true);
}
