// The built-in networks every berthd has: the default bridge (docker's
// docker0; berth0 unless --bridge) with the options dockerd shows on it, and
// the host and none networks. Also the MTU containers get (the host's).
import { readFile } from 'node:fs/promises';
import { internal } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { runTool } from '../lib/run-tool.ts';
import { nowIso } from './bridge-network.ts';
import { firstHost, formatCidr, formatIp, hostRoutes, parseAddrCidr, parseCidr, pickSubnet } from './ipv4.ts';
import type { NetworkRecords } from './network-records.ts';

export interface DefaultNetworkOptions {
  /** Device name of the default bridge (docker's docker0). */
  readonly bridgeName?: string | undefined;
  /** Gateway address and prefix of the default bridge (docker's --bip); picked from docker's pool when absent. */
  readonly bridgeCidr?: string | undefined;
  readonly mtu: number;
}

/** Creates or updates the records of bridge, host and none. */
export async function ensureDefaultNetworks(records: NetworkRecords, o: DefaultNetworkOptions): Promise<void> {
  const bridgeName = o.bridgeName ?? 'berth0';
  const current = records.byName('bridge');
  let cidr = o.bridgeCidr;
  if (cidr === undefined) {
    const existing = await bridgeAddress(bridgeName);
    // The device outlives berthd (and a lost data root): keep its address, as
    // dockerd keeps docker0's, rather than a subnet the CNI bridge plugin
    // would refuse ("already has an IP address different from …").
    if (existing !== undefined) cidr = existing;
    else if (current?.subnet && current.gateway && current.bridge === bridgeName) cidr = `${current.gateway}/${current.subnet.split('/')[1]}`;
    else {
      const others = records.all().filter((n) => n.name !== 'bridge' && n.subnet).map((n) => parseCidr(n.subnet!));
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
    'com.docker.network.driver.mtu': String(o.mtu),
  };
  const sameOptions = JSON.stringify(current?.options) === JSON.stringify(options);
  if (!current || !sameOptions || current.subnet !== want.subnet || current.gateway !== want.gateway || current.bridge !== want.bridge) {
    await records.save({
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
    if (!records.byName(name)) {
      await records.save({ id: newId(), name, created: nowIso(), driver, internal: false, attachable: false, labels: {}, options: {} });
    }
  }
}

/** The MTU of the interface holding the default route (containers use no more than that). */
export async function hostMtu(): Promise<number> {
  const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(/\s+/)[1] === '00000000');
  const dev = line?.split(/\s+/)[0];
  if (!dev) return 1500;
  const mtu = Number((await readFile(`/sys/class/net/${dev}/mtu`, 'utf8').catch(() => '1500')).trim());
  return Number.isInteger(mtu) && mtu > 0 ? Math.min(mtu, 1500) : 1500;
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
