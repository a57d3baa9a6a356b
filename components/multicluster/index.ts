export { parseMulticlusterConfig, stackOf } from "./config";
export type { MulticlusterConfig } from "./config";
export { MulticlusterMesh, READER_SERVICE_ACCOUNT, READER_TOKEN_SECRET } from "./mesh";
export type { MeshPeer } from "./mesh";
export {
    CREDENTIALS_OUTPUT,
    IDENTITY_OUTPUT,
    TRUST_OUTPUT,
    checkPeers,
    crossClusterEndpoints,
    identityOutput,
    identityWithServices,
    meshServices,
    remoteKubeconfig,
    remoteSecretName,
} from "./peers";
export type { ApiServerCredentials, CrossClusterRow, MeshIdentity, MeshTrust, PluginCa } from "./peers";
export { readPeers } from "./read";
export { MeshRootCa } from "./trust";
export { crossNetworkGatewaySpec, eastWestGatewayValues } from "./values";
export { joinMesh } from "./membership";
export type { Membership } from "./membership";
