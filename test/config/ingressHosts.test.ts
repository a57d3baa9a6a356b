import * as assert from "assert";
import { namedIngressHosts } from "../../config";
import { parsedStack } from "../support/stacks";

function parsed(overrides: Record<string, string>) {
    return parsedStack("dev", overrides).config;
}

describe("config: the hosts the ingresses name", () => {
    it("collects Bookinfo's, the applications' and the exposed UIs' hosts, never '*'", () => {
        const cfg = parsed({
            "bookinfo.hosts[0]": "*",
            "bookinfo.hosts[1]": "books.example.com",
            "observability.kiali.ingress.enabled": "true",
            "observability.kiali.ingress.host": "kiali.example.com",
            "tls.hosts[1]": "kiali.example.com",
        });
        const hosts = namedIngressHosts(cfg);
        assert.ok(hosts.includes("books.example.com"), hosts.join(", "));
        assert.ok(hosts.includes(cfg.observability.kiali.ingress.host), hosts.join(", "));
        assert.ok(!hosts.includes("*"));
    });

    it("leaves out the hosts of what is not deployed", () => {
        const cfg = parsed({ "bookinfo.hosts[0]": "books.example.com", "bookinfo.enabled": "false" });
        assert.ok(!namedIngressHosts(cfg).includes("books.example.com"));
    });
});
