import * as assert from "assert";
import {
    DEFAULT_REVISION,
    injectionLabels,
    revisionFromName,
    revisionName,
} from "../../../components/shared/names";

describe("components/shared/names: the default revision", () => {
    it("names the unset revision once, and maps the name back", () => {
        assert.strictEqual(revisionName(undefined), DEFAULT_REVISION);
        assert.strictEqual(revisionFromName(DEFAULT_REVISION), undefined);
        assert.strictEqual(revisionName("1-31-0"), "1-31-0");
        assert.strictEqual(revisionFromName("1-31-0"), "1-31-0");
    });

    it("labels a namespace of the default revision with istio-injection, others with istio.io/rev", () => {
        assert.deepStrictEqual(injectionLabels(undefined), { "istio-injection": "enabled" });
        assert.deepStrictEqual(injectionLabels("canary"), { "istio.io/rev": "canary" });
    });
});
