/**
 * Egress for details v2, which calls the Google Books API. details v2 runs with DO_NOT_ENCRYPT and
 * speaks plain HTTP to port 80; the sidecar originates TLS to 443 (see applications/egress.ts).
 */
import type { EgressSpec } from "../applications/model";

export const GOOGLE_APIS_HOST = "www.googleapis.com";

export const GOOGLE_APIS: EgressSpec = {
    name: "googleapis",
    host: GOOGLE_APIS_HOST,
    port: 443,
    tls: "originate",
};
