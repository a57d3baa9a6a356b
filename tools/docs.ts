/** npm run docs: regenerates the config reference in README.md from Pulumi.yaml and the stack files. */
import * as fs from "fs";
import * as path from "path";
import { withConfigReference } from "./lib/configDocs";
import { PROJECT_ROOT } from "./lib/stackFiles";

const file = path.join(PROJECT_ROOT, "README.md");
const before = fs.readFileSync(file, "utf8");
const after = withConfigReference(before);
fs.writeFileSync(file, after);
console.log(
    before === after ? "README.md config reference is up to date" : "README.md config reference updated",
);
