import * as assert from "assert";
import { judgeGrowth, polyFit, t95 } from "../../tools/lib/benchStats";

const XS = [1, 5, 10, 20, 35, 50];
/** Deterministic, zero-mean jitter of the given amplitude (ms). */
const jitter = (amp: number) => XS.map((_, i) => amp * [0.9, -1, 0.4, -0.3, 1, -0.8][i]);

describe("bench statistics", () => {
    it("fits a line exactly, with zero residuals", () => {
        const fit = polyFit(
            XS,
            XS.map((n) => 40 + 0.8 * n),
            1,
        );
        assert.ok(Math.abs(fit.coef[0] - 40) < 1e-9 && Math.abs(fit.coef[1] - 0.8) < 1e-9, String(fit.coef));
        assert.ok(fit.sigma < 1e-9);
        assert.strictEqual(fit.dof, 4);
    });

    it("recovers a quadratic term", () => {
        const fit = polyFit(
            XS,
            XS.map((n) => 10 + 0.5 * n + 0.02 * n * n),
            2,
        );
        assert.ok(Math.abs(fit.coef[2] - 0.02) < 1e-9, String(fit.coef));
    });

    it("refuses a fit with too few distinct counts", () => {
        assert.throws(() => polyFit([1, 1, 2], [1, 2, 3], 2), /at least 3 distinct x values/);
    });

    it("uses Student's t for few degrees of freedom", () => {
        assert.strictEqual(t95(4), 2.78);
        assert.strictEqual(t95(100), 1.96);
        assert.strictEqual(t95(0), Infinity);
    });

    it("calls clean linear growth linear, with its slope", () => {
        const ys = XS.map((n, i) => 50 + 0.8 * n + jitter(0.3)[i]);
        const v = judgeGrowth(XS, ys);
        assert.strictEqual(v.growth, "linear", v.text);
        assert.ok(Math.abs(v.slope - 0.8) < 0.05, v.text);
        assert.match(v.text, /^linear: 0\.\d\d ± 0\.\d\d ms per namespace/);
        // The applications row is judged by the same fit, in its own unit.
        assert.match(judgeGrowth(XS, ys, "application").text, /ms per application \(95%\)/);
    });

    it("calls quadratic growth superlinear", () => {
        const ys = XS.map((n, i) => 50 + 0.2 * n + 0.05 * n * n + jitter(0.3)[i]);
        const v = judgeGrowth(XS, ys);
        assert.strictEqual(v.growth, "superlinear", v.text);
    });

    it("claims nothing when the numbers are noise (the old two-point heuristic said 'met')", () => {
        // Flat evaluation time with a few ms of scheduler noise: no slope to speak of.
        const ys = XS.map((_, i) => 60 + jitter(3)[i]);
        const v = judgeGrowth(XS, ys);
        assert.strictEqual(v.growth, "noise", v.text);
        assert.match(v.text, /^inconclusive: noise/);
    });

    it("claims nothing from a tiny slope buried in noise", () => {
        const ys = XS.map((n, i) => 60 + 0.02 * n + jitter(4)[i]);
        assert.strictEqual(judgeGrowth(XS, ys).growth, "noise");
    });
});
