/** The root stack's intermediates: renewed before they expire, on the root stack's next up. */
import * as assert from "assert";
import { byType, evaluateStack } from "../../support/stacks";

const CERT = "tls:index/locallySignedCert:LocallySignedCert";

async function intermediates(overrides: { key: string; value: string }[] = []) {
    const certs = byType(await evaluateStack("dev-east", overrides), CERT);
    assert.ok(certs.length > 0, "the root stack issues intermediates");
    return certs.map((c) => ({
        validity: c.inputs.validityPeriodHours as number,
        renewal: c.inputs.earlyRenewalHours as number | undefined,
    }));
}

describe("multicluster intermediate CAs", () => {
    for (const overrides of [[], [{ key: "multicluster.trust.intermediateValidityHours", value: "100" }]]) {
        it(`are renewed a quarter of their validity before expiry (${JSON.stringify(overrides)})`, async () => {
            for (const c of await intermediates(overrides)) {
                assert.ok(typeof c.renewal === "number" && c.renewal > 0, `earlyRenewalHours ${c.renewal}`);
                assert.ok(
                    c.renewal < c.validity,
                    `${c.renewal} h of renewal within ${c.validity} h of validity`,
                );
                assert.strictEqual(c.renewal, Math.floor(c.validity / 4));
            }
        });
    }
});
