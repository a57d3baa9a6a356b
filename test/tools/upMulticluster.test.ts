import * as assert from "assert";
import * as path from "path";
import { isLocalStack, repositoryPeers, runUp } from "../../tools/up";
import { FakeClis, collectIo } from "../support/fakeCli";

/** `npm run up -- dev-east`: the multi-cluster pair on this machine, against a stand-in pulumi CLI. */
describe("npm run up for a multi-cluster stack", function () {
    this.timeout(60000);
    let fake: FakeClis;

    beforeEach(() => {
        fake = new FakeClis("up-mc-");
        fake.addPulumi({ multicluster: { clusterName: "east" } });
        fake.add("kind", "exit 0");
    });
    afterEach(() => fake.cleanup());

    it("keeps the dev-* stacks local, like dev", () => {
        assert.ok(isLocalStack("dev-east") && isLocalStack("dev-west") && isLocalStack("dev"));
        assert.ok(!isLocalStack("staging") && !isLocalStack("prod"));
    });

    it("names the peers that are stacks of this repository", () => {
        assert.deepStrictEqual(repositoryPeers("dev-east"), ["dev-west"]);
        assert.deepStrictEqual(repositoryPeers("dev"), []);
    });

    it("creates a missing peer stack (empty, so the program waits for it), then selects and deploys its own", async () => {
        fake.activate({});
        const c = collectIo();
        const status = await runUp(["dev-east", "--yes"], c.io);
        assert.strictEqual(status, 0, c.stderr());
        const state = path.join(fake.dir, "state");
        const env = `| backend=file://${state} | passphrase=${path.join(state, "dev.passphrase")}`;
        const calls = fake
            .calls()
            .filter((x) => x.startsWith("pulumi "))
            .map((x) => x.slice("pulumi ".length));
        assert.deepStrictEqual(calls.slice(-4), [
            `stack select --create dev-west --secrets-provider passphrase ${env}`,
            `stack select --create dev-east --secrets-provider passphrase ${env}`,
            `up --stack dev-east --yes ${env}`,
            `stack output --json --stack dev-east ${env}`,
        ]);
    });
});
