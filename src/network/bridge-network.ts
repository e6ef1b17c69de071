// A new user-defined bridge network's record from docker's create options:
// its IPv4 subnet (given, or the first pool free of other networks and host
// routes), gateway, IP range and aux addresses, and its IPv6 pool; with the
// address checks docker makes on the network and on an endpoint's fixed IPs.
import { invalidArgument } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { EndpointSpec } from '../core/types.ts';
import { auxAddressesWithin, contains, firstHost, formatCidr, formatIp, hostRoutes, overlaps, parseCidr, parseIp, pickSubnet, type Subnet } from './ipv4.ts';
import { contains6, parseCidr6, parseIp6 } from './ipv6.ts';
import type { CreateNetworkOptions, Ipv6Pool, NetworkRecord } from './types.ts';

export function nowIso(): string {
  return new Date().toISOString();
}

/** The record of network `o` (not yet saved); InvalidArgument for an overlapping or malformed pool. */
export async function newBridgeNetwork(o: CreateNetworkOptions, existing: readonly NetworkRecord[]): Promise<NetworkRecord> {
  const taken = existing.filter((n) => n.subnet).map((n) => parseCidr(n.subnet!));
  let subnet: Subnet;
  if (o.subnet) {
    subnet = parseCidr(o.subnet);
    const clash = existing.find((n) => n.subnet && overlaps(parseCidr(n.subnet), subnet));
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
  return {
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
    ...(o.ipamOptions ? { ipamOptions: { ...o.ipamOptions } } : {}),
    ...(o.enableIpv6 ? { enableIpv6: true } : {}),
    ...(o.ipv6 ? { ipv6: { ...o.ipv6 } } : {}),
    bridge,
  };
}

/** An IPv6 pool: its subnet a CIDR, its gateway an address inside it. */
function checkIpv6Pool(p: Ipv6Pool): void {
  const s = parseCidr6(p.subnet);
  if (p.ipRange) parseCidr6(p.ipRange);
  if (p.gateway !== undefined) {
    const g = parseIp6(p.gateway);
    if (g === undefined || !contains6(s, g)) throw invalidArgument(`Invalid gateway address ${p.gateway}: it is not in the subnet ${p.subnet}`);
  }
}

/** Refuses a fixed address outside the network or on the default bridge, as docker does. */
export function checkEndpoint(net: NetworkRecord, spec: EndpointSpec): void {
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
