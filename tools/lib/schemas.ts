/**
 * Validates rendered objects against the Kubernetes, Istio, Gateway API and cert-manager OpenAPI schemas shipped
 * by kubernetes-models. Those packages are ESM-only, so their per-kind modules are imported by file.
 */
import * as path from "path";
import { pathToFileURL } from "url";
import type { K8sObject } from "./render";
import { PROJECT_ROOT } from "./stackFiles";

interface ModelClass {
    new (data: unknown): { validate(): void };
}

// A real dynamic import: TypeScript would compile `import()` to `require()` in CommonJS output.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function("url", "return import(url)") as (
    url: string,
) => Promise<Record<string, unknown>>;

function modulePath(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    let pkg: string;
    let sub: string;
    if (group.endsWith(".istio.io")) {
        pkg = "@kubernetes-models/istio";
        sub = `${group}/${version}/${kind}`;
    } else if (group === "gateway.networking.k8s.io") {
        pkg = "@kubernetes-models/gateway-api";
        sub = `${group}/${version}/${kind}`;
    } else if (group.endsWith("cert-manager.io")) {
        pkg = "@kubernetes-models/cert-manager";
        sub = `${group}/${version}/${kind}`;
    } else {
        pkg = "kubernetes-models";
        sub = group === "" ? `${version}/${kind}` : `${group}/${version}/${kind}`;
    }
    return path.join(PROJECT_ROOT, "node_modules", pkg, `${sub}.js`);
}

const cache = new Map<string, ModelClass>();

export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
    const key = `${apiVersion}/${kind}`;
    const hit = cache.get(key);
    if (hit) {
        return hit;
    }
    const mod = await importEsm(pathToFileURL(modulePath(apiVersion, kind)).href);
    const cls = mod[kind] as ModelClass | undefined;
    if (!cls) {
        throw new Error(`no schema for ${key}`);
    }
    cache.set(key, cls);
    return cls;
}

/** Throws with the object's identity and the schema error when it does not validate. */
export async function validateObject(obj: K8sObject): Promise<void> {
    const Model = await modelFor(obj.apiVersion, obj.kind);
    try {
        new Model(obj).validate();
    } catch (e) {
        const id = `${obj.apiVersion} ${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
        throw new Error(`${id} does not match its schema: ${(e as Error).message}`);
    }
}
