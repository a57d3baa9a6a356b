/**
 * Typed cert-manager custom resources (`cert-manager.io/v1`).
 *
 * Specs are typed by `@kubernetes-models/cert-manager`, generated from cert-manager's CRD schemas,
 * so a misspelt solver or issuer field is a compile error instead of an object the webhook rejects
 * on the first `pulumi up`. The type token stays `kubernetes:cert-manager.io/v1:<Kind>`.
 */
import type { ICertificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import type { IClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import type { IIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer";
import { typed } from "./typed";

export type CertificateSpec = NonNullable<ICertificate["spec"]>;
export type IssuerSpec = IIssuer["spec"];
export type ClusterIssuerSpec = IClusterIssuer["spec"];

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";

export const Certificate = typed<CertificateSpec>(CERT_MANAGER_API_VERSION, "Certificate");
export const Issuer = typed<IssuerSpec>(CERT_MANAGER_API_VERSION, "Issuer");
export const ClusterIssuer = typed<ClusterIssuerSpec>(CERT_MANAGER_API_VERSION, "ClusterIssuer");
