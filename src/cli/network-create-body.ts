// cli: the body of `network create` as the docker CLI builds it — IPAM pools put
// together from --subnet, --ip-range, --gateway and --aux-address by which subnet
// contains each address (docker's consolidateIpam), plus --ipam-driver/--ipam-opt,
// --ipv4/--ipv6, --scope, --ingress, --config-only and --config-from.
import { isIP } from 'node:net';

export interface NetworkCreateFlags {
  driver?: string;
  subnet?: string[];
  ipRange?: string[];
  gateway?: string[];
  auxAddress?: string[];
  internal?: boolean;
  attachable?: boolean;
  ingress?: boolean;
  configOnly?: boolean;
  configFrom?: string;
  scope?: string;
  ipamDriver?: string;
  ipamOpt?: string[];
  ipv4?: boolean | string;
  ipv6?: boolean | string;
  label?: string[];
  opt?: string[];
}

const kv = (values: readonly string[]) => Object.fromEntries(values.map((v) => { const i = v.indexOf('='); return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)]; }));

function toBig(ip: string): { v: 4 | 6; n: bigint } | undefined {
  const kind = isIP(ip);
  if (kind === 4) return { v: 4, n: ip.split('.').reduce((a, p) => (a << 8n) + BigInt(Number(p)), 0n) };
  if (kind !== 6) return undefined;
  const [head = '', tail] = ip.split('::');
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = tail === undefined ? [] : parts(tail);
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { v: 6, n: groups.reduce((a, g) => (a << 16n) + BigInt(parseInt(g, 16)), 0n) };
}

function cidr(text: string): { v: 4 | 6; base: bigint; bits: number } | undefined {
  const [ip = '', len] = text.split('/');
  const a = toBig(ip);
  if (!a || len === undefined || !/^\d+$/.test(len)) return undefined;
  const width = a.v === 4 ? 32 : 128;
  const bits = Number(len);
  if (bits > width) return undefined;
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - bits)) - 1n);
  return { v: a.v, base: a.n & mask, bits };
}

function contains(subnet: string, ip: string): boolean {
  const s = cidr(subnet);
  const a = toBig(ip.split('/')[0] ?? '');
  if (!s || !a || s.v !== a.v) return false;
  const width = s.v === 4 ? 32 : 128;
  return (a.n >> BigInt(width - s.bits)) === (s.base >> BigInt(width - s.bits));
}

function bool(v: boolean | string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === true || !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(String(v));
}

/** The POST /networks/create body; throws with docker's message on an inconsistent IPAM. */
export function networkCreateBody(name: string, f: NetworkCreateFlags): Record<string, unknown> {
  const subnets = f.subnet ?? [];
  const ranges = f.ipRange ?? [];
  const gateways = f.gateway ?? [];
  const aux = f.auxAddress ?? [];
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const pools = subnets.map((s) => ({ Subnet: s, IPRange: '', Gateway: '', AuxAddress: {} as Record<string, string> }));
  for (const r of ranges) {
    const matches = pools.filter((p) => contains(p.Subnet, r));
    if (matches.length === 0) throw new Error(`no matching subnet for range ${r}`);
    for (const p of matches) {
      if (p.IPRange !== '') throw new Error(`cannot configure multiple ranges (${r}, ${p.IPRange}) on the same subnet (${p.Subnet})`);
      p.IPRange = r;
    }
  }
  for (const g of gateways) {
    const matches = pools.filter((p) => contains(p.Subnet, g));
    if (matches.length === 0) throw new Error(`no matching subnet for gateway ${g}`);
    for (const p of matches) {
      if (p.Gateway !== '') throw new Error(`cannot configure multiple gateways (${g}, ${p.Gateway}) for the same subnet (${p.Subnet})`);
      p.Gateway = g;
    }
  }
  for (const [key, ip] of Object.entries(kv(aux))) {
    const matches = pools.filter((p) => contains(p.Subnet, ip));
    if (matches.length === 0) throw new Error(`no matching subnet for aux-address ${ip}`);
    for (const p of matches) p.AuxAddress[key] = ip;
  }
  const body: Record<string, unknown> = {
    Name: name,
    // As the docker CLI: a taken name is refused (the API alone allows a second network of it).
    CheckDuplicate: true,
    Driver: f.driver ?? 'bridge',
    Options: kv(f.opt ?? []),
    IPAM: {
      Driver: f.ipamDriver ?? 'default',
      Config: pools.map((p) => ({ Subnet: p.Subnet, ...(p.IPRange ? { IPRange: p.IPRange } : {}), ...(p.Gateway ? { Gateway: p.Gateway } : {}), ...(Object.keys(p.AuxAddress).length > 0 ? { AuxiliaryAddresses: p.AuxAddress } : {}) })),
      Options: kv(f.ipamOpt ?? []),
    },
    Internal: !!f.internal,
    Attachable: !!f.attachable,
    Ingress: !!f.ingress,
    Scope: f.scope ?? '',
    ConfigOnly: !!f.configOnly,
    Labels: kv(f.label ?? []),
  };
  const v4 = bool(f.ipv4);
  const v6 = bool(f.ipv6);
  if (v4 !== undefined) body['EnableIPv4'] = v4;
  if (v6 !== undefined) body['EnableIPv6'] = v6;
  if (f.configFrom) body['ConfigFrom'] = { Network: f.configFrom };
  return body;
}
