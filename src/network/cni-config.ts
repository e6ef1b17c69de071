// The CNI config list of a bridge network for one endpoint: bridge with
// host-local IPAM (IPv4 and, when enabled, IPv6 ranges), plus the firewall
// plugin when the host's FORWARD chain drops and portmap when ports are published.
import type { CniConfList } from './cni.ts';
import { rangeBounds, parseCidr } from './ipv4.ts';
import { formatCidr6, formatIp6, parseCidr6, rangeBounds6 } from './ipv6.ts';
import type { Ipv6Pool, NetworkRecord } from './types.ts';

export const cniVersion = '1.0.0';

/** The CNI network name of a berth network (also its host-local IPAM directory and NAT comment). */
export function cniName(n: NetworkRecord): string {
  return `berth-${n.id.slice(0, 12)}`;
}

export interface BridgeConfOptions {
  readonly mtu: number;
  /** host-local's data directory. */
  readonly ipamDir: string;
  readonly withPorts: boolean;
  /** Fixed addresses (--ip, --ip6) the endpoint asks for. */
  readonly fixedIps: readonly string[];
  readonly withFirewall: boolean;
  /** A fixed MAC address (--mac-address). */
  readonly mac?: string | undefined;
}

export function bridgeConfList(n: NetworkRecord, o: BridgeConfOptions): CniConfList {
  const bridge: Record<string, unknown> & { type: string } = {
    type: 'bridge',
    bridge: n.bridge,
    isGateway: true,
    // Outbound NAT is one rule per network (HostBridges.ensureMasquerade), not a chain per container.
    ipMasq: false,
    hairpinMode: true,
    mtu: o.mtu,
    ipam: {
      type: 'host-local',
      dataDir: o.ipamDir,
      ranges: [[{ subnet: n.subnet, gateway: n.gateway, ...(n.ipRange ? rangeBounds(parseCidr(n.subnet!), parseCidr(n.ipRange)) : {}) }], ...(n.enableIpv6 && n.ipv6 ? [[ipv6Range(n.ipv6)]] : [])],
      routes: n.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  };
  // A fixed address and a fixed MAC (--mac-address) go to the bridge plugin as CNI args.
  if (o.fixedIps.length > 0 || o.mac) bridge['args'] = { cni: { ...(o.fixedIps.length > 0 ? { ips: [...o.fixedIps] } : {}), ...(o.mac ? { mac: o.mac } : {}) } };
  return {
    cniVersion,
    name: cniName(n),
    plugins: [
      bridge,
      ...(o.withFirewall ? [{ type: 'firewall', backend: 'iptables' }] : []),
      ...(o.withPorts ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
    ],
  };
}

/** host-local's range for an IPv6 pool: the network, its gateway (dockerd's default: the first host) and range bounds. */
function ipv6Range(p: Ipv6Pool): Record<string, string> {
  const s = parseCidr6(p.subnet);
  return { subnet: formatCidr6(s), gateway: p.gateway ?? formatIp6(s.base + 1n), ...(p.ipRange ? rangeBounds6(s, parseCidr6(p.ipRange)) : {}) };
}
