/**
 * Kubernetes resource quantities (k8s.io/apimachinery pkg/api/resource/quantity.go): a decimal
 * number with an optional binary suffix (Ki, Mi, ... Ei), decimal suffix (n, u, m, k, M, G, T, P, E)
 * or decimal exponent (1e3). Parsed to a plain number so that two quantities can be compared
 * (`1Gi` is more than `1000Mi`); precision beyond a double does not matter for config checks.
 */

/** The forms this project accepts (a subset of the API's: no sign, no uppercase "K"). */
export const QUANTITY =
    /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(n|u|m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The value of a quantity in base units (cores, bytes), or undefined when it is not one. */
export function quantityValue(q: string): number | undefined {
    const m = QUANTITY.exec(q);
    if (m === null) {
        return undefined;
    }
    const n = Number(m[1]);
    const suffix = m[3] ?? "";
    if (/^[eE]/.test(suffix)) {
        return n * 10 ** Number(suffix.slice(1));
    }
    return n * SUFFIX[suffix];
}
