/**
 * Every policy of the istio-mesh pack, as plain data. Importing this module starts nothing; the
 * pack's index.ts hands the list to `PolicyPack`, and tests and `npm run check` run it offline.
 */
import { EnforcementLevel, Policies } from "@pulumi/policy";
import { addonPolicies } from "./addons";
import { ambientPolicies } from "./ambient";
import { applicationPolicies } from "./applications";
import { ingressPolicies } from "./ingress";
import { meshPolicies } from "./mesh";
import { multiclusterPolicies } from "./multicluster";
import { protectionPolicies } from "./protection";
import { supplyChainPolicies } from "./supplyChain";
import { workloadPolicies } from "./workloads";

export const PACK_NAME = "istio-mesh";

/** Level of every policy unless a policy config file says otherwise (see dev.json / prod.json). */
export const PACK_ENFORCEMENT: EnforcementLevel = "advisory";

export const policies: Policies = [
    ...meshPolicies,
    ...multiclusterPolicies,
    ...ambientPolicies,
    ...applicationPolicies,
    ...ingressPolicies,
    ...addonPolicies,
    ...supplyChainPolicies,
    ...workloadPolicies,
    ...protectionPolicies,
];
