/** Prometheus: the prometheus-community chart, scraped by nothing else of the stack but read by Grafana and Kiali. */
import type { Addon } from "../addon";
import { PROMETHEUS } from "../endpoints";
import { prometheusValues } from "../values";

export const prometheus: Addon = {
    name: "prometheus",
    enabled: (cfg) => cfg.prometheus.enabled,
    build(ctx) {
        ctx.chart(
            "prometheus",
            PROMETHEUS.release,
            "prometheus",
            ctx.config.prometheus.chart,
            prometheusValues(ctx.config),
        );
    },
};
