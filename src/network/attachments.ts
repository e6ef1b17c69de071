// The attachments of containers to networks: what a CNI ADD did for each
// endpoint, recorded under <dataRoot>/network/attachments so that detach can
// undo exactly that (CNI DEL with the same configs) even after a berthd restart.
import { join } from 'node:path';
import type { EndpointState, NetworkState, PortBinding } from '../core/types.ts';
import { JsonRecordDir } from '../lib/json-record-dir.ts';
import type { Logger } from '../lib/logger.ts';
import type { CniConfList, CniResult } from './cni.ts';
import type { PortMapping } from './types.ts';

export interface AttachedEndpoint {
  readonly ifname: string;
  readonly confList: CniConfList;
  readonly runtimeConfig: Record<string, unknown>;
  readonly result: CniResult;
  readonly state: EndpointState;
  /** EndpointSettings.Links on a user network: `alias` resolves, for this container only, to `name`. */
  readonly links?: readonly string[];
}

export interface Attachment {
  readonly containerId: string;
  readonly containerName: string;
  readonly hostname: string;
  readonly sandboxKey: string;
  readonly endpoints: AttachedEndpoint[];
  readonly ports: PortMapping[];
  /** The container's --dns servers: where its embedded DNS relays other names (the host's resolvers when absent). */
  readonly dns?: readonly string[];
  /**
   * Set by a berthd that serves 127.0.0.11 from sockets in the netns; absent
   * on attachments of an older berthd, whose netns has a NAT redirect and
   * route_localnet on (undone at start-up: dns-sockets.ts clearLegacyRedirect).
   */
  readonly dnsSockets?: true;
}

export class AttachmentRecords {
  readonly #files: JsonRecordDir<Attachment>;
  readonly #attachments = new Map<string, Attachment>();

  constructor(dataRoot: string, log: Logger) {
    this.#files = new JsonRecordDir(join(dataRoot, 'network', 'attachments'), log, 'network attachment');
  }

  /** Reads every record; an unreadable one is logged and skipped. */
  async load(): Promise<void> {
    for (const a of await this.#files.load()) this.#attachments.set(a.containerId, a);
  }

  get(containerId: string): Attachment | undefined {
    return this.#attachments.get(containerId);
  }

  all(): Attachment[] {
    return [...this.#attachments.values()];
  }

  /** Holds a new attachment and records it (durably unless `durable: false`, see JsonRecordDir.write). */
  async add(a: Attachment, options: { durable?: boolean } = {}): Promise<void> {
    this.#attachments.set(a.containerId, a);
    await this.#files.write(a.containerId, a, options);
  }

  /** Records an attachment again after its endpoints or ports changed. */
  async save(a: Attachment): Promise<void> {
    await this.#files.write(a.containerId, a);
  }

  async remove(containerId: string): Promise<void> {
    this.#attachments.delete(containerId);
    await this.#files.remove(containerId);
  }

  /** Container ids attached (running) to a network. */
  usersOf(networkId: string): string[] {
    return this.all().filter((a) => a.endpoints.some((e) => e.state.networkId === networkId)).map((a) => a.containerId);
  }

  /** Every endpoint on a network with its container id, for network inspect. */
  endpointsOn(networkId: string): { containerId: string; name: string; endpoint: EndpointState }[] {
    const out: { containerId: string; name: string; endpoint: EndpointState }[] = [];
    for (const a of this.#attachments.values()) {
      for (const e of a.endpoints) if (e.state.networkId === networkId) out.push({ containerId: a.containerId, name: a.containerName, endpoint: e.state });
    }
    return out;
  }

  /** Port mappings held by all attached containers. */
  takenPorts(except?: string): PortMapping[] {
    return this.all().filter((a) => a.containerId !== except).flatMap((a) => a.ports);
  }
}

/** An attachment as the engine sees it: endpoints by network name, published ports by `port/proto`. */
export function stateOf(a: Attachment): NetworkState {
  const endpoints: Record<string, EndpointState> = {};
  for (const e of a.endpoints) endpoints[e.state.networkName] = e.state;
  const ports: Record<string, PortBinding[]> = {};
  for (const p of a.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ hostIp: p.hostIp || '0.0.0.0', hostPort: String(p.hostPort) });
  return { sandboxKey: a.sandboxKey, endpoints, ports };
}
