// CniNetworkManager: berth's networks and the attachments of containers to
// them. Networks are records under <dataRoot>/network/networks
// (network-records.ts); a bridge network is a Linux bridge plus a CNI config
// list (host-bridges.ts, cni-config.ts). Attaching a container makes a netns,
// runs CNI ADD for each of its networks and records what it did
// (cni-attacher.ts, attachments.ts), so that detach can undo exactly that even
// after a berthd restart. Containers on user-defined networks get an embedded
// DNS server on 127.0.0.11 inside their netns (embedded-dns.ts). This class
// composes those parts.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errorMessage, internal, invalidArgument, permissionDenied } from '../core/errors.ts';
import type { EndpointSpec, EndpointState, NetworkState } from '../core/types.ts';
import { crashPoint } from '../lib/crash-point.ts';
import { KeyedMutex } from '../lib/keyed-mutex.ts';
import type { Logger } from '../lib/logger.ts';
import { type Attachment, AttachmentRecords, stateOf } from './attachments.ts';
import { newBridgeNetwork } from './bridge-network.ts';
import { defaultCniPath } from './cni.ts';
import { CniAttacher } from './cni-attacher.ts';
import { cniName } from './cni-config.ts';
import { ensureDefaultNetworks, hostMtu } from './default-networks.ts';
import { clearLegacyRedirect } from './dns-sockets.ts';
import { EmbeddedDns } from './embedded-dns.ts';
import { HostBridges } from './host-bridges.ts';
import { masqueradeTags } from './masquerade.ts';
import { NetworkRecords } from './network-records.ts';
import type { NetworkManager } from './roles.ts';
import type { AttachRequest, CreateNetworkOptions, NetworkRecord, PreparedAttachment } from './types.ts';

export interface NetworkManagerOptions {
  readonly dataRoot: string;
  readonly execRoot: string;
  /** Device name of the default bridge (docker's docker0). */
  readonly bridgeName?: string;
  /** Gateway address and prefix of the default bridge (docker's --bip); picked from docker's pool when absent. */
  readonly bridgeCidr?: string;
  readonly cniPath?: string;
  readonly log: Logger;
}

interface Parts {
  readonly networks: NetworkRecords;
  readonly attachments: AttachmentRecords;
  readonly dns: EmbeddedDns;
  readonly bridges: HostBridges;
  readonly lock: KeyedMutex;
  readonly mtu: number;
}

export class CniNetworkManager implements NetworkManager {
  readonly #o: NetworkManagerOptions;
  readonly #networks: NetworkRecords;
  readonly #attachments: AttachmentRecords;
  readonly #dns: EmbeddedDns;
  readonly #bridges: HostBridges;
  readonly #attacher: CniAttacher;
  /** Serialises changes to the network set and to bridges. */
  readonly #lock: KeyedMutex;
  readonly #mtu: number;

  private constructor(options: NetworkManagerOptions, parts: Parts) {
    this.#o = options;
    this.#networks = parts.networks;
    this.#attachments = parts.attachments;
    this.#dns = parts.dns;
    this.#bridges = parts.bridges;
    this.#lock = parts.lock;
    this.#mtu = parts.mtu;
    this.#attacher = new CniAttacher({
      ...parts,
      execRoot: options.execRoot,
      ipamDir: this.#ipamDir,
      cniPath: options.cniPath ?? defaultCniPath,
      log: options.log,
    });
  }

  get #ipamDir(): string {
    return join(this.#o.dataRoot, 'network', 'ipam');
  }

  /** Loads networks and attachments, creates the built-in bridge/host/none records, serves the DNS of running containers, settles NAT rules. */
  static async open(options: NetworkManagerOptions): Promise<CniNetworkManager> {
    const networks = new NetworkRecords(options.dataRoot, options.log);
    const attachments = new AttachmentRecords(options.dataRoot, options.log);
    await networks.load();
    await attachments.load();
    const mtu = await hostMtu();
    const lock = new KeyedMutex();
    const dns = new EmbeddedDns(attachments, options.log);
    const m = new CniNetworkManager(options, { networks, attachments, dns, bridges: new HostBridges(lock), lock, mtu });
    await m.#start();
    return m;
  }

  async #start(): Promise<void> {
    await this.#dns.readUpstreams();
    await ensureDefaultNetworks(this.#networks, { bridgeName: this.#o.bridgeName, bridgeCidr: this.#o.bridgeCidr, mtu: this.#mtu });
    for (const att of this.#attachments.all()) await this.#restoreDns(att);
    await this.#settleMasquerades();
  }

  /** Serves 127.0.0.11 again for a container that outlived the last berthd (its sockets died with that process). */
  async #restoreDns(att: Attachment): Promise<void> {
    const warn = (what: string) => (err: unknown) => this.#o.log.warn(what, { container: att.containerId, err: errorMessage(err) });
    let a = att;
    if (!a.dnsSockets) {
      if (a.endpoints.some((e) => e.state.dnsNames.length > 0)) await clearLegacyRedirect(a.sandboxKey).catch(warn('removing the old DNS redirect failed'));
      a = { ...a, dnsSockets: true };
      await this.#attachments.add(a).catch(warn('recording a network attachment failed'));
    }
    await this.#dns.serve(a).catch(warn('restoring the embedded DNS failed'));
  }

  /**
   * The host's NAT rules as berthd would leave them: networks with containers
   * keep theirs (this berthd answers for them from now on); a rule of a
   * network without any, left by a berthd that did not shut down cleanly
   * (kill -9), goes now — the network's next container makes it again.
   */
  async #settleMasquerades(): Promise<void> {
    const present = await masqueradeTags().catch((err: unknown) => {
      this.#o.log.warn('listing NAT rules failed', { err: errorMessage(err) });
      return new Set<string>();
    });
    for (const n of this.#networks.all()) {
      if (n.driver !== 'bridge') continue;
      const warn = (err: unknown) => this.#o.log.warn('settling a NAT rule failed', { network: n.name, err: errorMessage(err) });
      if (this.usersOf(n.id).length > 0) await this.#bridges.ensureMasquerade(n).catch(warn);
      else if (present.has(cniName(n))) {
        await this.#bridges.dropMasquerade(n).catch(warn);
        this.#o.log.info('removed a NAT rule an earlier berthd left', { network: n.name });
      }
    }
  }

  // ---- networks ------------------------------------------------------------

  list(): NetworkRecord[] {
    return this.#networks.list();
  }

  /** By full id, name, or unique id prefix. NotFound `network <x> not found`. */
  get(idOrName: string): NetworkRecord {
    return this.#networks.get(idOrName);
  }

  async create(o: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.#lock.run('networks', async () => {
      const driver = o.driver || 'bridge';
      if (driver !== 'bridge') throw invalidArgument(`could not find plugin ${driver} in v1 plugin registry: plugin not found`);
      // dockerd takes any name, and a second network of a taken name unless CheckDuplicate.
      if (o.checkDuplicate !== false && this.#networks.all().some((n) => n.name === o.name)) throw conflict(`network with name ${o.name} already exists`);
      if (o.name === '') throw invalidArgument('network name is required');
      const n = await newBridgeNetwork(o, this.#networks.all());
      await this.#networks.save(n);
      crashPoint('network.create.saved');
      // The bridge (and its route) exists from now on, as with docker: other networks see the subnet as taken, and DNS can listen.
      try {
        await this.#bridges.ensureBridge(n);
      } catch (err) {
        await this.#networks.delete(n.id);
        throw internal(`could not create the bridge of network ${n.name}: ${errorMessage(err)}`, err);
      }
      crashPoint('network.create.bridged');
      this.#o.log.info('network created', { network: n.id, name: n.name, subnet: n.subnet });
      return n;
    });
  }

  /** Container ids attached (running) to a network. */
  usersOf(networkId: string): string[] {
    return this.#attachments.usersOf(networkId);
  }

  /** Deletes a user network: its DNS server, bridge and IPAM state. Conflict when containers use it; built-ins refuse. */
  async remove(idOrName: string): Promise<void> {
    const n = this.get(idOrName);
    if (n.name === 'bridge' || n.name === 'host' || n.name === 'none') throw permissionDenied(`${n.name} is a pre-defined network and cannot be removed`);
    await this.#lock.run('networks', async () => {
      const users = this.usersOf(n.id);
      if (users.length > 0) throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      await this.#bridges.deleteBridge(n);
      await this.#bridges.dropMasquerade(n);
      await rm(join(this.#ipamDir, cniName(n)), { recursive: true, force: true });
      await this.#networks.delete(n.id);
      this.#o.log.info('network removed', { network: n.id, name: n.name });
    });
  }

  /** Deletes the default bridge device (for tests and `berthd` teardown); no container may be attached. */
  async removeDefaultBridge(): Promise<void> {
    const n = this.get('bridge');
    if (this.usersOf(n.id).length > 0) return;
    await this.#bridges.deleteBridge(n);
    await this.#bridges.dropMasquerade(n);
  }

  // ---- attachments ---------------------------------------------------------

  /** The live state of a container's attachment, if it has one. */
  state(containerId: string): NetworkState | undefined {
    const a = this.#attachments.get(containerId);
    return a ? stateOf(a) : undefined;
  }

  /** Every endpoint on a network with its container id, for network inspect. */
  endpointsOn(networkId: string): { containerId: string; name: string; endpoint: EndpointState }[] {
    return this.#attachments.endpointsOn(networkId);
  }

  /**
   * Makes the container's netns and connects it to its networks (the first gets
   * eth0 and the published ports). On failure everything done is undone.
   * Throws Internal `Bind for 0.0.0.0:8080 failed: port is already allocated` for a taken port.
   */
  async attach(req: AttachRequest): Promise<NetworkState> {
    return (await this.prepare(req)).connect();
  }

  /**
   * attach() in two steps, so that the engine can create the container in the
   * netns while its interfaces are still being set up: prepare() allocates the
   * ports, records the attachment and makes the netns (its state has the
   * sandbox key and the ports, no endpoint yet); connect() runs CNI ADD for each
   * network. A failure in either undoes everything (as detach).
   */
  prepare(req: AttachRequest): Promise<PreparedAttachment> {
    return this.#attacher.prepare(req);
  }

  /** Connects a running container (one that has a netns) to one more network. */
  connect(containerId: string, network: string, spec: EndpointSpec): Promise<NetworkState> {
    return this.#attacher.connect(containerId, network, spec);
  }

  /** Disconnects a running container from one network (CNI DEL of that endpoint). */
  disconnect(containerId: string, network: string): Promise<NetworkState | undefined> {
    return this.#attacher.disconnect(containerId, network);
  }

  /** Undoes attach: CNI DEL per endpoint (releases the IP, veth, NAT and port rules), removes the netns and the record. */
  detach(containerId: string): Promise<void> {
    return this.#attacher.detach(containerId);
  }

  /** Stops the DNS servers and removes the NAT rules of networks no container is on (running containers keep theirs). */
  async close(): Promise<void> {
    this.#dns.close();
    for (const id of this.#bridges.masqueraded()) {
      const n = this.#networks.byId(id);
      if (n && this.usersOf(id).length === 0) await this.#bridges.dropMasquerade(n).catch((err: unknown) => this.#o.log.warn('removing a NAT rule failed', { network: n.name, err: errorMessage(err) }));
    }
  }
}
