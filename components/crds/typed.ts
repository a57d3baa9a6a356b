import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface TypedResourceArgs<Spec> {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: pulumi.Input<Spec>;
}

/** A custom-resource class whose `spec` is typed, for one apiVersion/kind. */
export function typed<Spec>(apiVersion: string, kind: string) {
    return class extends k8s.apiextensions.CustomResource {
        static readonly apiVersion = apiVersion;
        static readonly kind = kind;
        /** The Pulumi type token, as policies and tests see it. */
        static readonly pulumiType = `kubernetes:${apiVersion}:${kind}`;

        constructor(name: string, args: TypedResourceArgs<Spec>, opts?: pulumi.CustomResourceOptions) {
            super(name, { apiVersion, kind, metadata: args.metadata, spec: args.spec }, opts);
        }
    };
}
