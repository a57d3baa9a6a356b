import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The loader the npm scripts and mocha run with; plain CommonJS, so required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileCached } = require("../../tools/lib/register.cjs") as {
    compileCached: (source: string, filename: string, cacheDir?: string) => string;
};

describe("tools/lib/register.cjs (compile cache)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-cache-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const file = path.join(os.tmpdir(), "example.ts");
    const source = 'import { x } from "./x";\nexport const y: number = x + 1;\n';

    it("transpiles to CommonJS with the project's options, types removed", () => {
        const js = compileCached(source, file, dir);
        assert.match(js, /require\("\.\/x"\)/);
        assert.match(js, /exports\.y = /);
        assert.doesNotMatch(js, /: number/);
    });

    it("serves a module from the cache on its next load, and transpiles an edited one again", () => {
        compileCached(source, file, dir);
        const [cached] = fs.readdirSync(dir);
        assert.ok(cached?.endsWith(".js"), String(cached));
        // Proof that the second load reads the cache: it returns what the cache holds.
        fs.writeFileSync(path.join(dir, cached), "/* from the cache */");
        assert.strictEqual(compileCached(source, file, dir), "/* from the cache */");
        const edited = compileCached(source.replace("x + 1", "x + 2"), file, dir);
        assert.match(edited, /x_1\.x \+ 2/);
        assert.strictEqual(fs.readdirSync(dir).length, 2);
    });

    it("keys the cache by path too: the same source elsewhere is another module", () => {
        compileCached(source, file, dir);
        compileCached(source, path.join(os.tmpdir(), "other.ts"), dir);
        assert.strictEqual(fs.readdirSync(dir).length, 2);
    });

    it("reports a syntax error with the file and line, and caches nothing", () => {
        assert.throws(
            () => compileCached("const a = ;\n", file, dir),
            (e: Error) => e instanceof SyntaxError && e.message.startsWith(`${file}:1:11: `),
        );
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });
});
