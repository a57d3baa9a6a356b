/**
 * The versions Renovate bumps (.github/renovate.json5 `customManagers`), found and bumped exactly
 * as Renovate's regex manager does: each `matchStrings` regex runs over every file whose path
 * matches `managerFilePatterns`, and a bump replaces the `currentValue` group of the match
 * (https://docs.renovatebot.com/modules/manager/regex/). Used by the tests that keep bump pull
 * requests green, and by the config reference, which leaves these volatile defaults out.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./stackFiles";

export const RENOVATE_CONFIG = path.join(".github", "renovate.json5");

interface CustomManager {
    customType: string;
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate?: string;
    depNameTemplate?: string;
}

/** One pinned version in one file. */
export interface Pin {
    /** Project-relative path, with "/" separators. */
    file: string;
    datasource: string;
    depName: string;
    currentValue: string;
    /** Offset of currentValue in the file. */
    offset: number;
    /** For Pulumi.yaml, the config key whose default this is ("istio.version"). */
    configKey?: string;
}

/**
 * JSON5 as renovate.json5 uses it (comments, unquoted keys, single-quoted strings, trailing commas)
 * to JSON. Anything else JSON5 allows is left to JSON.parse to refuse.
 */
export function parseJson5(text: string): unknown {
    let out = "";
    let i = 0;
    const skipBlank = (from: number): number => {
        let j = from;
        for (;;) {
            if (/\s/.test(text[j] ?? "")) {
                j++;
            } else if (text.startsWith("//", j)) {
                j = text.indexOf("\n", j) < 0 ? text.length : text.indexOf("\n", j);
            } else if (text.startsWith("/*", j)) {
                j = text.indexOf("*/", j) + 2;
            } else {
                return j;
            }
        }
    };
    while (i < text.length) {
        const c = text[i];
        if (c === '"' || c === "'") {
            let value = "";
            let j = i + 1;
            while (j < text.length && text[j] !== c) {
                if (text[j] === "\\") {
                    const n = text[j + 1];
                    value += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n;
                    j += 2;
                } else {
                    value += text[j++];
                }
            }
            if (j >= text.length) {
                throw new Error(`unterminated string at offset ${i}`);
            }
            out += JSON.stringify(value);
            i = j + 1;
        } else if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) {
            i = skipBlank(i);
        } else if (/[A-Za-z_$]/.test(c)) {
            const ident = /^[\w$]+/.exec(text.slice(i))?.[0] ?? c;
            out += ["true", "false", "null"].includes(ident) ? ident : JSON.stringify(ident);
            i += ident.length;
        } else if (c === "," && "}]".includes(text[skipBlank(i + 1)] ?? "")) {
            i++;
        } else {
            out += c;
            i++;
        }
    }
    return JSON.parse(out);
}

interface PackageRule {
    matchDepNames?: string[];
    allowedVersions?: string;
}

function renovateConfig(root: string): { customManagers?: CustomManager[]; packageRules?: PackageRule[] } {
    return parseJson5(fs.readFileSync(path.join(root, RENOVATE_CONFIG), "utf8")) as {
        customManagers?: CustomManager[];
        packageRules?: PackageRule[];
    };
}

/** Numeric comparison of dotted versions ("v" prefix ignored). */
function compareVersions(a: string, b: string): number {
    const parts = (v: string) => v.replace(/^v/, "").split(".").map(Number);
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (x[i] ?? 0) - (y[i] ?? 0);
        if (d !== 0) {
            return d;
        }
    }
    return 0;
}

/**
 * The bump Renovate would propose for a pin: the next `kind` version, unless a packageRule's
 * `allowedVersions` ("<1.6", the only form used here) holds the dependency below it, then the next
 * patch.
 */
export function renovateNext(pin: Pin, kind: "major" | "minor" | "patch", root = PROJECT_ROOT): string {
    const bounds = (renovateConfig(root).packageRules ?? [])
        .filter((r) => r.matchDepNames?.includes(pin.depName) && r.allowedVersions)
        .map((r) => {
            const m = /^<\s*(v?[\d.]+)$/.exec(r.allowedVersions ?? "");
            if (!m) {
                throw new Error(
                    `${RENOVATE_CONFIG}: allowedVersions ${JSON.stringify(r.allowedVersions)} is not "<version"`,
                );
            }
            return m[1];
        });
    const next = nextVersion(pin.currentValue, kind);
    return bounds.every((b) => compareVersions(next, b) < 0) ? next : nextVersion(pin.currentValue, "patch");
}

export function customManagers(root = PROJECT_ROOT): CustomManager[] {
    return renovateConfig(root).customManagers ?? [];
}

/** A managerFilePatterns entry: "/regex/" (the only form this project uses). */
function filePattern(p: string): RegExp {
    const m = /^\/(.*)\/([a-z]*)$/.exec(p);
    if (!m) {
        throw new Error(`${RENOVATE_CONFIG}: managerFilePatterns ${JSON.stringify(p)} is not a /regex/`);
    }
    return new RegExp(m[1], m[2]);
}

function projectFiles(root: string, dir = ""): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
            return ["node_modules", ".git", "out", "rendered"].includes(e.name)
                ? []
                : projectFiles(root, rel);
        }
        return e.isFile() ? [rel] : [];
    });
}

/** Every pin of every custom manager, in the order of the managers. */
export function findPins(root = PROJECT_ROOT): Pin[] {
    const files = projectFiles(root);
    const pins: Pin[] = [];
    for (const m of customManagers(root)) {
        if (m.customType !== "regex") {
            continue;
        }
        const patterns = m.managerFilePatterns.map(filePattern);
        for (const file of files.filter((f) => patterns.some((p) => p.test(f)))) {
            const text = fs.readFileSync(path.join(root, file), "utf8");
            for (const source of m.matchStrings) {
                for (const match of text.matchAll(new RegExp(source, "gd"))) {
                    const groups = match.groups ?? {};
                    const indices = match.indices?.groups?.currentValue;
                    if (groups.currentValue === undefined || !indices) {
                        throw new Error(`${RENOVATE_CONFIG}: a match in ${file} has no currentValue group`);
                    }
                    pins.push({
                        file,
                        datasource: m.datasourceTemplate ?? "",
                        depName: m.depNameTemplate ?? groups.depName ?? "",
                        currentValue: groups.currentValue,
                        offset: indices[0],
                        configKey:
                            file === "Pulumi.yaml" ? /^\n {2}([\w.]+):\n/.exec(match[0])?.[1] : undefined,
                    });
                }
            }
        }
    }
    return pins;
}

/** The file's text with the pin's value replaced, as Renovate's bump commit changes it. */
export function bumpText(text: string, pin: Pin, newValue: string): string {
    if (text.slice(pin.offset, pin.offset + pin.currentValue.length) !== pin.currentValue) {
        throw new Error(`${pin.file} changed since its pins were read`);
    }
    return text.slice(0, pin.offset) + newValue + text.slice(pin.offset + pin.currentValue.length);
}

/**
 * The next version of the kind Renovate proposes: "minor" 1.30.5 -> 1.31.0, "patch" 1.30.5 ->
 * 1.30.6, "major" 1.30.5 -> 2.0.0; a "v" prefix is kept.
 */
export function nextVersion(v: string, kind: "major" | "minor" | "patch"): string {
    const m = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(v);
    if (!m) {
        throw new Error(`not a semantic version: ${v}`);
    }
    const [major, minor, patch] = [Number(m[2]), Number(m[3]), Number(m[4])];
    const next =
        kind === "major"
            ? [major + 1, 0, 0]
            : kind === "minor"
              ? [major, minor + 1, 0]
              : [major, minor, patch + 1];
    return `${m[1]}${next.join(".")}`;
}

/** Config keys whose Pulumi.yaml defaults Renovate bumps. */
export function renovatedConfigKeys(root = PROJECT_ROOT): Set<string> {
    return new Set(
        findPins(root)
            .map((p) => p.configKey)
            .filter((k): k is string => k !== undefined),
    );
}
