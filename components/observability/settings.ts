/**
 * The settings every addon module reads the same way (chart source, persistence, resources, UI
 * ingress), and their readers. Each addon's own keys are read by its module under ./addons.
 */
import { quantityValue } from "../../config/quantity";
import { ConfigReader, QUANTITY, SEMVER } from "../../config/reader";
import { ResourceSettings } from "../shared/resources";

/** Kubernetes requests and limits of one addon; an empty limit means "no limit". */
export type AddonResources = ResourceSettings;

/** A PersistentVolumeClaim instead of an emptyDir; an unset `storageClass` is the cluster default. */
export interface Persistence {
    enabled: boolean;
    size: string;
    storageClass?: string;
}

/** Exposure of one UI through the Istio ingress gateway on a host ("*" = any) under its path. */
export interface Ingress {
    enabled: boolean;
    host: string;
}

export interface ChartSource {
    version: string;
    repository: string;
}

/** What every addon's settings have; `ingress` when its UI can be exposed through the gateway. */
export interface AddonSettings {
    enabled: boolean;
    ingress?: Ingress;
}

const REPOSITORY = {
    pattern: /^(https?|oci):\/\/\S+$/,
    patternHint: "an http(s):// or oci:// repository URL",
};
const VERSION = { pattern: SEMVER, patternHint: "a pinned chart version such as 1.2.3" };
const HOST = {
    pattern: /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/,
    maxLength: 253,
    patternHint:
        'a DNS host name such as kiali.example.com, "*.example.com" or "*" (labels of at most 63 characters)',
};
const STORAGE_CLASS = {
    pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    patternHint: "a StorageClass name, or empty for the cluster default",
};

export function readPersistence(r: ConfigReader, prefix: string): Persistence {
    const size = r.string(`${prefix}.size`, {
        pattern: QUANTITY,
        patternHint: "a Kubernetes quantity such as 10Gi",
    });
    if (size === "") {
        r.error(`${prefix}.size`, "must not be empty");
    } else if (quantityValue(size) === 0) {
        // The API server requires a claim's storage request to be positive
        // (kubernetes pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimSpec).
        r.error(
            `${prefix}.size`,
            `${JSON.stringify(size)} is not allowed; a volume size must be greater than zero`,
        );
    }
    return {
        enabled: r.bool(`${prefix}.enabled`),
        size,
        storageClass: r.optionalString(`${prefix}.storageClass`, STORAGE_CLASS),
    };
}

/** `<prefix>.chartVersion` (required: every chart is pinned) and `<prefix>.chartRepository`. */
export function readChart(r: ConfigReader, prefix: string): ChartSource {
    const version = r.string(`${prefix}.chartVersion`, VERSION);
    if (version === "") {
        r.error(`${prefix}.chartVersion`, "must be set: every chart is pinned");
    }
    return { version, repository: r.string(`${prefix}.chartRepository`, REPOSITORY) };
}

export function readIngress(r: ConfigReader, prefix: string): Ingress {
    const host = r.string(`${prefix}.ingress.host`, HOST);
    if (host === "") {
        r.error(`${prefix}.ingress.host`, 'must not be empty; use "*" for any host');
    }
    return { enabled: r.bool(`${prefix}.ingress.enabled`), host };
}

/** `<prefix>.ingress.host` applies only while `<prefix>.ingress.enabled` is true. */
export function ingressSwitch(prefix: string) {
    return {
        on: `${prefix}.ingress.enabled`,
        active: (s: { ingress: Ingress }) => s.ingress.enabled,
        when: "true",
        settings: [`${prefix}.ingress.host`],
    };
}

/** The volume's size and class apply only while `<prefix>.persistence.enabled` is true. */
export function persistenceSwitch(prefix: string) {
    return {
        on: `${prefix}.persistence.enabled`,
        active: (s: { persistence: Persistence }) => s.persistence.enabled,
        when: "true",
        settings: [`${prefix}.persistence.size`, `${prefix}.persistence.storageClass`],
    };
}
