// CniNetworkManager: berth's networks and the attachments of containers to
// them. Networks are records under <dataRoot>/network/networks; a bridge network
// is a Linux bridge plus a CNI config list (bridge + host-local IPAM, portmap when
// ports are published). Attaching a container makes a netns under
// <execRoot>/netns, runs CNI ADD for each of its networks, and records what it
// did under <dataRoot>/network/attachments, so that detach can undo exactly that
// (CNI DEL with the same configs) even after a berthd restart. User-defined
// networks get an embedded DNS server on their gateway address, which their
// containers reach as 127.0.0.11 (dns-redirect.ts).
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, errorMessage, internal, invalidArgument, notFound, permissionDenied } from '../core/errors.ts';
import { isFullId, isIdPrefix, newId } from '../core/ids.ts';
import type { EndpointSpec, EndpointState, NetworkState, PortBinding } from '../core/types.ts';
import type { NetworkManager } from './roles.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { KeyedMutex } from '../lib/keyed-mutex.ts';
import type { Logger } from '../lib/logger.ts';
import { runTool } from '../lib/run-tool.ts';
import { addNetworkList, defaultCniPath, delNetworkList, execPlugin, type CniConfList, type CniResult } from './cni.ts';
import { randomBridgeMac } from './bridge-mac.ts';
import { redirectEmbeddedDns } from './dns-redirect.ts';
import { DnsServer } from './dns-server.ts';
import { contains6, formatCidr6, formatIp6, parseCidr6, parseIp6, rangeBounds6 } from './ipv6.ts';
import { auxAddressesWithin, contains, firstHost, rangeBounds, formatCidr, formatIp, hostRoutes, overlaps, parseAddrCidr, parseCidr, parseIp, pickSubnet, type Subnet } from './ipv4.ts';
import { createNetns, removeNetns } from './netns.ts';
import { allocatePorts, type PortCursors } from './ports.ts';
import { embeddedUpstreams } from './resolv-conf.ts';
import { ensureMasquerade, removeMasquerade } from './masquerade.ts';
import type { AttachRequest, CreateNetworkOptions, Ipv6Pool, NetworkRecord, PortMapping, PreparedAttachment } from './types.ts';

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

interface AttachedEndpoint {
  readonly ifname: string;
  readonly confList: CniConfList;
  readonly runtimeConfig: Record<string, unknown>;
  readonly result: CniResult;
  readonly state: EndpointState;
  /** EndpointSettings.Links on a user network: `alias` resolves, for this container only, to `name`. */
  readonly links?: readonly string[];
}

interface Attachment {
  readonly containerId: string;
  readonly containerName: string;
  readonly hostname: string;
  readonly sandboxKey: string;
  readonly endpoints: AttachedEndpoint[];
  readonly ports: PortMapping[];
  /** The container's --dns servers: where its embedded DNS relays other names (the host's resolvers when absent). */
  readonly dns?: readonly string[];
}

const cniVersion = '1.0.0';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function nowIso(): string {
  return new Date().toISOString();
}

export class CniNetworkManager implements NetworkManager {
  readonly #o: NetworkManagerOptions;
  readonly #cniPath: string;
  readonly #networks = new Map<string, NetworkRecord>();
  readonly #attachments = new Map<string, Attachment>();
  readonly #dns = new Map<string, DnsServer>();
  /** Networks whose MASQUERADE rule this berthd made or found (masquerade.ts). */
  readonly #masq = new Set<string>();
  /** Round-robin positions of host port ranges (in memory, as docker's port allocator). */
  readonly #portCursors: PortCursors = new Map();
  /** Serialises changes to the network set and to bridges. */
  readonly #lock = new KeyedMutex();
  #mtu = 1500;

  private constructor(options: NetworkManagerOptions) {
    this.#o = options;
    this.#cniPath = options.cniPath ?? defaultCniPath;
  }

  get #netDir(): string {
    return join(this.#o.dataRoot, 'network', 'networks');
  }
  get #attDir(): string {
    return join(this.#o.dataRoot, 'network', 'attachments');
  }
  get #ipamDir(): string {
    return join(this.#o.dataRoot, 'network', 'ipam');
  }
  #sandboxPath(containerId: string): string {
    return join(this.#o.execRoot, 'netns', containerId);
  }

  /** Loads networks and attachments, creates the built-in bridge/host/none records, restarts DNS servers. */
  static async open(options: NetworkManagerOptions): Promise<CniNetworkManager> {
    const m = new CniNetworkManager(options);
    await m.#load();
    return m;
  }

  async #load(): Promise<void> {
    await mkdir(this.#netDir, { recursive: true, mode: 0o700 });
    await mkdir(this.#attDir, { recursive: true, mode: 0o700 });
    for (const f of await readdir(this.#netDir)) {
      if (!f.endsWith('.json')) continue;
      try {
        const n = JSON.parse(await readFile(join(this.#netDir, f), 'utf8')) as NetworkRecord;
        this.#networks.set(n.id, n);
      } catch (err) {
        this.#o.log.error('skipping unreadable network record', { file: f, err });
      }
    }
    for (const f of await readdir(this.#attDir)) {
      if (!f.endsWith('.json')) continue;
      try {
        const a = JSON.parse(await readFile(join(this.#attDir, f), 'utf8')) as Attachment;
        this.#attachments.set(a.containerId, a);
      } catch (err) {
        this.#o.log.error('skipping unreadable network attachment', { file: f, err });
      }
    }
    this.#mtu = await this.#hostMtu();
    await this.#readUpstreams();
    await this.#ensureBuiltins();
    for (const n of this.#networks.values()) {
      if (n.driver === 'bridge' && !n.isDefault && n.bridge && (await exists(`/sys/class/net/${n.bridge}`))) await this.#startDns(n);
      // Containers that outlived the last berthd keep their NAT rule; this berthd answers for it from now on.
      if (n.driver === 'bridge' && this.usersOf(n.id).length > 0) await this.#ensureMasquerade(n).catch((err: unknown) => this.#o.log.warn('restoring a NAT rule failed', { network: n.name, err: errorMessage(err) }));
    }
  }

  /** The MTU of the interface holding the default route (containers use no more than that). */
  async #hostMtu(): Promise<number> {
    const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.split(/\s+/)[1] === '00000000');
    const dev = line?.split(/\s+/)[0];
    if (!dev) return 1500;
    const mtu = Number((await readFile(`/sys/class/net/${dev}/mtu`, 'utf8').catch(() => '1500')).trim());
    return Number.isInteger(mtu) && mtu > 0 ? Math.min(mtu, 1500) : 1500;
  }

  async #ensureBuiltins(): Promise<void> {
    const byName = (name: string) => [...this.#networks.values()].find((n) => n.name === name);
    const bridgeName = this.#o.bridgeName ?? 'berth0';
    const current = byName('bridge');
    let cidr = this.#o.bridgeCidr;
    if (cidr === undefined) {
      const existing = await bridgeAddress(bridgeName);
      // The device outlives berthd (and a lost data root): keep its address, as
      // dockerd keeps docker0's, rather than a subnet the CNI bridge plugin
      // would refuse ("already has an IP address different from …").
      if (existing !== undefined) cidr = existing;
      else if (current?.subnet && current.gateway && current.bridge === bridgeName) cidr = `${current.gateway}/${current.subnet.split('/')[1]}`;
      else {
        const others = [...this.#networks.values()].filter((n) => n.name !== 'bridge' && n.subnet).map((n) => parseCidr(n.subnet!));
        const routes = (await hostRoutes()).filter((r) => !current?.subnet || formatCidr(r) !== current.subnet);
        const s = pickSubnet([...others, ...routes]);
        if (!s) throw internal('could not find a free subnet for the default bridge');
        cidr = `${formatIp(firstHost(s))}/${s.prefix}`;
      }
    }
    const { addr, subnet } = parseAddrCidr(cidr);
    const want = { subnet: formatCidr(subnet), gateway: formatIp(addr), bridge: bridgeName };
    // The options dockerd shows on its default bridge.
    const options = {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': bridgeName,
      'com.docker.network.driver.mtu': String(this.#mtu),
    };
    const sameOptions = JSON.stringify(current?.options) === JSON.stringify(options);
    if (!current || !sameOptions || current.subnet !== want.subnet || current.gateway !== want.gateway || current.bridge !== want.bridge) {
      await this.#saveNetwork({
        id: current?.id ?? newId(),
        name: 'bridge',
        created: current?.created ?? nowIso(),
        driver: 'bridge',
        internal: false,
        attachable: false,
        labels: {},
        options,
        ...want,
        isDefault: true,
      });
    }
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!byName(name)) {
        await this.#saveNetwork({ id: newId(), name, created: nowIso(), driver, internal: false, attachable: false, labels: {}, options: {} });
      }
    }
  }

  async #saveNetwork(n: NetworkRecord): Promise<void> {
    await writeFileAtomic(join(this.#netDir, `${n.id}.json`), JSON.stringify(n), 0o600);
    this.#networks.set(n.id, n);
  }

  // ---- networks ------------------------------------------------------------

  list(): NetworkRecord[] {
    return [...this.#networks.values()].sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  /** By full id, name, or unique id prefix. NotFound `network <x> not found`. */
  get(idOrName: string): NetworkRecord {
    const exact = this.#networks.get(idOrName);
    if (exact) return exact;
    const byName = [...this.#networks.values()].filter((n) => n.name === idOrName);
    if (byName.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${byName.length} matches found based on name)`);
    if (byName[0]) return byName[0];
    if (idOrName !== '' && isIdPrefix(idOrName) && !isFullId(idOrName)) {
      const m = [...this.#networks.values()].filter((n) => n.id.startsWith(idOrName));
      if (m.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${m.length} matches found based on ID prefix)`);
      if (m[0]) return m[0];
    }
    throw notFound(`network ${idOrName} not found`);
  }

  async create(o: CreateNetworkOptions): Promise<NetworkRecord> {
    return this.#lock.run('networks', async () => {
      const driver = o.driver || 'bridge';
      if (driver !== 'bridge') throw invalidArgument(`could not find plugin ${driver} in v1 plugin registry: plugin not found`);
      // dockerd takes any name, and a second network of a taken name unless CheckDuplicate.
      if (o.checkDuplicate !== false && [...this.#networks.values()].some((n) => n.name === o.name)) throw conflict(`network with name ${o.name} already exists`);
      if (o.name === '') throw invalidArgument('network name is required');
      const taken = [...this.#networks.values()].filter((n) => n.subnet).map((n) => parseCidr(n.subnet!));
      let subnet: Subnet;
      if (o.subnet) {
        subnet = parseCidr(o.subnet);
        const clash = [...this.#networks.values()].find((n) => n.subnet && overlaps(parseCidr(n.subnet), subnet));
        if (clash) throw invalidArgument(`invalid pool request: Pool overlaps with other one on this address space`);
      } else {
        const s = pickSubnet([...taken, ...(await hostRoutes())]);
        if (!s) throw invalidArgument('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
        subnet = s;
      }
      let gateway = firstHost(subnet);
      if (o.gateway) {
        const g = parseIp(o.gateway);
        if (g === undefined) throw invalidArgument(`invalid gateway address ${o.gateway}`);
        if (!contains(subnet, g)) throw invalidArgument(`Invalid gateway address ${o.gateway}: it is not in the subnet ${formatCidr(subnet)}`);
        gateway = g;
      }
      const ipRange = o.ipRange ? parseCidr(o.ipRange) : undefined;
      const auxAddresses = o.auxAddresses ? auxAddressesWithin(subnet, o.auxAddresses) : undefined;
      if (o.ipv6) checkIpv6Pool(o.ipv6);
      const id = newId();
      const bridge = o.options?.['com.docker.network.bridge.name'] ?? `br-${id.slice(0, 12)}`;
      const n: NetworkRecord = {
        id,
        name: o.name,
        created: nowIso(),
        driver: 'bridge',
        internal: o.internal ?? false,
        attachable: o.attachable ?? false,
        labels: o.labels ?? {},
        options: o.options ?? {},
        subnet: formatCidr(subnet),
        gateway: formatIp(gateway),
        ...(ipRange ? { ipRange: formatCidr(ipRange) } : {}),
        ...(auxAddresses ? { auxAddresses } : {}),
        ...(o.subnet && !o.gateway ? { gatewayImplied: true } : {}),
        ...(o.enableIpv6 ? { enableIpv6: true } : {}),
        ...(o.ipv6 ? { ipv6: { ...o.ipv6 } } : {}),
        bridge,
      };
      await this.#saveNetwork(n);
      // The bridge (and its route) exists from now on, as with docker: other networks see the subnet as taken, and DNS can listen.
      try {
        await this.#ensureBridge(n);
      } catch (err) {
        await rm(join(this.#netDir, `${n.id}.json`), { force: true });
        this.#networks.delete(n.id);
        throw internal(`could not create the bridge of network ${n.name}: ${errorMessage(err)}`, err);
      }
      this.#o.log.info('network created', { network: id, name: n.name, subnet: n.subnet });
      return n;
    });
  }

  /** Container ids attached (running) to a network. */
  usersOf(networkId: string): string[] {
    return [...this.#attachments.values()].filter((a) => a.endpoints.some((e) => e.state.networkId === networkId)).map((a) => a.containerId);
  }

  /** Deletes a user network: its DNS server, bridge and IPAM state. Conflict when containers use it; built-ins refuse. */
  async remove(idOrName: string): Promise<void> {
    const n = this.get(idOrName);
    if (n.name === 'bridge' || n.name === 'host' || n.name === 'none') throw permissionDeniedBuiltin(n.name);
    await this.#lock.run('networks', async () => {
      const users = this.usersOf(n.id);
      if (users.length > 0) throw conflict(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      this.#dns.get(n.id)?.close();
      this.#dns.delete(n.id);
      if (n.bridge && (await exists(`/sys/class/net/${n.bridge}`))) await runTool('ip', ['link', 'del', n.bridge]);
      await this.#dropMasquerade(n);
      await rm(join(this.#ipamDir, cniName(n)), { recursive: true, force: true });
      await rm(join(this.#netDir, `${n.id}.json`), { force: true });
      this.#networks.delete(n.id);
      this.#o.log.info('network removed', { network: n.id, name: n.name });
    });
  }

  /** Deletes the default bridge device (for tests and `berthd` teardown); no container may be attached. */
  async removeDefaultBridge(): Promise<void> {
    const n = this.get('bridge');
    if (this.usersOf(n.id).length > 0) return;
    if (n.bridge && (await exists(`/sys/class/net/${n.bridge}`))) await runTool('ip', ['link', 'del', n.bridge]);
    await this.#dropMasquerade(n);
  }

  /** Outbound NAT for a non-internal bridge network, once per berthd lifetime. */
  async #ensureMasquerade(n: NetworkRecord): Promise<void> {
    if (n.internal || !n.subnet || !n.bridge || this.#masq.has(n.id)) return;
    await this.#lock.run(`masq:${n.id}`, async () => {
      if (this.#masq.has(n.id)) return;
      await ensureMasquerade(n.subnet!, n.bridge!, cniName(n));
      this.#masq.add(n.id);
    });
  }

  async #dropMasquerade(n: NetworkRecord): Promise<void> {
    this.#masq.delete(n.id);
    if (n.subnet && n.bridge) await removeMasquerade(n.subnet, n.bridge, cniName(n));
  }

  #forwardDrops: { value: Promise<boolean>; at: number } | undefined;

  /**
   * Whether the host's FORWARD chain drops by default (as after dockerd with
   * iptables started): then the CNI firewall plugin must let the container's
   * traffic through. Checked at most every 10 s; attach starts the check early
   * (it runs while the netns is made) and concurrent callers share one.
   */
  #forwardPolicyDrops(): Promise<boolean> {
    const now = Date.now();
    if (this.#forwardDrops && now - this.#forwardDrops.at < 10_000) return this.#forwardDrops.value;
    // The first line of `-S FORWARD` is the chain's policy.
    const value = runTool('iptables', ['-w', '-S', 'FORWARD']).then(
      (text) => /^-P FORWARD DROP/m.test(text),
      () => false,
    );
    this.#forwardDrops = { value, at: now };
    return value;
  }

  #confList(n: NetworkRecord, withPorts: boolean, fixedIps: readonly string[], withFirewall: boolean, mac?: string): CniConfList {
    const bridge: Record<string, unknown> & { type: string } = {
      type: 'bridge',
      bridge: n.bridge,
      isGateway: true,
      // Outbound NAT is one rule per network (#ensureMasquerade), not a chain per container.
      ipMasq: false,
      hairpinMode: true,
      mtu: this.#mtu,
      ipam: {
        type: 'host-local',
        dataDir: this.#ipamDir,
        ranges: [[{ subnet: n.subnet, gateway: n.gateway, ...(n.ipRange ? rangeBounds(parseCidr(n.subnet!), parseCidr(n.ipRange)) : {}) }], ...(n.enableIpv6 && n.ipv6 ? [[ipv6Range(n.ipv6)]] : [])],
        routes: n.internal ? [] : [{ dst: '0.0.0.0/0' }],
      },
    };
    // A fixed address and a fixed MAC (--mac-address) go to the bridge plugin as CNI args.
    if (fixedIps.length > 0 || mac) bridge['args'] = { cni: { ...(fixedIps.length > 0 ? { ips: [...fixedIps] } : {}), ...(mac ? { mac } : {}) } };
    return {
      cniVersion,
      name: cniName(n),
      plugins: [
        bridge,
        ...(withFirewall ? [{ type: 'firewall', backend: 'iptables' }] : []),
        ...(withPorts ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
      ],
    };
  }

  /** Creates the bridge with its gateway address (so DNS can bind before the first container) and starts DNS on user networks. */
  async #ensureBridge(n: NetworkRecord): Promise<void> {
    await this.#lock.run(`bridge:${n.id}`, async () => {
      if (!n.bridge || !n.subnet || !n.gateway) return;
      if (!(await exists(`/sys/class/net/${n.bridge}`))) {
        // An address of its own, or the bridge's MAC changes with its ports (bridge-mac.ts).
        await runTool('ip', ['link', 'add', 'name', n.bridge, 'address', randomBridgeMac(), 'type', 'bridge']);
        await runTool('ip', ['addr', 'add', `${n.gateway}/${n.subnet.split('/')[1]}`, 'dev', n.bridge]);
        await runTool('ip', ['link', 'set', n.bridge, 'up']);
      }
      if (!n.isDefault) await this.#startDns(n);
    });
  }

  async #startDns(n: NetworkRecord): Promise<void> {
    if (this.#dns.has(n.id) || !n.gateway) return;
    const server = new DnsServer({
      address: n.gateway,
      lookup: (name, client) => this.#lookup(n.id, name, client),
      upstreams: (client) => this.#upstreamsOf(client),
      log: this.#o.log,
    });
    try {
      await server.start();
      this.#dns.set(n.id, server);
    } catch (err) {
      this.#o.log.warn('embedded DNS could not start', { network: n.name, address: n.gateway, err: errorMessage(err) });
    }
  }

  #upstreams: readonly string[] = [];

  async #readUpstreams(): Promise<void> {
    const etc = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const systemd = await readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(() => '');
    this.#upstreams = embeddedUpstreams(etc, systemd);
  }

  /** The attachment holding address `ip` on one of its endpoints. */
  #attachmentAt(ip: string): Attachment | undefined {
    for (const a of this.#attachments.values()) if (a.endpoints.some((e) => e.state.ipAddress === ip)) return a;
    return undefined;
  }

  /** Where the embedded DNS relays names of the container at `client`: its --dns, else the host's resolvers. */
  #upstreamsOf(client: string): readonly string[] {
    const dns = this.#attachmentAt(client)?.dns?.filter((a) => !a.includes(':'));
    return dns && dns.length > 0 ? dns : this.#upstreams;
  }

  /**
   * Addresses of `name` for the container at `client`: as docker's resolver,
   * the first of the asker's networks (in attach order) holding the name
   * answers with every holder there. An unknown asker sees this network only.
   */
  #lookup(networkId: string, name: string, client: string): string[] {
    const asker = this.#attachmentAt(client);
    const networks = asker ? asker.endpoints.filter((e) => e.state.dnsNames.length > 0).map((e) => e.state.networkId) : [networkId];
    for (const net of networks) {
      const out: string[] = [];
      const target = linkTarget(asker?.endpoints.find((e) => e.state.networkId === net)?.links, name);
      for (const a of this.#attachments.values()) {
        for (const e of a.endpoints) {
          if (e.state.networkId === net && e.state.dnsNames.some((d) => d.toLowerCase() === target)) out.push(e.state.ipAddress);
        }
      }
      if (out.length > 0) return out;
    }
    return [];
  }

  /** Sends the netns's 127.0.0.11:53 to the embedded DNS of its first user network (once per netns). */
  async #redirectDns(att: Attachment): Promise<void> {
    const first = att.endpoints.find((e) => e.state.dnsNames.length > 0);
    if (!first || !first.state.gateway) return;
    await redirectEmbeddedDns(att.sandboxKey, first.state.gateway);
  }

  // ---- attachments ---------------------------------------------------------

  /** The live state of a container's attachment, if it has one. */
  state(containerId: string): NetworkState | undefined {
    const a = this.#attachments.get(containerId);
    return a ? stateOf(a) : undefined;
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
  #takenPorts(except?: string): PortMapping[] {
    return [...this.#attachments.values()].filter((a) => a.containerId !== except).flatMap((a) => a.ports);
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
  async prepare(req: AttachRequest): Promise<PreparedAttachment> {
    if (this.#attachments.has(req.containerId)) await this.detach(req.containerId);
    await this.#readUpstreams();
    const nets = req.networks.map((x) => ({ net: this.get(x.network), spec: x.spec }));
    for (const { net } of nets) if (net.driver !== 'bridge') throw invalidArgument(`container cannot be connected to network ${net.name} this way`);
    for (const { net, spec } of nets) checkEndpoint(net, spec);
    if (nets.some(({ net }) => !net.internal)) void this.#forwardPolicyDrops();
    const ports = await this.#lock.run('ports', async () => {
      const p = Object.keys(req.portBindings).length > 0 && nets.length > 0 ? await allocatePorts(req.portBindings, this.#takenPorts(req.containerId), this.#portCursors) : [];
      const sandboxKey = this.#sandboxPath(req.containerId);
      // Recorded before any CNI call, so that a crash in between still lets detach clean up.
      const att: Attachment = { containerId: req.containerId, containerName: req.containerName, hostname: req.hostname, sandboxKey, endpoints: [], ports: p, ...(req.dns && req.dns.length > 0 ? { dns: [...req.dns] } : {}) };
      this.#attachments.set(req.containerId, att);
      await this.#saveAttachment(att);
      return p;
    });
    const att = this.#attachments.get(req.containerId)!;
    const undo = async (err: unknown): Promise<never> => {
      await this.detach(req.containerId).catch((e: unknown) => this.#o.log.warn('undoing a failed network attach failed', { container: req.containerId, err: errorMessage(e) }));
      throw err;
    };
    await createNetns(att.sandboxKey).catch(undo);
    return { state: stateOf(att), connect: () => this.#connectAll(att, nets, ports).catch(undo) };
  }

  async #connectAll(att: Attachment, nets: readonly { net: NetworkRecord; spec: EndpointSpec }[], ports: readonly PortMapping[]): Promise<NetworkState> {
    // Loopback and the networks touch different interfaces: set them up side by side.
    const lo = execPlugin('loopback', 'ADD', { containerId: att.containerId, netns: att.sandboxKey, ifname: 'lo' }, { cniVersion, name: 'berth-loopback', type: 'loopback' }, this.#cniPath);
    const eths = (async () => {
      for (const [i, { net, spec }] of nets.entries()) await this.#connectOne(att, net, spec, `eth${i}`, i === 0 ? ports : []);
    })();
    const [a, b] = await Promise.allSettled([lo, eths]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    await this.#redirectDns(att);
    return stateOf(att);
  }

  async #connectOne(att: Attachment, net: NetworkRecord, spec: EndpointSpec, ifname: string, ports: readonly PortMapping[]): Promise<EndpointState> {
    if (att.endpoints.some((e) => e.state.networkId === net.id)) {
      throw conflict(`endpoint with name ${att.containerName} already exists in network ${net.name}`);
    }
    checkEndpoint(net, spec);
    await this.#ensureBridge(net);
    await this.#ensureMasquerade(net);
    const fixedIps = [spec.ipv4Address, net.enableIpv6 && net.ipv6 ? spec.ipv6Address : undefined].filter((x): x is string => x !== undefined && x !== '');
    const confList = this.#confList(net, ports.length > 0, fixedIps, !net.internal && (await this.#forwardPolicyDrops()), spec.macAddress);
    const runtimeConfig = ports.length > 0 ? { portMappings: ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIp })) } : {};
    const inv = { containerId: att.containerId, netns: att.sandboxKey, ifname, runtimeConfig };
    const result = await addNetworkList(confList, inv, this.#cniPath);
    const ipEntry = result.ips?.find((x) => !x.address.includes(':'));
    const ip6Entry = result.ips?.find((x) => x.address.includes(':'));
    const [ip6 = '', prefix6 = '0'] = (ip6Entry?.address ?? '').split('/');
    const iface = result.interfaces?.find((x) => x.sandbox !== undefined);
    const [ip = '', prefix = '0'] = (ipEntry?.address ?? '').split('/');
    const aliases = net.isDefault ? [] : [...spec.aliases];
    const dnsNames = net.isDefault ? [] : [...new Set([att.containerName, att.containerId.slice(0, 12), ...aliases, att.hostname])];
    const state: EndpointState = {
      networkId: net.id,
      networkName: net.name,
      endpointId: newId(),
      ipAddress: ip,
      prefixLen: Number(prefix),
      gateway: ipEntry?.gateway ?? '',
      ...(ip6Entry ? { ipv6: { address: ip6, prefixLen: Number(prefix6), gateway: ip6Entry.gateway ?? '' } } : {}),
      macAddress: iface?.mac ?? '',
      aliases,
      dnsNames,
    };
    att.endpoints.push({ ifname, confList, runtimeConfig, result, state, ...(spec.links && !net.isDefault ? { links: [...spec.links] } : {}) });
    await this.#saveAttachment(att);
    this.#o.log.info('container connected', { container: att.containerId, network: net.name, ip });
    return state;
  }

  /** Connects a running container (one that has a netns) to one more network. */
  async connect(containerId: string, network: string, spec: EndpointSpec): Promise<NetworkState> {
    const att = this.#attachments.get(containerId);
    if (!att) throw conflict(`container ${containerId} has no network namespace`);
    const net = this.get(network);
    if (net.driver !== 'bridge') throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    await this.#readUpstreams();
    const used = new Set(att.endpoints.map((e) => e.ifname));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    const hadDns = att.endpoints.some((e) => e.state.dnsNames.length > 0);
    await this.#connectOne(att, net, spec, `eth${i}`, []);
    if (!hadDns) await this.#redirectDns(att);
    return stateOf(att);
  }

  /** Disconnects a running container from one network (CNI DEL of that endpoint). */
  async disconnect(containerId: string, network: string): Promise<NetworkState | undefined> {
    const att = this.#attachments.get(containerId);
    if (!att) return undefined;
    const net = this.get(network);
    const idx = att.endpoints.findIndex((e) => e.state.networkId === net.id);
    if (idx < 0) return stateOf(att);
    const ep = att.endpoints[idx]!;
    await delNetworkList(ep.confList, { containerId, netns: att.sandboxKey, ifname: ep.ifname, runtimeConfig: ep.runtimeConfig }, ep.result, this.#cniPath);
    att.endpoints.splice(idx, 1);
    if (idx === 0) att.ports.splice(0, att.ports.length);
    await this.#saveAttachment(att);
    return stateOf(att);
  }

  /** Undoes attach: CNI DEL per endpoint (releases the IP, veth, NAT and port rules), removes the netns and the record. */
  async detach(containerId: string): Promise<void> {
    const att = this.#attachments.get(containerId);
    if (!att) return;
    let first: unknown;
    for (const ep of [...att.endpoints].reverse()) {
      await delNetworkList(ep.confList, { containerId, netns: att.sandboxKey, ifname: ep.ifname, runtimeConfig: ep.runtimeConfig }, ep.result, this.#cniPath).catch((err: unknown) => {
        first ??= err;
        this.#o.log.warn('CNI DEL failed', { container: containerId, network: ep.state.networkName, err: errorMessage(err) });
      });
    }
    await removeNetns(att.sandboxKey).catch((err: unknown) => {
      first ??= err;
    });
    this.#attachments.delete(containerId);
    await rm(join(this.#attDir, `${containerId}.json`), { force: true });
    if (first !== undefined) throw first;
  }

  async #saveAttachment(a: Attachment): Promise<void> {
    await writeFileAtomic(join(this.#attDir, `${a.containerId}.json`), JSON.stringify(a), 0o600);
  }

  /** Stops the DNS servers and removes the NAT rules of networks no container is on (running containers keep theirs). */
  async close(): Promise<void> {
    for (const d of this.#dns.values()) d.close();
    this.#dns.clear();
    for (const id of [...this.#masq]) {
      const n = this.#networks.get(id);
      if (n && this.usersOf(id).length === 0) await this.#dropMasquerade(n).catch((err: unknown) => this.#o.log.warn('removing a NAT rule failed', { network: n.name, err: errorMessage(err) }));
    }
  }
}

/** Refuses a fixed address outside the network or on the default bridge, as docker does. */
/** An IPv6 pool: its subnet a CIDR, its gateway an address inside it. */
function checkIpv6Pool(p: Ipv6Pool): void {
  const s = parseCidr6(p.subnet);
  if (p.ipRange) parseCidr6(p.ipRange);
  if (p.gateway !== undefined) {
    const g = parseIp6(p.gateway);
    if (g === undefined || !contains6(s, g)) throw invalidArgument(`Invalid gateway address ${p.gateway}: it is not in the subnet ${p.subnet}`);
  }
}

/** host-local's range for an IPv6 pool: the network, its gateway (dockerd's default: the first host) and range bounds. */
function ipv6Range(p: Ipv6Pool): Record<string, string> {
  const s = parseCidr6(p.subnet);
  return { subnet: formatCidr6(s), gateway: p.gateway ?? formatIp6(s.base + 1n), ...(p.ipRange ? rangeBounds6(s, parseCidr6(p.ipRange)) : {}) };
}

function checkEndpoint(net: NetworkRecord, spec: EndpointSpec): void {
  if (spec.ipv6Address && net.enableIpv6 && net.ipv6) {
    const a = parseIp6(spec.ipv6Address);
    if (a === undefined || !contains6(parseCidr6(net.ipv6.subnet), a)) throw invalidArgument(`no configured subnet or ip-range contain the IP address ${spec.ipv6Address}`);
  }
  if (!spec.ipv4Address) return;
  const ip = parseIp(spec.ipv4Address);
  if (ip === undefined || !net.subnet || !contains(parseCidr(net.subnet), ip)) {
    throw invalidArgument(`no configured subnet or ip-range contain the IP address ${spec.ipv4Address}`);
  }
  if (net.isDefault) throw invalidArgument('user specified IP address is supported on user defined networks only');
}

/** The name a link alias stands for (`name:alias`, or `name` alone), else the name itself; lower case. */
function linkTarget(links: readonly string[] | undefined, name: string): string {
  for (const l of links ?? []) {
    const [target = '', alias = target] = l.split(':');
    if (alias.toLowerCase() === name) return target.replace(/^\//, '').toLowerCase();
  }
  return name;
}

function cniName(n: NetworkRecord): string {
  return `berth-${n.id.slice(0, 12)}`;
}

function permissionDeniedBuiltin(name: string): Error {
  return permissionDenied(`${name} is a pre-defined network and cannot be removed`);
}

function stateOf(a: Attachment): NetworkState {
  const endpoints: Record<string, EndpointState> = {};
  for (const e of a.endpoints) endpoints[e.state.networkName] = e.state;
  const ports: Record<string, PortBinding[]> = {};
  for (const p of a.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ hostIp: p.hostIp || '0.0.0.0', hostPort: String(p.hostPort) });
  return { sandboxKey: a.sandboxKey, endpoints, ports };
}

/** The IPv4 address/prefix a bridge device already has, if it exists. */
async function bridgeAddress(device: string): Promise<string | undefined> {
  try {
    const out = await runTool('ip', ['-j', '-4', 'addr', 'show', 'dev', device]);
    const parsed = JSON.parse(out) as unknown;
    if (!Array.isArray(parsed)) return undefined;
    const info = (parsed[0] as { addr_info?: { local?: unknown; prefixlen?: unknown }[] } | undefined)?.addr_info?.[0];
    return typeof info?.local === 'string' && typeof info.prefixlen === 'number' ? `${info.local}/${info.prefixlen}` : undefined;
  } catch {
    return undefined; // no such device
  }
}
