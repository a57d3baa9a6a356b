import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { Io, runCli } from "../../tools/lib/cli";
import { TRAFFIC_CLI, reviewsVersion, trafficMain } from "../../tools/traffic";
import { FakeClis } from "../support/fakeCli";
import { renderStack } from "../support/stacks";

/**
 * `npm run traffic` against a stand-in Bookinfo on 127.0.0.1 (never anything else) and a stand-in
 * pulumi that prints the dev stack's outputs with the product page moved to that server.
 */

/** A review block as Bookinfo's productpage template renders it (see tools/traffic.ts). */
function page(version: "v1" | "v2" | "v3", pod = true): string {
    const stars =
        version === "v1"
            ? ""
            : `<div class="flex gap-x-1 text-${version === "v2" ? "black" : "red"}-500">
              <svg id="glyphicon glyphicon-star" class="h-5 w-5 flex-none" viewBox="0 0 20 20"></svg>`;
    const servedBy = pod
        ? `<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: \n                  reviews-${version}-5b667bcbf8-x2x7z\n`
        : "";
    return `<html><h4 class="text-3xl font-semibold">Book Reviews</h4><section>${stars}<blockquote><p>"An extremely entertaining play."</p></blockquote>${servedBy}</section></html>`;
}

describe("npm run traffic", function () {
    this.timeout(60000);
    let fake: FakeClis;
    let server: http.Server;
    let port: number;
    const seen: { method: string; url: string; host?: string; cookie?: string; body: string }[] = [];
    let outputs: Record<string, unknown>;

    before(async () => {
        outputs = (await renderStack("dev")).outputs;
        let n = 0;
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                seen.push({
                    method: req.method ?? "",
                    url: req.url ?? "",
                    host: req.headers.host,
                    cookie: req.headers.cookie,
                    body,
                });
                if (req.method === "POST" && req.url === "/login") {
                    const user = new URLSearchParams(body).get("username");
                    res.writeHead(302, {
                        location: "/productpage",
                        "set-cookie": `session=signed-${user}; HttpOnly; Path=/`,
                    });
                    res.end();
                } else if (req.url === "/" && req.headers.host === "shop.example.com") {
                    res.writeHead(200, { "content-type": "text/plain" });
                    res.end("shop");
                } else if (req.url === "/productpage") {
                    // jason gets v2 (the reviews-v2 "end-user" variant); others alternate v1 and v3.
                    const v =
                        req.headers.cookie === "session=signed-jason" ? "v2" : n++ % 2 === 0 ? "v1" : "v3";
                    res.writeHead(200, { "content-type": "text/html" });
                    res.end(page(v));
                } else {
                    res.writeHead(404);
                    res.end();
                }
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
    });
    after(() => server.close());

    beforeEach(() => {
        seen.length = 0;
        fake = new FakeClis("traffic-");
        fake.activate();
    });
    afterEach(() => fake.cleanup());

    function deployedAt(hostHeader?: string): void {
        const requestUrl = `http://127.0.0.1:${port}/productpage`;
        fake.addPulumi({
            ...outputs,
            productPageUrl: hostHeader ? `http://${hostHeader}/productpage` : requestUrl,
            productPage: { url: requestUrl, requestUrl, ...(hostHeader ? { hostHeader } : {}), curl: "curl" },
        });
    }

    async function traffic(argv: string[]) {
        const out: string[] = [];
        const err: string[] = [];
        const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
        const code = await runCli(TRAFFIC_CLI, trafficMain, argv, io);
        return { code, out: out.join("\n"), err: err.join("\n") };
    }

    it("sends N requests with the Host header and reports them by status and reviews version next to the routes", async () => {
        deployedAt("bookinfo.example.com");
        const res = await traffic(["--requests", "20", "--rate", "100"]);
        assert.strictEqual(res.code, 0, res.err);
        const pages = seen.filter((s) => s.url === "/productpage");
        assert.strictEqual(pages.length, 20);
        assert.ok(pages.every((s) => s.host === "bookinfo.example.com" && s.cookie === undefined));
        assert.match(
            res.out,
            /^20 requests to http:\/\/127\.0\.0\.1:\d+\/productpage \(Host: bookinfo\.example\.com\)/m,
        );
        assert.match(res.out, /^ {2}200 +20 +100\.0%$/m);
        assert.match(
            res.out,
            /by reviews version \(of 20 pages\) +expected by npm run routes \(reviews, anonymous\):/,
        );
        // The dev stack routes every anonymous request to v1 (bookinfoRoutes); the stand-in does not.
        const routes = (
            outputs.bookinfoRoutes as { service: string; request: string; versions: Record<string, number> }[]
        ).find((r) => r.service === "reviews" && r.request === "anonymous");
        assert.ok(routes);
        assert.match(res.out, new RegExp(`^ {2}v1 +10 +50\\.0% +${routes.versions.v1 ?? 0}%$`, "m"));
        assert.match(res.out, /^ {2}v3 +10 +50\.0% +0%$/m);
    });

    it("--app sends to that application's ingress with its Host header and reports by status", async () => {
        const requestUrl = `http://127.0.0.1:${port}/`;
        fake.addPulumi({
            ...outputs,
            applicationIngress: {
                shop: {
                    url: "http://shop.example.com:8080/",
                    requestUrl,
                    hostHeader: "shop.example.com",
                    curl: "curl",
                },
            },
        });
        const res = await traffic(["--app", "shop", "--requests", "6", "--rate", "100"]);
        assert.strictEqual(res.code, 0, res.err);
        const sent = seen.filter((s) => s.url === "/");
        assert.ok(sent.length === 6 && sent.every((s) => s.host === "shop.example.com"));
        assert.match(res.out, /^6 requests to http:\/\/127\.0\.0\.1:\d+\/ \(Host: shop\.example\.com\)/m);
        assert.match(res.out, /^ {2}200 +6 +100\.0%$/m);
        // Versions are read from Bookinfo's page only; an application's responses are its own.
        assert.doesNotMatch(res.out, /by reviews version/);

        const unknown = await traffic(["--app", "cart", "--requests", "1"]);
        assert.strictEqual(unknown.code, 2);
        assert.match(unknown.err, /no application "cart" with an ingress; applications with one: shop/);
        const withUser = await traffic(["--app", "shop", "--user", "jason"]);
        assert.strictEqual(withUser.code, 2);
        assert.match(withUser.err, /--user .* does not go with --app/);
        assert.strictEqual(seen.filter((s) => s.url === "/").length, 6, "the refused runs sent nothing");
    });

    it("--user signs in through POST /login and keeps the session cookie", async () => {
        deployedAt();
        const res = await traffic(["--requests", "5", "--rate", "100", "--user", "jason"]);
        assert.strictEqual(res.code, 0, res.err);
        const loginCall = seen.find((s) => s.method === "POST");
        assert.ok(loginCall);
        assert.strictEqual(loginCall.url, "/login");
        assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(loginCall.body)), {
            username: "jason",
            passwd: "",
        });
        const pages = seen.filter((s) => s.url === "/productpage");
        assert.ok(pages.length === 5 && pages.every((s) => s.cookie === "session=signed-jason"));
        assert.match(res.out, /^ {2}v2 +5 +100\.0%/m);
        assert.match(res.out, /expected by npm run routes \(reviews, end-user: jason\)/);
    });

    it("keeps a steady rate and stops by itself after --duration", async () => {
        deployedAt();
        const start = Date.now();
        const res = await traffic(["--duration", "1s", "--rate", "10"]);
        const elapsed = Date.now() - start;
        assert.strictEqual(res.code, 0, res.err);
        const pages = seen.filter((s) => s.url === "/productpage").length;
        assert.strictEqual(pages, 10);
        assert.ok(elapsed >= 850 && elapsed < 5000, `took ${elapsed}ms`);
    });

    it("refuses bad bounds, and says when the stack is not deployed or has no address yet", async () => {
        for (const [argv, msg] of [
            [["--requests", "10", "--duration", "5s"], /--requests or --duration, not both/],
            [["--requests", "0"], /--requests "0" is out of range: 1 to 100000/],
            [["--requests", "1e9"], /--requests "1e9" is out of range/],
            [["--duration", "2h"], /--duration 2h is out of range/],
            [["--duration", "soon"], /"soon" is not a duration/],
            [["--rate", "0"], /--rate "0" is out of range/],
            [["--user", "a b"], /--user "a b"/],
        ] as [string[], RegExp][]) {
            const res = await traffic(argv);
            assert.strictEqual(res.code, 2, argv.join(" "));
            assert.match(res.err, msg);
        }
        assert.strictEqual(seen.length, 0, "no request sent");

        fake.addPulumi(undefined);
        const notDeployed = await traffic([]);
        assert.strictEqual(notDeployed.code, 1);
        assert.match(notDeployed.err, /stack dev is not deployed .*npm run up -- dev/);

        const prod = (await renderStack("prod")).outputs;
        fake.addPulumi(prod);
        const noAddress = await traffic(["--stack", "prod"]);
        assert.strictEqual(noAddress.code, 1);
        assert.match(
            noAddress.err,
            /the gateway's address is not in stack prod's outputs yet .*find it with: echo "http:\/\/\$\(kubectl /,
        );
        assert.strictEqual(seen.length, 0, "no request sent");
    });

    it("reads the reviews version from the page as Bookinfo renders it", () => {
        assert.strictEqual(reviewsVersion(page("v1")), "v1");
        assert.strictEqual(reviewsVersion(page("v2")), "v2");
        assert.strictEqual(reviewsVersion(page("v3")), "v3");
        // Without the pod name: the stars (none, black, red).
        assert.strictEqual(reviewsVersion(page("v1", false)), "v1");
        assert.strictEqual(reviewsVersion(page("v2", false)), "v2");
        assert.strictEqual(reviewsVersion(page("v3", false)), "v3");
        assert.strictEqual(
            reviewsVersion('<font color="red"><span class="glyphicon glyphicon-star"></span></font>'),
            "v3",
        );
        assert.strictEqual(reviewsVersion("<p>Error fetching product reviews</p>"), "unavailable");
        assert.strictEqual(reviewsVersion("<html></html>"), "unknown");
    });
});
