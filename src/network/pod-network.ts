// Pod networks as kubelet's runtimes make them (containerd's CRI, CRI-O): a
// network namespace per pod, configured by the first CNI network
// configuration in a conf dir (`/etc/cni/net.d`, files sorted by name, as
// libcni's ConfFiles/LoadConfList read them) with the interface `eth0`, the
// loopback brought up, and port mappings passed to plugins that declare the
// `portMappings` capability (portmap). What ADD returned is kept under the exec
// root so that DEL gets its prevResult, also after a berthd restart.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, invalidArgument, notFound } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { addNetworkList, defaultCniPath, delNetworkList, execPlugin, type CniConfList, type CniPluginConf, type CniResult } from './cni.ts';
import { createNetns, removeNetns } from './netns.ts';
import { cniVersion } from './cni-config.ts';

/** One port a pod publishes on the host (the CRI's PortMapping, portmap's runtimeConfig entry). */
export interface PodPortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  /** `tcp`, `udp` or `sctp`. */
  readonly protocol: string;
  /** '' for every address. */
  readonly hostIP: string;
}

export interface PodNetworkStatus {
  /** The network namespace's path (a bind mount under the exec root). */
  readonly netns: string;
  /** The pod's addresses (without prefix length), IPv4 first. */
  readonly ips: readonly string[];
  /** The CNI network's name. */
  readonly network: string;
}

/** The pod networks of the CRI: set up before the sandbox's infra process, torn down after it stops. */
export interface PodNetworking {
  /**
   * Makes the pod's netns and runs the conf dir's network ADD in it (undone on
   * failure). FailedPrecondition-like Internal errors carry the plugin's message;
   * NotFound when the conf dir has no network configuration.
   */
  setUp(podId: string, options: { portMappings: readonly PodPortMapping[]; labels?: Readonly<Record<string, string>> }): Promise<PodNetworkStatus>;
  /** DEL and removes the netns; nothing set up is not an error. */
  tearDown(podId: string): Promise<void>;
  /** The status of a pod set up and not torn down, else undefined. */
  status(podId: string): Promise<PodNetworkStatus | undefined>;
  /** The network configuration kubelet's NetworkReady condition reports: its name, or an error text saying why there is none. */
  ready(): Promise<{ ready: true; network: string } | { ready: false; reason: string }>;
}

interface PodRecord {
  readonly netns: string;
  readonly list: CniConfList;
  readonly result: CniResult;
  readonly containerId: string;
  readonly portMappings: readonly PodPortMapping[];
}

export interface PodNetworksOptions {
  /** Where per-pod netns and records live (`<execRoot>/cri`). */
  readonly stateDir: string;
  /** CNI network configurations (default `/etc/cni/net.d`). */
  readonly confDir?: string;
  /** CNI plugin binaries (default Debian's `/usr/lib/cni`). */
  readonly binDir?: string;
  readonly log: Logger;
}

export class CniPodNetworks implements PodNetworking {
  readonly #o: PodNetworksOptions;
  readonly #confDir: string;
  readonly #binDir: string;

  constructor(options: PodNetworksOptions) {
    this.#o = options;
    this.#confDir = options.confDir ?? '/etc/cni/net.d';
    this.#binDir = options.binDir ?? defaultCniPath;
  }

  async setUp(podId: string, options: { portMappings: readonly PodPortMapping[]; labels?: Readonly<Record<string, string>> }): Promise<PodNetworkStatus> {
    const list = await this.#confList();
    const netns = join(this.#o.stateDir, 'netns', podId);
    await mkdir(join(this.#o.stateDir, 'pods'), { recursive: true, mode: 0o700 });
    await createNetns(netns);
    const inv = {
      containerId: podId,
      netns,
      ifname: 'eth0',
      runtimeConfig: { portMappings: options.portMappings.map((p) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIP })) },
    };
    try {
      await execPlugin('loopback', 'ADD', { containerId: podId, netns, ifname: 'lo' }, { cniVersion, name: 'cni-loopback', type: 'loopback' }, this.#binDir);
      const result = await addNetworkList(list, inv, this.#binDir);
      const record: PodRecord = { netns, list, result, containerId: podId, portMappings: inv.runtimeConfig.portMappings };
      await writeFile(this.#recordPath(podId), JSON.stringify(record), { mode: 0o600 });
      this.#o.log.info('pod network set up', { pod: podId, network: list.name, ips: ipsOf(result) });
      return { netns, ips: ipsOf(result), network: list.name };
    } catch (err) {
      await removeNetns(netns);
      throw err;
    }
  }

  async tearDown(podId: string): Promise<void> {
    const record = await this.#record(podId);
    if (record === undefined) return;
    await delNetworkList(record.list, { containerId: record.containerId, netns: record.netns, ifname: 'eth0', runtimeConfig: { portMappings: record.portMappings } }, record.result, this.#binDir).catch((err: unknown) =>
      // After the point of no return: the netns goes anyway; a plugin that failed (its state gone) must not keep the pod.
      this.#o.log.warn('CNI DEL of a pod failed', { pod: podId, err: errorMessage(err) }),
    );
    await removeNetns(record.netns);
    await rm(this.#recordPath(podId), { force: true });
    this.#o.log.info('pod network torn down', { pod: podId });
  }

  async status(podId: string): Promise<PodNetworkStatus | undefined> {
    const record = await this.#record(podId);
    return record && { netns: record.netns, ips: ipsOf(record.result), network: record.list.name };
  }

  async ready(): Promise<{ ready: true; network: string } | { ready: false; reason: string }> {
    try {
      return { ready: true, network: (await this.#confList()).name };
    } catch (err) {
      return { ready: false, reason: errorMessage(err) };
    }
  }

  #recordPath(podId: string): string {
    if (!/^[0-9a-zA-Z_.-]+$/.test(podId)) throw invalidArgument(`invalid pod id "${podId}"`);
    return join(this.#o.stateDir, 'pods', `${podId}.json`);
  }

  async #record(podId: string): Promise<PodRecord | undefined> {
    const text = await readFile(this.#recordPath(podId), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as PodRecord);
  }

  /** The first configuration in the conf dir by file name (`.conflist`, or a single `.conf`/`.json` network). */
  async #confList(): Promise<CniConfList> {
    const names = (await readdir(this.#confDir).catch(() => [] as string[])).filter((n) => /\.(conflist|conf|json)$/.test(n)).sort();
    for (const name of names) {
      const path = join(this.#confDir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8'));
      } catch (err) {
        this.#o.log.warn('skipping an unreadable CNI configuration', { path, err: errorMessage(err) });
        continue;
      }
      const list = asConfList(parsed, name.endsWith('.conflist'));
      if (list) return list;
      this.#o.log.warn('skipping a CNI configuration without plugins', { path });
    }
    throw notFound(`no network config found in ${this.#confDir}: cni plugin not initialized`);
  }
}

function asConfList(v: unknown, isList: boolean): CniConfList | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const name = typeof o['name'] === 'string' ? o['name'] : '';
  const version = typeof o['cniVersion'] === 'string' ? o['cniVersion'] : cniVersion;
  if (isList || Array.isArray(o['plugins'])) {
    const plugins = Array.isArray(o['plugins']) ? (o['plugins'] as unknown[]).filter((p): p is CniPluginConf => typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string') : [];
    return plugins.length > 0 ? { cniVersion: version, name, plugins } : undefined;
  }
  return typeof o['type'] === 'string' ? { cniVersion: version, name, plugins: [o as CniPluginConf] } : undefined;
}

function ipsOf(result: CniResult): string[] {
  const ips = (result.ips ?? []).map((ip) => ip.address.split('/')[0] ?? '').filter((a) => a !== '');
  return [...ips.filter((a) => !a.includes(':')), ...ips.filter((a) => a.includes(':'))];
}
