/**
 * Turns an {@link Evaluation} into the offline render: the Kubernetes objects the program declares,
 * the Helm charts it installs, and its resource graph. Secret values never leave this module in
 * plaintext: Pulumi secrets, and every value of a Kubernetes Secret, become "[secret]".
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import {
    CERT_MANAGER_TYPE,
    CONFIG_FILE_TYPE,
    CapturedResource,
    Evaluation,
    ResourceOptionsRecord,
    isSecretWrapper,
} from "./mockRuntime";
import { SECRET_PLACEHOLDER } from "./stackFiles";

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
    [field: string]: unknown;
}

export interface ChartRecord {
    resource: string;
    type: string;
    release: string;
    chart: string;
    repository: string;
    version: string;
    namespace: string;
    values: unknown;
}

/** The Kubernetes identity of a resource that is a Kubernetes object. */
export interface ObjectIdentity {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name?: string;
}

/** Resource options where set, and the explicit provider (by URN) of a custom resource. */
export interface RecordedOptions extends ResourceOptionsRecord {
    provider?: string;
}

export interface ResourceRecord {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    dependsOn: string[];
    dependencies: string[];
    /** Absent when no option is set; renders from before options were recorded never have it. */
    options?: RecordedOptions;
    /** For a Kubernetes object: which object it is, so a diff can tell a rename from a new object. */
    object?: ObjectIdentity;
}

export interface Rendered {
    manifests: K8sObject[];
    charts: ChartRecord[];
    resources: ResourceRecord[];
    outputs: Record<string, unknown>;
}

/** Removes secrets and undefined values, recursively. */
export function redact(v: unknown): unknown {
    if (isSecretWrapper(v)) {
        return SECRET_PLACEHOLDER;
    }
    if (Array.isArray(v)) {
        return v.map(redact);
    }
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (x !== undefined) {
                out[k] = redact(x);
            }
        }
        return out;
    }
    return v;
}

const NOT_OBJECTS = /^(pulumi:providers:|kubernetes:helm\.sh\/|kubernetes:yaml\/)/;

export function isK8sObject(r: CapturedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !NOT_OBJECTS.test(r.type);
}

export function isChart(r: CapturedResource): boolean {
    return (
        r.type === "kubernetes:helm.sh/v4:Chart" ||
        r.type === "kubernetes:helm.sh/v3:Release" ||
        r.type === CERT_MANAGER_TYPE ||
        r.type === CONFIG_FILE_TYPE
    );
}

/** Cluster-scoped and foundational kinds first, so the file reads (and applies) top-down. */
const KIND_ORDER = [
    "Namespace",
    "CustomResourceDefinition",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
];

function kindRank(kind: string): number {
    const i = KIND_ORDER.indexOf(kind);
    return i === -1 ? KIND_ORDER.length : i;
}

function toObject(r: CapturedResource): K8sObject {
    const obj = redact(r.inputs) as K8sObject;
    if (obj.kind === "Secret") {
        // Every value of a Secret is redacted, secret-marked or not; its keys stay readable. A
        // secret anywhere in `stringData` makes the whole map secret, so the keys come from inside.
        for (const field of ["data", "stringData"]) {
            const raw = r.inputs[field];
            const data = isSecretWrapper(raw) ? raw.value : raw;
            if (data !== null && typeof data === "object") {
                obj[field] = Object.fromEntries(Object.keys(data).map((k) => [k, SECRET_PLACEHOLDER]));
            } else if (data !== undefined) {
                obj[field] = SECRET_PLACEHOLDER;
            }
        }
    }
    return obj;
}

function objectKey(o: K8sObject): string[] {
    return [
        String(kindRank(o.kind)).padStart(3, "0"),
        o.apiVersion,
        o.kind,
        o.metadata.namespace ?? "",
        o.metadata.name ?? "",
    ];
}

function compareKeys(a: string[], b: string[]): number {
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }
    return 0;
}

/**
 * The cert-manager component takes its release's arguments under `helmOptions` and its typed chart
 * values as its other inputs, which it writes over `helmOptions.values`; the record shows the
 * values as the chart receives them.
 */
function chartInputs(r: CapturedResource): Record<string, unknown> {
    if (r.type !== CERT_MANAGER_TYPE) {
        return r.inputs;
    }
    const { helmOptions, ...typed } = r.inputs as { helmOptions?: { values?: object } };
    return { ...helmOptions, values: { ...helmOptions?.values, ...typed } };
}

/** The release tag in a manifest URL (`.../releases/download/v1.5.1/standard-install.yaml`). */
const URL_VERSION = /\/v?(\d+\.\d+\.\d+[^/]*)\/[^/]+$/;

/**
 * A manifest file applied by the provider (offline it has no children, like a Chart v4): recorded
 * with the charts so that the render shows what it installs and `npm run diff` a version change.
 * `chart` is the file or URL; `version` the release tag in that URL, empty when it has none.
 */
function manifestFileRecord(r: CapturedResource): ChartRecord {
    const raw = redact(r.inputs.file);
    const file = typeof raw === "string" ? raw : "";
    return {
        resource: r.name,
        type: r.type,
        release: r.name,
        chart: file,
        repository: "",
        version: URL_VERSION.exec(file)?.[1] ?? "",
        namespace: "",
        values: {},
    };
}

function chartRecord(r: CapturedResource): ChartRecord {
    if (r.type === CONFIG_FILE_TYPE) {
        return manifestFileRecord(r);
    }
    const i = redact(chartInputs(r)) as Record<string, string | undefined> & {
        repositoryOpts?: { repo?: string };
    };
    const repo = i.repositoryOpts?.repo ?? "";
    return {
        resource: r.name,
        type: r.type,
        release: i.name ?? r.name,
        chart: i.chart ?? "",
        repository: repo,
        version: i.version ?? "",
        namespace: i.namespace ?? "",
        values: i.values ?? {},
    };
}

function objectIdentity(r: CapturedResource): ObjectIdentity | undefined {
    if (!isK8sObject(r)) {
        return undefined;
    }
    const i = redact(r.inputs) as Partial<K8sObject>;
    return {
        apiVersion: String(i.apiVersion ?? ""),
        kind: String(i.kind ?? ""),
        namespace: i.metadata?.namespace,
        name: i.metadata?.name,
    };
}

function resourceRecord(r: CapturedResource): ResourceRecord {
    const options: RecordedOptions = {
        ...(r.provider === undefined ? {} : { provider: r.provider }),
        ...r.options,
    };
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependsOn: [...r.dependsOn].sort(),
        dependencies: [...r.dependencies].sort(),
        options: Object.keys(options).length > 0 ? options : undefined,
        object: objectIdentity(r),
    };
}

export function render(ev: Evaluation): Rendered {
    const manifests = ev.resources
        .filter(isK8sObject)
        .map(toObject)
        .sort((a, b) => compareKeys(objectKey(a), objectKey(b)));
    const charts = ev.resources
        .filter(isChart)
        .map(chartRecord)
        .sort((a, b) => a.resource.localeCompare(b.resource));
    const resources = ev.resources.map(resourceRecord).sort((a, b) => a.urn.localeCompare(b.urn));
    return { manifests, charts, resources, outputs: redact(ev.outputs) as Record<string, unknown> };
}

export function manifestsYaml(objects: K8sObject[]): string {
    return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}

export const RENDER_FILES = ["manifests.yaml", "charts.yaml", "resources.json", "outputs.json"] as const;

export function writeRendered(dir: string, r: Rendered): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const files: Record<(typeof RENDER_FILES)[number], string> = {
        "manifests.yaml": manifestsYaml(r.manifests),
        "charts.yaml": stringify(r.charts, { lineWidth: 0 }),
        "resources.json": JSON.stringify(r.resources, null, 2) + "\n",
        "outputs.json": JSON.stringify(r.outputs, null, 2) + "\n",
    };
    return Object.entries(files).map(([name, content]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    });
}
