/**
 * `node -r ./tools/lib/register.cjs tools/<tool>.ts`: runs the offline tools and the tests from
 * TypeScript source with a compile cache, so that a CLI starts about as fast as node loads the
 * Pulumi SDKs.
 *
 * ts-node (transpile-only) loads the TypeScript compiler (about half a second) and transpiles every
 * module on every call. This hook does the same per-file transpilation (`ts.transpileModule` with
 * the project's tsconfig options, which is what ts-node's transpile-only mode does), but stores each
 * result under node_modules/.cache/istio-mesh-ts/, keyed by a hash of the source, its path, the
 * compiler options and the TypeScript version. A call whose modules are all cached never loads
 * TypeScript; an edited file is transpiled again on its next load. Type checking is `npm run
 * build`'s job, as with ts-node's transpile-only mode.
 *
 * `pulumi up` does not use this: the Pulumi CLI runs the program with its own ts-node registration
 * (Pulumi.yaml `runtime.options.typescript`).
 *
 * Stack traces point into the TypeScript source when ISTIO_MESH_DEBUG is set (inline source maps,
 * emitted and enabled only then: parsing them costs start-up time).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const CACHE = process.env.ISTIO_MESH_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "istio-mesh-ts");

/** @type {{ ts: typeof import("typescript"), options: import("typescript").CompilerOptions } | undefined} */
let compiler;
/** Identifies the compiler and its options; part of every cache key. */
let salt;

function tsconfigText() {
    return fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
}

function typescriptVersion() {
    // The package manifest, not the compiler: reading it costs nothing.
    return JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
}

function getSalt() {
    if (salt === undefined) {
        salt = `${typescriptVersion()}\0${tsconfigText()}\0${process.env.ISTIO_MESH_DEBUG ? "map" : ""}`;
    }
    return salt;
}

function getCompiler() {
    if (!compiler) {
        const ts = require("typescript");
        const parsed = ts.parseConfigFileTextToJson("tsconfig.json", tsconfigText());
        const { options, errors } = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions, ROOT);
        if (errors.length > 0) {
            throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(errors[0].messageText, "\n")}`);
        }
        // As ts-node's transpile-only mode: emit CommonJS, whatever noEmit says for `tsc`.
        compiler = {
            ts,
            options: {
                ...options,
                noEmit: false,
                declaration: false,
                sourceMap: false,
                inlineSourceMap: false,
                inlineSources: false,
                isolatedModules: true,
            },
        };
    }
    return compiler;
}

function transpile(source, filename) {
    const { ts, options } = getCompiler();
    const debug = Boolean(process.env.ISTIO_MESH_DEBUG);
    const out = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { ...options, inlineSourceMap: debug },
        reportDiagnostics: true,
    });
    const syntax = (out.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (syntax.length > 0) {
        const d = syntax[0];
        const where =
            d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
        const at = where ? `:${where.line + 1}:${where.character + 1}` : "";
        throw new SyntaxError(`${filename}${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
    return out.outputText;
}

/** Writes atomically: other processes (parallel tests, other worktrees) share the cache. */
function writeCached(file, text) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    try {
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, file);
    } catch {
        // A read-only or full cache only costs speed.
        fs.rmSync(tmp, { force: true });
    }
}

/** The module's JavaScript, from the cache in `cacheDir` or transpiled (and then cached). */
function compileCached(source, filename, cacheDir = CACHE) {
    const key = crypto
        .createHash("sha256")
        .update(getSalt())
        .update("\0")
        .update(filename)
        .update("\0")
        .update(source);
    const file = path.join(cacheDir, `${key.digest("hex")}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        // Not cached yet.
    }
    const text = transpile(source, filename);
    fs.mkdirSync(cacheDir, { recursive: true });
    writeCached(file, text);
    return text;
}

if (process.env.ISTIO_MESH_DEBUG) {
    process.setSourceMapsEnabled(true);
}

// Node's own code cache (V8 bytecode of every module, the SDKs' included) halves the time the
// SDKs take to load. Node checks each entry against the module's source; NODE_DISABLE_COMPILE_CACHE=1
// turns it off.
if (typeof Module.enableCompileCache === "function") {
    Module.enableCompileCache(path.join(ROOT, "node_modules", ".cache", "istio-mesh-v8"));
}

const jsLoader = Module._extensions[".js"];
Module._extensions[".ts"] = function loadTs(module, filename) {
    if (filename.split(path.sep).includes("node_modules")) {
        return jsLoader(module, filename);
    }
    const source = fs.readFileSync(filename, "utf8");
    module._compile(compileCached(source, filename), filename);
};

module.exports = { compileCached, CACHE };
