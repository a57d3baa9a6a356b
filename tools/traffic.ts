/**
 * npm run traffic -- [--stack NAME] [--app NAME] [--requests N | --duration 60s] [--rate R] [--user NAME]
 *
 * Sends requests to the deployed stack's product page at a steady rate, so Kiali, Grafana and
 * Jaeger have something to show, and reports the answers by HTTP status and by the reviews version
 * that rendered each page, next to the split `npm run routes` predicts (stack output
 * bookinfoRoutes). With --user it first signs in as that user (Bookinfo's POST /login form), so the
 * `end-user` routing rules apply. With --app it sends to that application's ingress instead (stack
 * output applicationIngress) and reports by status. Bounded in count and in time: it always stops
 * by itself.
 */
import * as http from "http";
import * as https from "https";
import type { RouteRow } from "../components/bookinfo";
import { CliSpec, EXIT_NO, Io, ParsedCli, UsageError, cliMain, single } from "./lib/cli";
import { readEnv, stackOutputs } from "./lib/stackCli";

export const TRAFFIC_CLI: CliSpec = {
    name: "traffic",
    summary:
        "Sends requests to the product page at a steady rate and reports them by status and by reviews version, next to npm run routes (default stack: dev).",
    stack: "optional",
    flags: [
        { name: "--requests", value: "<n>", help: `how many requests (default ${100}, at most ${100000})` },
        { name: "--duration", value: "<time>", help: "send for this long instead (30s, 5m; at most 1h)" },
        { name: "--rate", value: "<n>", help: "requests per second (default 10, at most 200)" },
        { name: "--user", value: "<name>", help: "sign in as this user first (the end-user routes: jason)" },
        { name: "--app", value: "<name>", help: "send to this application's ingress instead of Bookinfo's" },
    ],
};

export const LIMITS = { requests: 100000, durationMs: 3600_000, rate: 200 } as const;
export const DEFAULTS = { requests: 100, rate: 10 } as const;
/** A request that has not answered by then counts as an error. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 100;

export interface TrafficPlan {
    requests: number;
    /** Sending stops at this point even if requests remain. */
    durationMs: number;
    rate: number;
    user?: string;
    /** Count pages by the reviews version that rendered them (Bookinfo's product page only). */
    reviews?: boolean;
}

export function parseDuration(v: string): number {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
    if (!m) {
        throw new UsageError(`--duration ${JSON.stringify(v)} is not a duration (e.g. 30s, 5m)`);
    }
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
    const ms = Number(m[1]) * unit;
    if (ms <= 0 || ms > LIMITS.durationMs) {
        throw new UsageError(`--duration ${v} is out of range: more than 0, at most 1h`);
    }
    return ms;
}

/** The plan from the flags; a UsageError naming the bad value otherwise. */
export function trafficPlan(args: ParsedCli): TrafficPlan {
    const req = single(args, "--requests");
    const dur = single(args, "--duration");
    const rateV = single(args, "--rate");
    if (req !== undefined && dur !== undefined) {
        throw new UsageError("give --requests or --duration, not both");
    }
    const rate = rateV === undefined ? DEFAULTS.rate : Number(rateV);
    if (!Number.isFinite(rate) || rate <= 0 || rate > LIMITS.rate) {
        throw new UsageError(
            `--rate ${JSON.stringify(rateV)} is out of range: more than 0, at most ${LIMITS.rate}`,
        );
    }
    const user = single(args, "--user");
    if (user !== undefined && !/^[\w.@-]+$/.test(user)) {
        throw new UsageError(`--user ${JSON.stringify(user)}: letters, digits, . _ @ - only`);
    }
    if (dur !== undefined) {
        const durationMs = parseDuration(dur);
        return {
            requests: Math.min(LIMITS.requests, Math.ceil((durationMs / 1000) * rate)),
            durationMs,
            rate,
            user,
        };
    }
    const requests = req === undefined ? DEFAULTS.requests : Number(req);
    if (!/^\d+$/.test(req ?? "1") || requests < 1 || requests > LIMITS.requests) {
        throw new UsageError(`--requests ${JSON.stringify(req)} is out of range: 1 to ${LIMITS.requests}`);
    }
    // Sending takes requests/rate; a second more lets the last one leave on time.
    return { requests, durationMs: (requests / rate) * 1000 + 1000, rate, user };
}

/**
 * Which reviews version rendered a product page. Bookinfo's template (istio/istio
 * samples/bookinfo/src/productpage/templates/productpage.html) prints "Reviews served by: <pod>",
 * the pod being reviews-vN-...; without it, the stars tell: v1 shows none, v2 black, v3 red
 * (`text-{{ color }}-500` in the current template, `<font color="...">` in older ones).
 */
export function reviewsVersion(html: string): string {
    const pod = /Reviews served by:\s*(?:<[^>]*>\s*)*([\w.-]+)/.exec(html)?.[1];
    const fromPod = pod ? /^reviews-(v\d+)(?:-|$)/.exec(pod)?.[1] : undefined;
    if (fromPod) {
        return fromPod;
    }
    if (/Error fetching product reviews/.test(html)) {
        return "unavailable";
    }
    const star =
        /text-(black|red)-500">\s*<svg[^>]*glyphicon-star/.exec(html)?.[1] ??
        /<font color="(black|red)">\s*(?:<span class="glyphicon glyphicon-star)/.exec(html)?.[1];
    if (star) {
        return star === "black" ? "v2" : "v3";
    }
    return /Book Reviews/.test(html) ? "v1" : "unknown";
}

interface Target {
    url: URL;
    hostHeader?: string;
}

type Entry = { requestUrl: string; hostHeader?: string };

/** The product page, or with `app` that application's ingress, from the stack outputs. */
function entry(stack: string, outputs: Record<string, unknown>, app?: string): Entry {
    if (app !== undefined) {
        const ingress = (outputs.applicationIngress ?? {}) as Record<string, Entry>;
        const found = ingress[app];
        if (found === undefined) {
            const known = Object.keys(ingress);
            throw new UsageError(
                `stack ${stack} has no application ${JSON.stringify(app)} with an ingress; ` +
                    (known.length > 0 ? `applications with one: ${known.join(", ")}` : "none has one"),
            );
        }
        return found;
    }
    const page = outputs.productPage as Partial<Entry> | undefined;
    const requestUrl = page?.requestUrl ?? (outputs.productPageUrl as string | undefined);
    if (requestUrl === undefined) {
        throw new Error(
            `stack ${stack} has no product page (bookinfo.enabled is false?); --app sends to an application`,
        );
    }
    return { requestUrl, hostHeader: page?.hostHeader };
}

/** Where to send requests, from the stack outputs; an error saying how to find out otherwise. */
export function trafficTarget(stack: string, outputs: Record<string, unknown>, app?: string): Target {
    const { requestUrl: url, hostHeader } = entry(stack, outputs, app);
    if (!/^https?:\/\//.test(url)) {
        const howTo = (outputs.gateway as { howTo?: string } | undefined)?.howTo;
        throw new Error(
            `the gateway's address is not in stack ${stack}'s outputs yet (${url}); ` +
                `run npm run up -- ${stack} again once the load balancer has one${howTo ? `, or find it with: ${howTo}` : ""}`,
        );
    }
    return { url: new URL(url), hostHeader };
}

interface Answer {
    status: number;
    body: string;
    cookies: string[];
}

function request(
    target: Target,
    url: URL,
    opts: { method?: string; body?: string; cookie?: string; agent: http.Agent },
): Promise<Answer> {
    const lib = url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = { "user-agent": "istio-mesh-traffic" };
    if (target.hostHeader) {
        headers.host = target.hostHeader;
    }
    if (opts.cookie) {
        headers.cookie = opts.cookie;
    }
    if (opts.body !== undefined) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        headers["content-length"] = String(Buffer.byteLength(opts.body));
    }
    return new Promise((resolve, reject) => {
        const req = lib.request(url, { method: opts.method ?? "GET", headers, agent: opts.agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    body: Buffer.concat(chunks).toString("utf8"),
                    cookies: (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]),
                }),
            );
            res.on("error", reject);
        });
        req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timed out")));
        req.on("error", reject);
        req.end(opts.body);
    });
}

/** Signs in through Bookinfo's form (POST /login, fields username and passwd); returns the cookie. */
export async function login(target: Target, user: string, agent: http.Agent): Promise<string> {
    const url = new URL("/login", target.url);
    const res = await request(target, url, {
        method: "POST",
        body: new URLSearchParams({ username: user, passwd: "" }).toString(),
        agent,
    });
    if (res.cookies.length === 0 || res.status >= 400) {
        throw new Error(
            `signing in as ${user} failed: POST ${url.pathname} answered HTTP ${res.status} without a session cookie`,
        );
    }
    return res.cookies.join("; ");
}

export interface TrafficResult {
    sent: number;
    byStatus: Map<string, number>;
    byVersion: Map<string, number>;
    elapsedMs: number;
}

function bump(m: Map<string, number>, k: string): void {
    m.set(k, (m.get(k) ?? 0) + 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Sends the plan's requests at its rate; `progress` is called about once a second. */
export async function sendTraffic(
    target: Target,
    plan: TrafficPlan,
    progress: (r: TrafficResult) => void,
): Promise<TrafficResult> {
    const agent = new (target.url.protocol === "https:" ? https.Agent : http.Agent)({ keepAlive: true });
    try {
        const cookie = plan.user ? await login(target, plan.user, agent) : undefined;
        const result: TrafficResult = { sent: 0, byStatus: new Map(), byVersion: new Map(), elapsedMs: 0 };
        const start = Date.now();
        const ticker = setInterval(() => progress({ ...result, elapsedMs: Date.now() - start }), 1000);
        const inFlight = new Set<Promise<void>>();
        try {
            for (let i = 0; i < plan.requests; i++) {
                const due = start + (i * 1000) / plan.rate;
                if (due - start >= plan.durationMs) {
                    break;
                }
                await sleep(due - Date.now());
                while (inFlight.size >= MAX_IN_FLIGHT) {
                    await Promise.race(inFlight);
                }
                result.sent++;
                const p: Promise<void> = request(target, target.url, { cookie, agent })
                    .then(
                        (res) => {
                            bump(result.byStatus, String(res.status));
                            if (res.status === 200 && plan.reviews !== false) {
                                bump(result.byVersion, reviewsVersion(res.body));
                            }
                        },
                        (err: Error) => bump(result.byStatus, `error (${err.message})`),
                    )
                    .finally(() => inFlight.delete(p));
                inFlight.add(p);
            }
            await Promise.all(inFlight);
        } finally {
            clearInterval(ticker);
        }
        result.elapsedMs = Date.now() - start;
        return result;
    } finally {
        agent.destroy();
    }
}

function pct(n: number, total: number): string {
    return total === 0 ? "-" : `${((100 * n) / total).toFixed(1)}%`;
}

/** The reviews row `npm run routes` shows for this kind of request, from the stack outputs. */
export function expectedReviews(
    routes: RouteRow[] | undefined,
    user: string | undefined,
): { label: string; row?: RouteRow } {
    const want = user ? `end-user: ${user}` : "anonymous";
    const reviews = (routes ?? []).filter((r) => r.service === "reviews");
    const row = reviews.find((r) => r.request === want);
    if (row) {
        return { label: `npm run routes (reviews, ${want})`, row };
    }
    // A user no rule names is routed as an anonymous request.
    const anon = reviews.find((r) => r.request === "anonymous");
    return anon
        ? { label: `npm run routes (reviews, anonymous: no rule names ${want})`, row: anon }
        : { label: "" };
}

export function formatReport(
    r: TrafficResult,
    target: Target,
    expected: { label: string; row?: RouteRow },
    versions = true,
): string[] {
    const lines = [
        `${r.sent} requests to ${target.url.href}${target.hostHeader ? ` (Host: ${target.hostHeader})` : ""} in ${(r.elapsedMs / 1000).toFixed(1)}s`,
        "by status:",
    ];
    for (const [status, n] of [...r.byStatus].sort()) {
        lines.push(`  ${status.padEnd(8)} ${String(n).padStart(6)}  ${pct(n, r.sent)}`);
    }
    if (!versions) {
        return lines;
    }
    const pages = [...r.byVersion.values()].reduce((a, b) => a + b, 0);
    const seenVersions = new Set([...r.byVersion.keys(), ...Object.keys(expected.row?.versions ?? {})]);
    lines.push(
        `by reviews version (of ${pages} pages)${expected.row ? `          expected by ${expected.label}` : ""}:`,
    );
    for (const v of [...seenVersions].sort()) {
        const n = r.byVersion.get(v) ?? 0;
        const exp = expected.row ? `${expected.row.versions[v] ?? 0}%` : "";
        lines.push(
            `  ${v.padEnd(11)} ${String(n).padStart(6)}  ${pct(n, pages).padStart(6)}   ${exp.padStart(6)}`,
        );
    }
    if (expected.row?.fault) {
        lines.push(`  (the route injects a fault: ${expected.row.fault})`);
    }
    return lines;
}

export async function trafficMain(args: ParsedCli, io: Io): Promise<number> {
    const plan = trafficPlan(args);
    const app = single(args, "--app");
    if (app !== undefined && plan.user !== undefined) {
        throw new UsageError("--user signs in to Bookinfo's product page; it does not go with --app");
    }
    const stack = args.stack ?? "dev";
    const outputs = stackOutputs(stack, readEnv(stack));
    const target = trafficTarget(stack, outputs, app);
    io.out(
        `sending ${plan.requests} requests at ${plan.rate}/s (at most ${(plan.durationMs / 1000).toFixed(0)}s) to ${target.url.href}` +
            (plan.user ? ` as ${plan.user}` : ""),
    );
    const tty = process.stderr.isTTY === true;
    const result = await sendTraffic(target, { ...plan, reviews: app === undefined }, (r) => {
        const answered = [...r.byStatus.values()].reduce((a, b) => a + b, 0);
        const versions = [...r.byVersion].map(([v, n]) => `${v} ${n}`).join(", ");
        const line = `sent ${r.sent}/${plan.requests}, answered ${answered}${versions ? ` (${versions})` : ""}`;
        if (tty) {
            process.stderr.write(`\r${line}   `);
        } else {
            io.err(line);
        }
    });
    if (tty) {
        process.stderr.write("\n");
    }
    formatReport(
        result,
        target,
        expectedReviews(outputs.bookinfoRoutes as RouteRow[] | undefined, plan.user),
        app === undefined,
    ).forEach((l) => io.out(l));
    const ok = result.byStatus.get("200") ?? 0;
    if (ok === 0) {
        io.err(
            `no request answered 200: is the stack's ${app ?? "Bookinfo"} up, and is this the right address?`,
        );
        return EXIT_NO;
    }
    return 0;
}

if (require.main === module) {
    cliMain(TRAFFIC_CLI, trafficMain);
}
