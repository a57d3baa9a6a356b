/**
 * The addon registry, in build order: Grafana's admin Secret exists before Kiali, which mounts it.
 * Each entry is one module; its settings are the `observability.<name>` config section.
 */
import type { Addon } from "../addon";
import { grafana } from "./grafana";
import { jaeger } from "./jaeger";
import { kiali } from "./kiali";
import { prometheus } from "./prometheus";

export { UI_GATEWAY, exposeUis } from "./exposure";

export const ADDONS: readonly Addon[] = [prometheus, grafana, jaeger, kiali];
