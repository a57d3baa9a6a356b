/**
 * Which resource of one render becomes which of the next, the way the Pulumi engine decides it
 * on `pulumi up`: by URN, then by the URNs its `aliases` stand for (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go: generateSteps, generateAliases, collapseAliasToUrn,
 * inheritedChildAlias). A URN of the old render that no new resource claims is deleted; a new
 * resource that claims none is created. A renamed resource without an alias is therefore a
 * delete and a create, whatever it is.
 *
 * Pure: works on the `resources.json` records of two renders.
 */
import type { AliasRecord } from "./mockRuntime";
import type { ResourceRecord } from "./render";

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export interface UrnMatch {
    before: ResourceRecord;
    after: ResourceRecord;
    /** The old URN when the match went through an alias. */
    alias?: string;
}

export interface UrnChanges {
    matched: UrnMatch[];
    /** Old resources no new resource claims: `pulumi up` deletes them. */
    deleted: ResourceRecord[];
    /** New resources that claim no old one: `pulumi up` creates them. */
    created: ResourceRecord[];
}

interface UrnParts {
    stack: string;
    project: string;
    qualifiedType: string;
    name: string;
}

export function parseUrn(urn: string): UrnParts {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
        throw new Error(`not a Pulumi URN: ${urn}`);
    }
    return {
        stack: parts[0].slice("urn:pulumi:".length),
        project: parts[1],
        qualifiedType: parts[2],
        // A name may itself contain "::".
        name: parts.slice(3).join("::"),
    };
}

function typeOf(urn: string): string {
    return parseUrn(urn).qualifiedType.split("$").pop() as string;
}

/** resource.CreateURN: the parent's URN up to its name, then "$type::name". */
function createUrn(name: string, type: string, parent: string, project: string, stack: string): string {
    const prefix =
        parent === "" ? `urn:pulumi:${stack}::${project}::` : `${parent.slice(0, parent.lastIndexOf("::"))}$`;
    return `${prefix}${type}::${name}`;
}

/** resource.NewURN with the parent's qualified type (the root stack is left out). */
function newUrn(stack: string, project: string, parentType: string, type: string, name: string): string {
    const qualified = parentType === "" || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Parents before children, as the program registers them. */
function registrationOrder(list: ResourceRecord[]): ResourceRecord[] {
    const byUrn = new Map(list.map((r) => [r.urn, r]));
    const depth = (r: ResourceRecord, seen = new Set<string>()): number => {
        const p = r.parent === undefined ? undefined : byUrn.get(r.parent);
        if (!p || seen.has(r.urn)) {
            return 0;
        }
        seen.add(r.urn);
        return 1 + depth(p, seen);
    };
    const depths = new Map(list.map((r) => [r.urn, depth(r)]));
    return [...list].sort((a, b) => (depths.get(a.urn) as number) - (depths.get(b.urn) as number));
}

/**
 * Matches the resources of two renders. `before` is the state's resources (the previous render),
 * `after` the new program's.
 */
export function matchUrns(before: ResourceRecord[], after: ResourceRecord[]): UrnChanges {
    const olds = new Map(before.map((r) => [r.urn, r]));
    /** New URN -> the old URN it was matched through an alias (the engine's sg.aliases). */
    const aliased = new Map<string, string>();
    const claimed = new Set<string>();
    const matched: UrnMatch[] = [];
    const created: ResourceRecord[] = [];

    for (const r of registrationOrder(after)) {
        const own = parseUrn(r.urn);
        const goalParent = r.parent ?? "";
        const collapse = (a: AliasRecord): string => {
            if (a.urn !== undefined) {
                return a.urn;
            }
            // The SDK always sends the parent's URN in a spec (the render leaves it out when it is
            // the resource's own), so the engine looks it up among the parents matched by an alias.
            let parent = a.parentUrn ?? goalParent;
            parent = aliased.get(parent) ?? parent;
            if (a.noParent || (parent !== "" && parseUrn(parent).qualifiedType === ROOT_STACK_TYPE)) {
                parent = "";
            }
            return createUrn(
                a.name ?? r.name,
                a.type ?? r.type,
                parent,
                a.project ?? own.project,
                a.stack ?? own.stack,
            );
        };
        const inherited = (childType: string, childName: string, parentAlias: string): string => {
            const parentName = parseUrn(goalParent).name;
            const aliasName = childName.startsWith(parentName)
                ? parseUrn(parentAlias).name + childName.slice(parentName.length)
                : childName;
            return newUrn(own.stack, own.project, parseUrn(parentAlias).qualifiedType, childType, aliasName);
        };
        const aliases = (r.options?.aliases ?? []).map(collapse);
        const parentAlias = goalParent === "" ? undefined : aliased.get(goalParent);
        if (parentAlias !== undefined) {
            aliases.push(inherited(r.type, r.name, parentAlias));
            for (const a of (r.options?.aliases ?? []).map(collapse)) {
                aliases.push(inherited(typeOf(a), parseUrn(a).name, parentAlias));
            }
        }
        const hit = [r.urn, ...aliases].find((u) => olds.has(u));
        if (hit === undefined) {
            created.push(r);
            continue;
        }
        claimed.add(hit);
        if (hit !== r.urn) {
            aliased.set(r.urn, hit);
        }
        matched.push({
            before: olds.get(hit) as ResourceRecord,
            after: r,
            alias: hit === r.urn ? undefined : hit,
        });
    }
    const deleted = before.filter((r) => !claimed.has(r.urn));
    return { matched, deleted, created };
}

function identity(r: ResourceRecord): string | undefined {
    // The apiVersion is left out: a new apiVersion of the same object is the same object.
    return r.object && [r.object.kind, r.object.namespace ?? "", r.object.name ?? ""].join("\u0000");
}

function parentType(urn: string): string {
    const qualified = parseUrn(urn).qualifiedType;
    return qualified.slice(0, Math.max(0, qualified.lastIndexOf("$")));
}

/**
 * Deleted and created resources that are the same thing under a new URN: the same Kubernetes
 * object, or (for anything else: components, charts, providers) the same type under the same
 * parent type, paired in order. Each is a rename without an alias, so `pulumi up` deletes the old
 * one and creates the new one.
 */
export function renamesWithoutAlias(
    changes: UrnChanges,
): { before: ResourceRecord; after: ResourceRecord }[] {
    const created = [...changes.created];
    const out: { before: ResourceRecord; after: ResourceRecord }[] = [];
    for (const old of changes.deleted) {
        const key = identity(old);
        // Renders from before object identities were recorded fall back to type and parent type.
        const i = created.findIndex((c) =>
            key !== undefined && identity(c) !== undefined
                ? identity(c) === key
                : c.type === old.type && parentType(c.urn) === parentType(old.urn),
        );
        if (i !== -1) {
            out.push({ before: old, after: created.splice(i, 1)[0] });
        }
    }
    return out;
}

/** One line per resource whose URN changes without an alias (empty when there is none). */
export function unaliasedRenames(before: ResourceRecord[], after: ResourceRecord[]): string[] {
    return renamesWithoutAlias(matchUrns(before, after)).map(
        ({ before: b, after: a }) =>
            `${b.urn} became ${a.urn} without an alias: \`pulumi up\` would delete it and create it again (add aliases: [{ name: ${JSON.stringify(b.name)} }] or the parent's alias)`,
    );
}
