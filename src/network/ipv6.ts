// IPv6 address and prefix arithmetic for dual-stack bridge networks: parsing
// and formatting (RFC 5952 compression), a CIDR's network address, its first
// host (dockerd's default gateway) and an IP range's bounds for host-local.
import { isIPv6 } from 'node:net';
import { invalidArgument } from '../core/errors.ts';

export interface Subnet6 {
  readonly base: bigint;
  readonly prefix: number;
}

const all = (1n << 128n) - 1n;

export function parseIp6(s: string): bigint | undefined {
  if (!isIPv6(s) || s.includes('.') || s.includes('%')) return undefined;
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function formatIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups becomes `::`.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (all << BigInt(128 - prefix)) & all;
}

/** `2001:db8::1/64` → the network (host bits cleared); InvalidArgument for anything else. */
export function parseCidr6(s: string): Subnet6 {
  const [ip = '', len] = s.split('/');
  const addr = parseIp6(ip);
  const prefix = Number(len);
  if (addr === undefined || len === undefined || !/^\d+$/.test(len) || prefix > 128) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { base: addr & mask6(prefix), prefix };
}

export function formatCidr6(s: Subnet6): string {
  return `${formatIp6(s.base)}/${s.prefix}`;
}

export function contains6(s: Subnet6, addr: bigint): boolean {
  return (addr & mask6(s.prefix)) === s.base;
}

/** host-local's bounds for an IP range inside the subnet (none when it is not inside). */
export function rangeBounds6(subnet: Subnet6, r: Subnet6): { rangeStart: string; rangeEnd: string } | Record<string, never> {
  if (r.prefix < subnet.prefix || !contains6(subnet, r.base)) return {};
  const size = 1n << BigInt(128 - r.prefix);
  return size > 2n ? { rangeStart: formatIp6(r.base + 1n), rangeEnd: formatIp6(r.base + size - 1n) } : { rangeStart: formatIp6(r.base), rangeEnd: formatIp6(r.base + size - 1n) };
}
