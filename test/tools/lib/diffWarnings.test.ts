import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describeResource, diffRendered, formatMarkdown, formatText } from "../../../tools/lib/diff";
import { IMMUTABLE_FIELDS, kindKey } from "../../../tools/lib/immutable";
import { evaluate } from "../../../tools/lib/mockRuntime";
import { Rendered, render } from "../../../tools/lib/render";
import { listStacks, loadStackConfig } from "../../../tools/lib/stackFiles";
import { matchUrns } from "../../../tools/lib/urns";
import { renderStack } from "../../support/stacks";

const LABELS = { stack: "dev", base: "base", head: "head" };

/** A small component with the project's naming convention: children `${name}-<role>`. */
class Box extends pulumi.ComponentResource {
    constructor(name: string, build: (parent: Box) => void, opts?: pulumi.ComponentResourceOptions) {
        super("istio-mesh:test:Box", name, {}, opts);
        build(this);
        this.registerOutputs({});
    }
}

interface Knobs {
    box?: string;
    boxAliases?: pulumi.Input<string | pulumi.Alias>[];
    ns?: string;
    nsAliases?: pulumi.Input<string | pulumi.Alias>[];
    protect?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    selector?: string;
    storageClass?: string;
    serviceType?: string;
    configData?: string;
}

/** Renders a program of a namespace, a Deployment, a PVC, a Service and a ConfigMap. */
async function renderProgram(k: Knobs = {}): Promise<Rendered> {
    const config = loadStackConfig("dev");
    const ev = await evaluate(config, () => {
        new Box(
            k.box ?? "box",
            (parent) => {
                const name = k.box ?? "box";
                new k8s.core.v1.Namespace(
                    `${name}-${k.ns ?? "ns"}`,
                    { metadata: { name: "apps" } },
                    {
                        parent,
                        protect: k.protect,
                        retainOnDelete: k.retainOnDelete,
                        aliases: k.nsAliases,
                    },
                );
                new k8s.apps.v1.Deployment(
                    `${name}-web`,
                    {
                        metadata: { name: "web", namespace: "apps" },
                        spec: {
                            selector: { matchLabels: { app: k.selector ?? "web" } },
                            template: {
                                metadata: { labels: { app: k.selector ?? "web" } },
                                spec: { containers: [{ name: "web", image: "nginx" }] },
                            },
                        },
                    },
                    { parent, ignoreChanges: k.ignoreChanges },
                );
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-data`,
                    {
                        metadata: { name: "data", namespace: "apps" },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: k.storageClass ?? "standard",
                            resources: { requests: { storage: "1Gi" } },
                        },
                    },
                    { parent },
                );
                new k8s.core.v1.Service(
                    `${name}-svc`,
                    {
                        metadata: { name: "web", namespace: "apps" },
                        spec: { type: k.serviceType ?? "ClusterIP", ports: [{ port: 80 }] },
                    },
                    { parent },
                );
                new k8s.core.v1.ConfigMap(
                    `${name}-cm`,
                    { metadata: { name: "web", namespace: "apps" }, data: { a: k.configData ?? "1" } },
                    { parent },
                );
            },
            { aliases: k.boxAliases },
        );
    });
    return render(ev);
}

function option(r: Rendered, name: string): Record<string, unknown> | undefined {
    const found = r.resources.find((x) => x.name === name);
    assert.ok(found, `resource ${name} rendered`);
    return found.options as Record<string, unknown> | undefined;
}

describe("render: resource options in resources.json", () => {
    it("records protect, retainOnDelete and ignoreChanges where set, and protect: false apart from unset", async () => {
        const set = await renderProgram({
            protect: true,
            retainOnDelete: true,
            ignoreChanges: ["spec.replicas"],
        });
        assert.strictEqual(option(set, "box-ns")?.protect, true);
        assert.strictEqual(option(set, "box-ns")?.retainOnDelete, true);
        assert.deepStrictEqual(option(set, "box-web")?.ignoreChanges, ["spec.replicas"]);
        const off = await renderProgram({ protect: false });
        assert.strictEqual(option(off, "box-ns")?.protect, false);
        const unset = await renderProgram();
        assert.ok(!("protect" in (option(unset, "box-ns") ?? {})), "unset protect is not recorded");
        assert.ok(!("retainOnDelete" in (option(unset, "box-ns") ?? {})));
        // The component's explicit options only: no provider, no option, no `options` key at all.
        assert.strictEqual(option(unset, "box"), undefined);
    });

    it("records aliases as the SDK sends them, and the Kubernetes identity of each object", async () => {
        const r = await renderProgram({ nsAliases: [{ name: "old-ns" }] });
        assert.deepStrictEqual(option(r, "box-ns")?.aliases, [{ name: "old-ns" }]);
        const ns = r.resources.find((x) => x.name === "box-ns");
        assert.deepStrictEqual(ns?.object, {
            apiVersion: "v1",
            kind: "Namespace",
            name: "apps",
            namespace: undefined,
        });
    });

    it("ties each Kubernetes resource to its object in manifests.yaml and to its provider", async () => {
        for (const stack of listStacks()) {
            const r = await renderStack(stack);
            const providers = new Set(
                r.resources.filter((x) => x.type === "pulumi:providers:kubernetes").map((x) => x.urn),
            );
            const objects = r.resources.filter((x) => x.object);
            assert.strictEqual(objects.length, r.manifests.length, `${stack}: one record per object`);
            for (const x of objects) {
                const o = x.object as NonNullable<typeof x.object>;
                assert.ok(
                    r.manifests.some(
                        (m) =>
                            m.apiVersion === o.apiVersion &&
                            m.kind === o.kind &&
                            m.metadata.namespace === o.namespace &&
                            m.metadata.name === o.name,
                    ),
                    `${stack}: ${x.name} is an object of manifests.yaml`,
                );
                assert.ok(providers.has(x.options?.provider ?? ""), `${stack}: ${x.name} names its provider`);
            }
        }
    });
});

describe("urns: which resource becomes which, as the engine decides", () => {
    it("a rename without an alias is a delete and a create; with one, or through the parent's, a match", async () => {
        const before = await renderProgram();
        const renamed = await renderProgram({ ns: "namespace" });
        const bare = matchUrns(before.resources, renamed.resources);
        assert.deepStrictEqual(
            bare.deleted.map((r) => r.name),
            ["box-ns"],
        );
        assert.deepStrictEqual(
            bare.created.map((r) => r.name),
            ["box-namespace"],
        );
        const aliased = matchUrns(
            before.resources,
            (await renderProgram({ ns: "namespace", nsAliases: [{ name: "box-ns" }] })).resources,
        );
        assert.deepStrictEqual([aliased.deleted, aliased.created], [[], []]);
        // Renaming the component with an alias carries its `${name}-<role>` children along.
        const parent = matchUrns(
            before.resources,
            (await renderProgram({ box: "crate", boxAliases: [{ name: "box" }] })).resources,
        );
        assert.deepStrictEqual([parent.deleted, parent.created], [[], []]);
        assert.ok(parent.matched.some((m) => m.before.name === "box-web" && m.after.name === "crate-web"));
        // Without the component's alias every child is deleted and created.
        const orphaned = matchUrns(before.resources, (await renderProgram({ box: "crate" })).resources);
        assert.strictEqual(orphaned.deleted.length, before.resources.length);
    });
});

describe("npm run diff: warnings at the top", () => {
    it("reports option changes: unprotects, stops retaining", async () => {
        const d = diffRendered(
            await renderProgram({ protect: true, retainOnDelete: true }),
            await renderProgram(),
        );
        const messages = d.warnings.map((w) => w.message);
        assert.ok(messages.includes("unprotects Namespace apps"), messages.join("\n"));
        assert.ok(messages.some((m) => m.startsWith("stops retaining Namespace apps on delete")));
        const text = formatText(d, LABELS);
        assert.ok(text.indexOf("! unprotects Namespace apps") > 0);
        assert.match(text.split("\n")[1], /^warnings: 2/);
        const md = formatMarkdown(d, LABELS, { maxChars: 18000 });
        assert.match(md, /> \[!WARNING\]\n> \*\*2 warnings\*\*\n>\n> - unprotects Namespace apps\n/);
    });

    it("reports a rename without an alias as delete and create, and is quiet with the alias", async () => {
        const before = await renderProgram();
        const d = diffRendered(before, await renderProgram({ ns: "namespace" }));
        assert.deepStrictEqual(
            d.warnings.map((w) => [w.kind, w.message]),
            [
                [
                    "replace",
                    'deletes and creates Namespace apps: its URN changes (box-ns -> box-namespace) with no alias to the old one; add `aliases: [{ name: "box-ns" }]`',
                ],
            ],
        );
        assert.ok(
            formatMarkdown(d, LABELS).includes(
                '> - deletes and creates Namespace apps: its URN changes (box-ns -&gt; box-namespace) with no alias to the old one; add `aliases: [{ name: "box-ns" }]`\n',
            ),
        );
        const ok = diffRendered(
            before,
            await renderProgram({ ns: "namespace", nsAliases: [{ name: "box-ns" }] }),
        );
        assert.deepStrictEqual(ok.warnings, []);
        assert.strictEqual(ok.renames.length, 1);
        assert.match(formatText(ok, LABELS), /^~ .*Namespace::box-ns -> .*Namespace::box-namespace$/m);
    });

    it("flags a change to an immutable field as a replacement, with the reason", async () => {
        const before = await renderProgram();
        const cases: [Knobs, RegExp][] = [
            [
                { selector: "web2" },
                /^replaces Deployment apps\/web: \/spec\/selector\/matchLabels\/app \(the label selector/,
            ],
            [
                { storageClass: "fast" },
                /^replaces PersistentVolumeClaim apps\/data: \/spec\/storageClassName \(/,
            ],
            [
                { configData: "2" },
                /^replaces ConfigMap apps\/web: \/data\/a \(the provider replaces ConfigMaps/,
            ],
            [
                { serviceType: "ExternalName" },
                /^disrupts Service apps\/web: \/spec\/type \(type ClusterIP -> ExternalName/,
            ],
        ];
        for (const [knobs, expected] of cases) {
            const d = diffRendered(before, await renderProgram(knobs));
            assert.strictEqual(d.warnings.length, 1, JSON.stringify(d.warnings));
            assert.match(d.warnings[0].message, expected);
            assert.match(
                d.warnings[0].message,
                /pulumi-kubernetes replaces the object|releases or reallocates/,
            );
        }
        // A field the resource ignores is not flagged.
        const ignored = diffRendered(
            await renderProgram({ ignoreChanges: ["spec.selector"] }),
            await renderProgram({ ignoreChanges: ["spec.selector"], selector: "web2" }),
        );
        assert.deepStrictEqual(ignored.warnings, []);
    });

    it("shows prod's cluster.protect turned off, on every Namespace and PVC it protected", async () => {
        const on = await renderStack("prod");
        const off = await renderStack("prod", [{ key: "cluster.protect", value: "false" }]);
        const d = diffRendered(on, off);
        const data = on.resources.filter(
            (r) => r.object?.kind === "Namespace" || r.object?.kind === "PersistentVolumeClaim",
        );
        assert.ok(data.length > 0 && data.every((r) => r.options?.protect === true), "prod protects them");
        const messages = d.warnings.map((w) => w.message);
        for (const r of data) {
            assert.ok(
                messages.includes(`unprotects ${describeResource(r)}`),
                `${r.name}: ${messages.join("\n")}`,
            );
        }
        assert.ok(d.warnings.every((w) => w.kind === "option"));
        assert.match(formatText(d, LABELS).split("\n")[1], new RegExp(`^warnings: ${d.warnings.length}`));
    });

    it("knows every kind the stacks create", async () => {
        const kinds = new Set<string>();
        for (const stack of listStacks()) {
            for (const o of (await renderStack(stack)).manifests) {
                kinds.add(kindKey(o.apiVersion, o.kind));
            }
        }
        const missing = [...kinds].filter((k) => !(k in IMMUTABLE_FIELDS));
        assert.deepStrictEqual(missing, [], "classify these kinds in tools/lib/immutable.ts");
    });

    it("keeps many warnings within the markdown budget, and the listing below them", async () => {
        const after = structuredClone(await renderStack("prod"));
        const before = structuredClone(after);
        for (const r of before.resources) {
            r.options = { ...r.options, protect: true };
        }
        for (const r of after.resources) {
            r.options = { ...r.options, protect: false };
        }
        after.manifests = after.manifests.slice(1);
        const d = diffRendered(before, after);
        assert.strictEqual(d.warnings.length, before.resources.length);
        const md = formatMarkdown(d, LABELS, { maxChars: 3000 });
        assert.ok(md.length <= 3000, `${md.length} characters`);
        assert.match(md, /> - _and \d+ more: run the diff locally for all of them_\n/);
        assert.match(md, /\*\*Objects\*\* \(1 removed\)/, "the listing still shows");
    });

    it("warns about nothing when a stack is rendered twice", async () => {
        const r = await renderStack("prod");
        const d = diffRendered(r, structuredClone(r));
        assert.deepStrictEqual([d.warnings, d.notes, d.renames], [[], [], []]);
    });
});
