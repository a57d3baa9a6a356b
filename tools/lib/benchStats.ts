/**
 * The statistics behind `npm run bench`'s growth verdict: least-squares fits of evaluation time
 * against the number of application namespaces, and a verdict that claims linear growth only when
 * the measured slope stands out of the noise.
 */

export interface Fit {
    /** Coefficients, constant term first: t = c[0] + c[1]·n (+ c[2]·n²). */
    coef: number[];
    /** Standard error of each coefficient. */
    se: number[];
    /** Residual standard deviation (ms). */
    sigma: number;
    /** Degrees of freedom of the residuals. */
    dof: number;
}

/** Two-sided 95% critical values of Student's t, by degrees of freedom (1..10); 1.96 beyond. */
const T95 = [NaN, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

export function t95(dof: number): number {
    return dof >= 1 && dof < T95.length ? T95[dof] : dof >= T95.length ? 1.96 : Infinity;
}

/** Solves the small symmetric system a·x = b (Gauss-Jordan with partial pivoting); also returns a⁻¹. */
function solve(a: number[][], b: number[]): { x: number[]; inv: number[][] } {
    const k = a.length;
    const m = a.map((row, i) => [...row, b[i], ...row.map((_, j) => (i === j ? 1 : 0))]);
    for (let col = 0; col < k; col++) {
        let pivot = col;
        for (let r = col + 1; r < k; r++) {
            if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                pivot = r;
            }
        }
        if (Math.abs(m[pivot][col]) < 1e-12) {
            throw new Error("degenerate fit: need more distinct namespace counts");
        }
        [m[col], m[pivot]] = [m[pivot], m[col]];
        const p = m[col][col];
        m[col] = m[col].map((v) => v / p);
        for (let r = 0; r < k; r++) {
            if (r !== col) {
                const f = m[r][col];
                m[r] = m[r].map((v, j) => v - f * m[col][j]);
            }
        }
    }
    return { x: m.map((row) => row[k]), inv: m.map((row) => row.slice(k + 1)) };
}

/** Ordinary least squares of ys on the polynomial terms 1, x, ..., x^degree. */
export function polyFit(xs: number[], ys: number[], degree: 1 | 2): Fit {
    if (xs.length !== ys.length) {
        throw new Error("xs and ys differ in length");
    }
    const k = degree + 1;
    if (new Set(xs).size < k) {
        throw new Error(`a degree-${degree} fit needs at least ${k} distinct x values`);
    }
    const rows = xs.map((x) => Array.from({ length: k }, (_, p) => x ** p));
    const xtx = Array.from({ length: k }, (_, i) =>
        Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0)),
    );
    const xty = Array.from({ length: k }, (_, i) => rows.reduce((s, r, n) => s + r[i] * ys[n], 0));
    const { x: coef, inv } = solve(xtx, xty);
    const dof = xs.length - k;
    const rss = rows.reduce((s, r, n) => s + (ys[n] - r.reduce((t, v, p) => t + v * coef[p], 0)) ** 2, 0);
    const sigma = dof > 0 ? Math.sqrt(rss / dof) : NaN;
    return { coef, se: inv.map((row, i) => sigma * Math.sqrt(row[i])), sigma, dof };
}

export type Growth = "linear" | "superlinear" | "noise";

export interface GrowthVerdict {
    growth: Growth;
    /** Fitted cost of one more namespace (ms) and its 95% confidence half-width. */
    slope: number;
    slopeCi: number;
    /** Share of the fitted growth from 0 to the largest count that the quadratic term explains. */
    curvature: number;
    text: string;
}

/** Share of the growth the quadratic term may explain before growth counts as superlinear. */
export const MAX_CURVATURE = 0.25;

/**
 * Linear when the fitted slope is significantly above zero (its 95% interval excludes 0) and a
 * quadratic term is either not significant or explains at most {@link MAX_CURVATURE} of the growth
 * up to the largest count; superlinear when a significant quadratic term explains more; otherwise
 * the numbers are noise and nothing is claimed.
 */
export function judgeGrowth(xs: number[], ys: number[], unit = "namespace"): GrowthVerdict {
    const lin = polyFit(xs, ys, 1);
    const quad = polyFit(xs, ys, 2);
    const slope = lin.coef[1];
    const slopeCi = t95(lin.dof) * lin.se[1];
    const nMax = Math.max(...xs);
    const growthTo = quad.coef[1] * nMax + quad.coef[2] * nMax ** 2;
    const curvature = growthTo > 0 ? (quad.coef[2] * nMax ** 2) / growthTo : 0;
    const quadSignificant = quad.coef[2] - t95(quad.dof) * quad.se[2] > 0;
    const ms = (v: number) => v.toFixed(2);
    const fitted = `${ms(slope)} ± ${ms(slopeCi)} ms per ${unit} (95%), residual sd ${ms(lin.sigma)} ms`;
    if (quadSignificant && curvature > MAX_CURVATURE) {
        return {
            growth: "superlinear",
            slope,
            slopeCi,
            curvature,
            text: `superlinear: the quadratic term explains ${(curvature * 100).toFixed(0)}% of the growth to ${nMax} ${unit}s (${fitted})`,
        };
    }
    if (!(slope - slopeCi > 0)) {
        return {
            growth: "noise",
            slope,
            slopeCi,
            curvature,
            text: `inconclusive: noise (${fitted}: the slope is not distinguishable from zero)`,
        };
    }
    return { growth: "linear", slope, slopeCi, curvature, text: `linear: ${fitted}` };
}
