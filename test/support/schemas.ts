/** Schema validation lives with the tools (`npm run check` uses it too); re-exported for tests. */
export { modelFor, validateObject } from "../../tools/lib/schemas";
