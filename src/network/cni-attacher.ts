// Attaching containers to networks through CNI: a netns under
// <execRoot>/netns, published ports allocated across all containers, one CNI
// ADD per network (eth0 gets the ports), the embedded DNS's sockets in the
// netns, and the exact undoing of all that (CNI DEL with the recorded configs) at detach.
import { join } from 'node:path';
import { conflict, errorMessage, invalidArgument } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { EndpointSpec, EndpointState, NetworkState } from '../core/types.ts';
import type { KeyedMutex } from '../lib/keyed-mutex.ts';
import type { Logger } from '../lib/logger.ts';
import { type Attachment, type AttachmentRecords, stateOf } from './attachments.ts';
import { checkEndpoint } from './bridge-network.ts';
import { addNetworkList, delNetworkList, execPlugin } from './cni.ts';
import { bridgeConfList, cniVersion } from './cni-config.ts';
import type { EmbeddedDns } from './embedded-dns.ts';
import type { HostBridges } from './host-bridges.ts';
import type { NetworkRecords } from './network-records.ts';
import { createNetns, removeNetns } from './netns.ts';
import { allocatePorts, type PortCursors } from './ports.ts';
import { span, spanSync } from '../lib/index.ts';
import type { AttachRequest, NetworkRecord, PortMapping, PreparedAttachment } from './types.ts';

export interface CniAttacherOptions {
  readonly networks: NetworkRecords;
  readonly attachments: AttachmentRecords;
  readonly bridges: HostBridges;
  readonly dns: EmbeddedDns;
  /** Shared with the manager; this class takes the `ports` key. */
  readonly lock: KeyedMutex;
  readonly execRoot: string;
  readonly ipamDir: string;
  readonly cniPath: string;
  readonly mtu: number;
  readonly log: Logger;
}

export class CniAttacher {
  readonly #o: CniAttacherOptions;
  /** Round-robin positions of host port ranges (in memory, as docker's port allocator). */
  readonly #portCursors: PortCursors = new Map();

  constructor(options: CniAttacherOptions) {
    this.#o = options;
  }

  /** See NetworkManager.prepare (ContainerNetworking in roles.ts). */
  async prepare(req: AttachRequest): Promise<PreparedAttachment> {
    const { attachments, dns, bridges } = this.#o;
    if (attachments.get(req.containerId)) await this.detach(req.containerId);
    await dns.readUpstreams();
    const nets = req.networks.map((x) => ({ net: this.#o.networks.get(x.network), spec: x.spec }));
    for (const { net } of nets) if (net.driver !== 'bridge') throw invalidArgument(`container cannot be connected to network ${net.name} this way`);
    for (const { net, spec } of nets) checkEndpoint(net, spec);
    if (nets.some(({ net }) => !net.internal)) void bridges.forwardPolicyDrops();
    const ports = await this.#o.lock.run('ports', async () => {
      const p = Object.keys(req.portBindings).length > 0 && nets.length > 0 ? await allocatePorts(req.portBindings, attachments.takenPorts(req.containerId), this.#portCursors) : [];
      const sandboxKey = join(this.#o.execRoot, 'netns', req.containerId);
      // Recorded before any CNI call, so that a crash of berthd in between still lets detach clean up. Without
      // an fsync: it names no endpoint yet, only the netns and the ports, none of which outlives a power loss;
      // the record with the endpoint (which an IP lease on disk needs) is written durably after CNI ADD.
      const att: Attachment = { containerId: req.containerId, containerName: req.containerName, hostname: req.hostname, sandboxKey, endpoints: [], ports: p, dnsSockets: true, ...(req.dns && req.dns.length > 0 ? { dns: [...req.dns] } : {}) };
      await attachments.add(att, { durable: false });
      return p;
    });
    const att = attachments.get(req.containerId)!;
    const undo = async (err: unknown): Promise<never> => {
      await this.detach(req.containerId).catch((e: unknown) => this.#o.log.warn('undoing a failed network attach failed', { container: req.containerId, err: errorMessage(e) }));
      throw err;
    };
    // lo comes up with the netns (native/netns.c), as CNI's loopback plugin would bring it up: one Go
    // program less per container. Without berth's addon the plugin still does it, in connect.
    const loopbackUp = await createNetns(att.sandboxKey, { loopbackUp: true }).catch(undo);
    return { state: stateOf(att), connect: () => this.#connectAll(att, nets, ports, loopbackUp).catch(undo) };
  }

  async #connectAll(att: Attachment, nets: readonly { net: NetworkRecord; spec: EndpointSpec }[], ports: readonly PortMapping[], loopbackUp: boolean): Promise<NetworkState> {
    // Loopback and the networks touch different interfaces: set them up side by side.
    const lo = loopbackUp ? Promise.resolve() : execPlugin('loopback', 'ADD', { containerId: att.containerId, netns: att.sandboxKey, ifname: 'lo' }, { cniVersion, name: 'berth-loopback', type: 'loopback' }, this.#o.cniPath);
    const eths = (async () => {
      for (const [i, { net, spec }] of nets.entries()) await this.#connectOne(att, net, spec, `eth${i}`, i === 0 ? ports : []);
    })();
    const [a, b] = await Promise.allSettled([lo, eths]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    await span('network: embedded DNS serve', { container: att.containerId.slice(0, 12) }, () => this.#o.dns.serve(att));
    return stateOf(att);
  }

  async #connectOne(att: Attachment, net: NetworkRecord, spec: EndpointSpec, ifname: string, ports: readonly PortMapping[]): Promise<EndpointState> {
    if (att.endpoints.some((e) => e.state.networkId === net.id)) {
      throw conflict(`endpoint with name ${att.containerName} already exists in network ${net.name}`);
    }
    checkEndpoint(net, spec);
    const { bridges } = this.#o;
    const at = { container: att.containerId.slice(0, 12) };
    await span('network: bridge and NAT rule ensured', at, async () => {
      await bridges.ensureBridge(net);
      await bridges.ensureMasquerade(net);
    });
    const fixedIps = [spec.ipv4Address, net.enableIpv6 && net.ipv6 ? spec.ipv6Address : undefined].filter((x): x is string => x !== undefined && x !== '');
    const confList = bridgeConfList(net, {
      mtu: this.#o.mtu,
      ipamDir: this.#o.ipamDir,
      withPorts: ports.length > 0,
      fixedIps,
      withFirewall: !net.internal && (await span('network: FORWARD policy (iptables -S, cached 10 s)', at, () => bridges.forwardPolicyDrops())),
      mac: spec.macAddress,
    });
    const runtimeConfig = ports.length > 0 ? { portMappings: ports.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIp })) } : {};
    const inv = { containerId: att.containerId, netns: att.sandboxKey, ifname, runtimeConfig };
    const result = await addNetworkList(confList, inv, this.#o.cniPath);
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
    await span('network: attachment recorded', at, () => this.#o.attachments.save(att));
    this.#o.log.info('container connected', { container: att.containerId, network: net.name, ip });
    return state;
  }

  /** Connects a running container (one that has a netns) to one more network. */
  async connect(containerId: string, network: string, spec: EndpointSpec): Promise<NetworkState> {
    const att = this.#o.attachments.get(containerId);
    if (!att) throw conflict(`container ${containerId} has no network namespace`);
    const net = this.#o.networks.get(network);
    if (net.driver !== 'bridge') throw invalidArgument(`container cannot be disconnected from host network or connected to host network`);
    await this.#o.dns.readUpstreams();
    const used = new Set(att.endpoints.map((e) => e.ifname));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    await this.#connectOne(att, net, spec, `eth${i}`, []);
    await this.#o.dns.serve(att);
    return stateOf(att);
  }

  /** Disconnects a running container from one network (CNI DEL of that endpoint). */
  async disconnect(containerId: string, network: string): Promise<NetworkState | undefined> {
    const att = this.#o.attachments.get(containerId);
    if (!att) return undefined;
    const net = this.#o.networks.get(network);
    const idx = att.endpoints.findIndex((e) => e.state.networkId === net.id);
    if (idx < 0) return stateOf(att);
    const ep = att.endpoints[idx]!;
    await delNetworkList(ep.confList, { containerId, netns: att.sandboxKey, ifname: ep.ifname, runtimeConfig: ep.runtimeConfig }, ep.result, this.#o.cniPath);
    att.endpoints.splice(idx, 1);
    if (idx === 0) att.ports.splice(0, att.ports.length);
    await this.#o.attachments.save(att);
    return stateOf(att);
  }

  /** Undoes attach: CNI DEL per endpoint (releases the IP, veth, NAT and port rules), removes the netns and the record. */
  async detach(containerId: string): Promise<void> {
    const att = this.#o.attachments.get(containerId);
    if (!att) return;
    // First: the DNS sockets would keep the netns alive after it is unmounted.
    spanSync('network: embedded DNS release', { container: containerId.slice(0, 12) }, () => this.#o.dns.release(containerId));
    let first: unknown;
    for (const ep of [...att.endpoints].reverse()) {
      await delNetworkList(ep.confList, { containerId, netns: att.sandboxKey, ifname: ep.ifname, runtimeConfig: ep.runtimeConfig }, ep.result, this.#o.cniPath).catch((err: unknown) => {
        first ??= err;
        this.#o.log.warn('CNI DEL failed', { container: containerId, network: ep.state.networkName, err: errorMessage(err) });
      });
    }
    await removeNetns(att.sandboxKey).catch((err: unknown) => {
      first ??= err;
    });
    await this.#o.attachments.remove(containerId);
    if (first !== undefined) throw first;
  }
}
