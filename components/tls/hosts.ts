/**
 * Host names: what a valid certificate DNS name is, and which names a certificate covers.
 *
 * Pure functions, so the rules are tested without the engine. Istio serves a Gateway's HTTPS hosts
 * with whatever certificate `credentialName` holds; a host the certificate does not cover fails the
 * TLS handshake in the browser, which is why the program checks coverage before it deploys.
 */

import type { ConfigIssue } from "../../config/reader";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * Why `name` is not a DNS name usable in a certificate and a Gateway, or undefined when it is.
 * Accepted: lowercase, fully qualified (two labels or more), optionally one leading `*.` wildcard.
 */
export function dnsNameProblem(name: string): string | undefined {
    if (name.length > MAX_NAME) {
        return `longer than ${MAX_NAME} characters`;
    }
    const labels = name.split(".");
    const wildcard = labels[0] === "*";
    const rest = wildcard ? labels.slice(1) : labels;
    if (rest.length < 2) {
        return wildcard
            ? "a wildcard needs at least two labels after '*.' (e.g. *.example.com)"
            : "expected a fully qualified name such as bookinfo.example.com";
    }
    for (const label of rest) {
        if (label.includes("*")) {
            return "'*' is only allowed as the whole first label (e.g. *.example.com)";
        }
        if (label.length > MAX_LABEL) {
            return `label ${JSON.stringify(label)} is longer than ${MAX_LABEL} characters`;
        }
        if (!LABEL.test(label)) {
            return `label ${JSON.stringify(label)} must be lowercase letters, digits and '-', not starting or ending with '-'`;
        }
    }
    if (/^[0-9]+$/.test(rest[rest.length - 1])) {
        return "IP addresses are not DNS names";
    }
    return undefined;
}

/**
 * Whether a certificate DNS name covers a host, per RFC 6125 section 6.4.3: a wildcard matches
 * exactly one whole left-most label, so `*.example.com` covers `a.example.com` but neither
 * `example.com` nor `a.b.example.com`. A wildcard host is covered only by the same wildcard.
 */
export function dnsNameCovers(dnsName: string, host: string): boolean {
    const name = dnsName.toLowerCase();
    const h = host.toLowerCase();
    if (name === h) {
        return true;
    }
    if (!name.startsWith("*.") || h.startsWith("*.")) {
        return false;
    }
    const dot = h.indexOf(".");
    return dot > 0 && h.slice(dot) === name.slice(1);
}

/** The hosts that no DNS name of the certificate covers (empty when all are served correctly). */
export function uncoveredHosts(hosts: readonly string[], dnsNames: readonly string[]): string[] {
    return hosts.filter((h) => !dnsNames.some((n) => dnsNameCovers(n, h)));
}

/**
 * Problems with serving `gatewayHosts` over HTTPS with the certificate for `dnsNames`, as config
 * issues (keyed `tls.hosts`), so the program can refuse before it creates anything.
 */
export function gatewayTlsIssues(
    gatewayHosts: readonly string[],
    dnsNames: readonly string[],
): ConfigIssue[] {
    const missing = uncoveredHosts(gatewayHosts, dnsNames);
    return missing.length === 0
        ? []
        : [
              {
                  key: "tls.hosts",
                  message:
                      `the Gateway serves ${missing.map((h) => JSON.stringify(h)).join(", ")} over HTTPS ` +
                      `but the certificate covers only ${dnsNames.join(", ") || "nothing"}; add them to tls.hosts`,
              },
          ];
}
