/**
 * Supply-chain policies: what gets installed is fixed by the code, not by whatever a registry
 * serves on the day of the deployment.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    Props,
    valuePaths,
    asString,
    chartOf,
    containersOf,
    describe,
    isChartType,
    podTemplateOf,
} from "./lib/objects";

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmChartVersionPinned: ResourceValidationPolicy = {
    name: "helm-chart-version-pinned",
    description: 'Every Helm chart and release names an exact chart version (no range, no "latest").',
    severity: "high",
    validateResource: (args, reportViolation) => {
        if (!isChartType(args.type)) {
            return args.notApplicable("not a Helm chart");
        }
        const props = args.props as Props;
        const chart = chartOf(args.type, props, args.name);
        if (!chart || props.chart === undefined) {
            // A component registered without its inputs: there is nothing to judge here.
            return args.notApplicable("the chart's inputs are not available");
        }
        if (asString(props.chart)?.includes("@sha256:")) {
            return;
        }
        if (!EXACT_VERSION.test(chart.version)) {
            const got = chart.version === "" ? "no version" : `version "${chart.version}"`;
            reportViolation(
                `Helm chart ${chart.release} (${chart.chart || "?"}) has ${got}, so each deployment may install ` +
                    "a different chart. Fix: set version to an exact release such as 1.2.3.",
            );
        }
    },
};

export interface ImageRef {
    tag?: string;
    digest?: string;
}

export function parseImage(image: string): ImageRef {
    const [nameAndTag, digest] = image.split("@");
    const slash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.lastIndexOf(":");
    return { tag: colon > slash ? nameAndTag.slice(colon + 1) : undefined, digest };
}

/** Istio's gateway chart deploys `image: auto`; the injector replaces it with the pinned proxy image. */
const INJECTED_IMAGE = "auto";

function imageProblem(image: string | undefined): string | undefined {
    if (image === undefined || image === "") {
        return "has no image";
    }
    if (image === INJECTED_IMAGE) {
        return undefined;
    }
    const ref = parseImage(image);
    if (ref.digest) {
        return undefined;
    }
    if (ref.tag === undefined) {
        return `uses image "${image}" without a tag (pulls latest)`;
    }
    return ref.tag === "latest" ? `uses image "${image}"` : undefined;
}

/** `latest` set explicitly anywhere in chart values (`tag`, `image`, Kiali's `image_version`). */
function latestInValues(v: unknown): string[] {
    return valuePaths(
        v,
        (k, x) =>
            typeof x === "string" &&
            (((k === "tag" || k === "image_version") && x === "latest") ||
                (k === "image" && /:latest$/.test(x))),
    );
}

export const imageTagPinned: ResourceValidationPolicy = {
    name: "image-tag-pinned",
    description: 'Every container image has an explicit tag or digest, and never the tag "latest".',
    severity: "high",
    validateResource: (args, reportViolation) => {
        const props = args.props as Props;
        const chart = chartOf(args.type, props, args.name);
        if (chart) {
            for (const path of latestInValues(chart.values)) {
                reportViolation(
                    `Helm chart ${chart.release} (${chart.chart}) sets ${path} to latest. Fix: remove it to use the ` +
                        "image the pinned chart version ships, or pin an exact tag.",
                );
            }
            return;
        }
        const pod = podTemplateOf(args.type, props);
        if (!pod) {
            return args.notApplicable("runs no containers");
        }
        for (const { role, container } of containersOf(pod)) {
            const problem = imageProblem(container.image);
            if (problem) {
                reportViolation(
                    `${describe(args.type, props, args.name)} ${role} ${container.name ?? "?"} ${problem}. ` +
                        "Fix: pin an exact version tag (or a @sha256 digest).",
                );
            }
        }
    },
};

export const supplyChainPolicies = [helmChartVersionPinned, imageTagPinned];
