// The network half of the engine: create/list/inspect/remove/prune networks
// and connect/disconnect containers, over the CNI network manager. Which
// containers use a network comes from the container service (any state), the
// live endpoints from the manager (running containers).
import { conflict, invalidArgument } from '../../core/errors.ts';
import type { Container, EndpointSpec, EndpointState } from '../../core/types.ts';
import type { CreateNetworkOptions, NetworkCatalog, NetworkRecord } from '../../network/index.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Filters } from '../types.ts';

export interface NetworkInfo {
  readonly network: NetworkRecord;
  /** Live endpoints of running containers. */
  readonly endpoints: readonly { containerId: string; name: string; endpoint: EndpointState }[];
}

export interface NetworkService {
  /** Filters: name, id (prefix), label, driver, type (builtin|custom), dangling. */
  list(filters?: Filters): Promise<NetworkInfo[]>;
  /** NotFound `network <x> not found`. */
  inspect(idOrName: string): Promise<NetworkInfo>;
  /** Conflict `network with name <x> already exists`. */
  create(options: CreateNetworkOptions): Promise<NetworkRecord>;
  /** PermissionDenied for bridge/host/none; Conflict while running containers are on it. */
  remove(idOrName: string): Promise<void>;
  connect(network: string, container: string, endpoint: EndpointSpec): Promise<void>;
  disconnect(network: string, container: string, options?: { force?: boolean }): Promise<void>;
  /** Removes user networks no container refers to; returns their names. */
  prune(filters?: Filters): Promise<string[]>;
}

export interface NetworkServiceDeps {
  readonly manager: NetworkCatalog;
  readonly containers: {
    networkUsers(name: string): Container[];
    connectNetwork(idOrName: string, network: string, endpoint: EndpointSpec): Promise<void>;
    disconnectNetwork(idOrName: string, network: string): Promise<void>;
  };
  readonly log: Logger;
}

const builtin = new Set(['bridge', 'host', 'none']);

function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return want in labels;
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

export class LocalNetworkService implements NetworkService {
  readonly #d: NetworkServiceDeps;

  constructor(deps: NetworkServiceDeps) {
    this.#d = deps;
  }

  #info(n: NetworkRecord): NetworkInfo {
    return { network: n, endpoints: this.#d.manager.endpointsOn(n.id) };
  }

  async list(filters: Filters = {}): Promise<NetworkInfo[]> {
    const known = new Set(['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope']);
    for (const k of Object.keys(filters)) if (!known.has(k)) throw invalidArgument(`invalid filter '${k}'`);
    const any = (key: string, pred: (v: string) => boolean) => {
      const vs = filters[key];
      return vs === undefined || vs.length === 0 || vs.some(pred);
    };
    return this.#d.manager
      .list()
      .filter((n) => any('name', (v) => n.name.includes(v)))
      .filter((n) => any('id', (v) => n.id.startsWith(v)))
      .filter((n) => (filters['label'] ?? []).every((v) => labelMatches(n.labels, v)))
      .filter((n) => any('driver', (v) => v === n.driver))
      .filter((n) => any('scope', (v) => v === 'local'))
      .filter((n) => any('type', (v) => (v === 'builtin') === builtin.has(n.name)))
      .filter((n) => any('dangling', (v) => (v === 'true' || v === '1') === (!builtin.has(n.name) && this.#d.containers.networkUsers(n.name).length === 0)))
      .map((n) => this.#info(n));
  }

  async inspect(idOrName: string): Promise<NetworkInfo> {
    return this.#info(this.#d.manager.get(idOrName));
  }

  create(options: CreateNetworkOptions): Promise<NetworkRecord> {
    if (builtin.has(options.name)) throw conflict(`network with name ${options.name} already exists`);
    return this.#d.manager.create(options);
  }

  async remove(idOrName: string): Promise<void> {
    await this.#d.manager.remove(idOrName);
  }

  async connect(network: string, container: string, endpoint: EndpointSpec): Promise<void> {
    const n = this.#d.manager.get(network);
    if (n.driver !== 'bridge') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
    if (n.isDefault && (endpoint.aliases.length > 0 || endpoint.ipv4Address)) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    await this.#d.containers.connectNetwork(container, n.name, endpoint);
  }

  async disconnect(network: string, container: string): Promise<void> {
    const n = this.#d.manager.get(network);
    await this.#d.containers.disconnectNetwork(container, n.name);
  }

  async prune(filters: Filters = {}): Promise<string[]> {
    const removed: string[] = [];
    for (const n of this.#d.manager.list()) {
      if (builtin.has(n.name)) continue;
      if (!(filters['label'] ?? []).every((v) => labelMatches(n.labels, v))) continue;
      if (this.#d.containers.networkUsers(n.name).length > 0) continue;
      try {
        await this.#d.manager.remove(n.id);
        removed.push(n.name);
      } catch (err) {
        this.#d.log.warn('prune could not remove network', { network: n.name, err });
      }
    }
    return removed;
  }
}
