// compose: parsing a service's `ports` (every short form, and the long form)
// into PortConfig entries, and spreading a published range over replicas.
import { invalidArgument } from '../core/errors.ts';

export interface PortConfig {
  readonly target: number;
  /** A port or a range "5000-5002"; absent for an ephemeral host port. */
  readonly published?: string;
  readonly host_ip?: string;
  readonly protocol: string;
  readonly mode: string;
}

function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalidArgument(`invalid ${what} port "${s}"`);
  const a = Number(m[1]);
  return [a, m[2] !== undefined ? Number(m[2]) : a];
}

/** Parses one short-form entry: "80", "8080:80", "127.0.0.1:8080:80/udp", "[::1]::80", "5000-5002:5440". */
export function parseShortPort(spec: string): PortConfig[] {
  let s = spec;
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) { protocol = s.slice(slash + 1); s = s.slice(0, slash); }
  let hostIp: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    hostIp = s.slice(1, end);
    s = s.slice(end + 2);
  }
  const parts = s.split(':');
  let published: string | undefined;
  let target: string;
  if (parts.length === 1) target = parts[0] as string;
  else if (parts.length === 2) {
    if (hostIp !== undefined) { published = parts[0]; target = parts[1] as string; } else { published = parts[0]; target = parts[1] as string; }
  } else if (parts.length === 3) { hostIp = parts[0]; published = parts[1]; target = parts[2] as string; } else throw invalidArgument(`invalid port "${spec}"`);
  if (published === '') published = undefined;
  const [t0, t1] = parseRange(target, 'container');
  const base = { protocol, mode: 'ingress', ...(hostIp ? { host_ip: hostIp } : {}) };
  if (t0 === t1) return [{ ...base, target: t0, ...(published !== undefined ? { published } : {}) }];
  // A container range maps one-to-one onto a host range of the same length.
  const out: PortConfig[] = [];
  const [p0] = published !== undefined ? parseRange(published, 'host') : [undefined];
  for (let t = t0; t <= t1; t++) out.push({ ...base, target: t, ...(p0 !== undefined ? { published: String(p0 + t - t0) } : {}) });
  return out;
}

/** Normalises a `ports` list (short strings/numbers and long mappings). */
export function parsePorts(list: readonly unknown[]): PortConfig[] {
  const out: PortConfig[] = [];
  for (const p of list) {
    if (typeof p === 'string' || typeof p === 'number') { out.push(...parseShortPort(String(p))); continue; }
    const m = p as Record<string, unknown>;
    out.push({
      target: Number(m['target']), protocol: String(m['protocol'] ?? 'tcp'), mode: String(m['mode'] ?? 'ingress'),
      ...(m['published'] !== undefined && m['published'] !== '' ? { published: String(m['published']) } : {}),
      ...(m['host_ip'] !== undefined ? { host_ip: String(m['host_ip']) } : {}),
    });
  }
  return out;
}

/**
 * The host port for replica `n` (1-based): a published range gives each replica
 * its own port (Compose's behaviour for `5000-5002:5440` with 3 replicas).
 */
export function hostPortFor(p: PortConfig, n: number): string {
  if (p.published === undefined) return '';
  const [a, b] = parseRange(p.published, 'host');
  if (a === b) return String(a);
  const port = a + n - 1;
  if (port > b) throw invalidArgument(`not enough ports in range ${p.published} for replica ${n}`);
  return String(port);
}
