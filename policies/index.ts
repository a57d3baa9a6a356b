/**
 * The istio-mesh CrossGuard policy pack:
 *   pulumi preview --policy-pack policies --policy-pack-config policies/<env>.json
 * Constructing the pack starts its gRPC server, so nothing else may import this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT, PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    description: "Keeps broken or unsafe Istio mesh configuration from reaching a cluster.",
    enforcementLevel: PACK_ENFORCEMENT,
    policies,
});
