// network/: the roles the rest of berth sees of the network manager (the
// engine depends on these, daemon/ hands it the CNI implementation). Named by
// role; CniNetworkManager (manager.ts) is the mechanism.
import type { EndpointSpec, EndpointState, NetworkState } from '../core/types.ts';
import type { AttachRequest, CreateNetworkOptions, NetworkRecord, PreparedAttachment } from './types.ts';

/** Network records: what `docker network ls/inspect/create/rm` act on. */
export interface NetworkCatalog {
  list(): NetworkRecord[];
  /** By full id, name or unique id prefix. NotFound `network <x> not found`; InvalidArgument when a prefix is ambiguous. */
  get(idOrName: string): NetworkRecord;
  /** Conflict for a taken name, InvalidArgument for a bad subnet or driver. */
  create(options: CreateNetworkOptions): Promise<NetworkRecord>;
  /** Conflict while containers are attached; PermissionDenied for the built-in networks. */
  remove(idOrName: string): Promise<void>;
  /** The attached containers' endpoints on a network (network inspect's Containers). */
  endpointsOn(networkId: string): { containerId: string; name: string; endpoint: EndpointState }[];
}

/** A container's network attachments over its lifetime: prepared at start, changed by connect/disconnect, undone at stop. */
export interface ContainerNetworking {
  /** Makes the container's netns and connects every network of the request; undone on failure. */
  prepare(request: AttachRequest): Promise<PreparedAttachment>;
  /** docker network connect on a running container. */
  connect(containerId: string, network: string, spec: EndpointSpec): Promise<NetworkState>;
  /** docker network disconnect on a running container; undefined when it was not attached. */
  disconnect(containerId: string, network: string): Promise<NetworkState | undefined>;
  /** Undoes everything prepare/connect did (also after a berthd restart); no error when nothing is attached. */
  detach(containerId: string): Promise<void>;
  /** Looks a network up (NotFound as NetworkCatalog.get): checks a create request's networks early. */
  get(idOrName: string): NetworkRecord;
}

/** The whole network manager, as the composition root hands it to the engine. */
export interface NetworkManager extends NetworkCatalog, ContainerNetworking {
  /** Stops the embedded DNS servers; attachments stay (containers keep running). */
  close(): Promise<void>;
}
