// network/: networks through CNI plugins, network namespaces, published ports
// and the embedded DNS resolver of user-defined networks.
export { CniNetworkManager, type NetworkManagerOptions } from './manager.ts';
export type { AttachRequest, CreateNetworkOptions, NetworkRecord, PortMapping, PreparedAttachment } from './types.ts';
export { parsePortKey, ephemeralRange, validatePortBindings } from './ports.ts';
export { embeddedResolvConf } from './resolv-conf.ts';
export type { NetworkCatalog, ContainerNetworking, NetworkManager } from './roles.ts';
export { CniPodNetworks, type PodNetworking, type PodNetworkStatus, type PodPortMapping } from './pod-network.ts';
