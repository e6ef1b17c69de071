// IPv4 address and subnet arithmetic for network planning: parsing CIDRs,
// overlap checks, the host's routed subnets (/proc/net/route), and picking a
// free subnet for a new network the way docker's default address pools do.
import { readFile } from 'node:fs/promises';
import { invalidArgument } from '../core/errors.ts';

export interface Subnet {
  /** Network address as a 32-bit unsigned number. */
  readonly base: number;
  readonly prefix: number;
}

export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.1.0.0/16` → Subnet (host bits cleared); InvalidArgument for anything else. */
export function parseCidr(s: string): Subnet {
  const [ip, len] = s.split('/');
  const addr = ip === undefined ? undefined : parseIp(ip);
  const prefix = Number(len);
  if (addr === undefined || len === undefined || !/^\d+$/.test(len) || prefix > 32) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { base: (addr & mask(prefix)) >>> 0, prefix };
}

/** Like parseCidr but keeps the host part: `172.17.0.1/16` → address and subnet. */
export function parseAddrCidr(s: string): { addr: number; subnet: Subnet } {
  const subnet = parseCidr(s);
  return { addr: parseIp(s.split('/')[0] ?? '')!, subnet };
}

export function formatCidr(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, addr: number): boolean {
  return ((addr & mask(s.prefix)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** The first usable host address (docker's default gateway). */
export function firstHost(s: Subnet): number {
  return s.base + 1;
}

/** Subnets the host routes directly (not the default route). */
export async function hostRoutes(): Promise<Subnet[]> {
  const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (hex: string) => {
      const n = parseInt(hex, 16);
      return (((n & 255) << 24) >>> 0) + (((n >>> 8) & 255) << 16) + (((n >>> 16) & 255) << 8) + ((n >>> 24) & 255);
    };
    const dest = le(f[1]!);
    const m = le(f[7]!);
    if (m === 0) continue;
    let prefix = 0;
    while (prefix < 32 && ((m << prefix) & 0x80000000) !== 0) prefix++;
    out.push({ base: dest, prefix });
  }
  return out;
}

/** docker's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20. */
export function* defaultPool(): Generator<Subnet> {
  for (let b = 17; b <= 31; b++) yield { base: parseIp(`172.${b}.0.0`)!, prefix: 16 };
  for (let c = 0; c <= 240; c += 16) yield { base: parseIp(`192.168.${c}.0`)!, prefix: 20 };
}

/** The first pool subnet overlapping none of `taken`. */
export function pickSubnet(taken: readonly Subnet[]): Subnet | undefined {
  for (const s of defaultPool()) if (!taken.some((t) => overlaps(t, s))) return s;
  return undefined;
}

/** IPAM AuxiliaryAddresses: name → an IPv4 address inside the subnet. */
export function auxAddressesWithin(subnet: Subnet, aux: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, ip] of Object.entries(aux)) {
    const a = parseIp(ip);
    if (a === undefined || !contains(subnet, a)) throw invalidArgument(`invalid auxiliary address ${name}=${ip}: it is not in the subnet ${formatCidr(subnet)}`);
  }
  return { ...aux };
}

/**
 * host-local's rangeStart/rangeEnd for an IP range: its first and last host
 * addresses. A range outside the subnet is ignored, as dockerd 20.10 does
 * (it accepts it, shows it and allocates from the whole subnet).
 */
export function rangeBounds(subnet: Subnet, r: Subnet): { rangeStart: string; rangeEnd: string } | Record<string, never> {
  if (r.prefix < subnet.prefix || !contains(subnet, r.base)) return {};
  const size = 2 ** (32 - r.prefix);
  const first = size > 2 ? r.base + 1 : r.base;
  const last = size > 2 ? r.base + size - 2 : r.base + size - 1;
  return { rangeStart: formatIp(first), rangeEnd: formatIp(last) };
}
