// Published ports: expands docker's PortBindings (a host port, a host port range
// for one container port, or empty meaning "pick one") into concrete mappings,
// checks that each host port is free — both among berth's own containers and on
// the host, by binding it once — and picks range and ephemeral ports round robin
// as docker's port allocator does.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { internal, invalidArgument } from '../core/errors.ts';
import type { PortMapping } from './types.ts';

export const ephemeralRange = { first: 32768, last: 60999 } as const;

/** `80/tcp` → 80 and its protocol. */
export function parsePortKey(key: string): { port: number; protocol: 'tcp' | 'udp' } {
  const [p = '', proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 1 || port > 65535 || (proto !== 'tcp' && proto !== 'udp')) throw invalidArgument(`invalid port specification: "${key}"`);
  return { port, protocol: proto };
}

function probe(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  const host = hostIp === '' ? '0.0.0.0' : hostIp;
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, host, () => s.close(() => resolve(true)));
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Whether two bindings would take the same host port (0.0.0.0 takes it on every address). */
function clash(a: { hostIp: string; hostPort: number; protocol: string }, b: { hostIp: string; hostPort: number; protocol: string }): boolean {
  if (a.hostPort !== b.hostPort || a.protocol !== b.protocol) return false;
  const any = (ip: string) => ip === '' || ip === '0.0.0.0';
  return any(a.hostIp) || any(b.hostIp) || a.hostIp === b.hostIp;
}

/** A host port range `5000-5002` (or one port) from a binding's HostPort; undefined for an ephemeral one. */
export function parseHostPorts(hostPort: string): { first: number; last: number } | undefined {
  if (hostPort === '' || hostPort === '0') return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(hostPort);
  const first = Number(m?.[1]);
  const last = m?.[2] === undefined ? first : Number(m[2]);
  if (!m || first < 1 || last > 65535 || last < first) throw invalidArgument(`invalid port specification: "${hostPort}"`);
  return { first, last };
}

/** Refuses malformed container ports and host ports at create, with docker's text. */
export function validatePortBindings(bindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>): void {
  for (const [key, list] of Object.entries(bindings)) {
    parsePortKey(key);
    for (const b of list) parseHostPorts(b.hostPort);
  }
}

/**
 * Where each host port range was last allocated from (docker's portallocator
 * keeps one per address, protocol and range): the next allocation starts after
 * it and wraps around, so a port just freed is not handed out again at once.
 */
export type PortCursors = Map<string, number>;

/**
 * Resolves bindings into mappings. `taken` are mappings other containers hold.
 * A host port range gives the binding the next free port of the range (docker's
 * round robin); an empty host port one from the ephemeral range.
 * Throws Internal `Bind for 0.0.0.0:8080 failed: port is already allocated` for a
 * single taken port and `all ports are allocated` for a range with none free, as docker does.
 */
export async function allocatePorts(
  bindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>,
  taken: readonly PortMapping[],
  cursors: PortCursors = new Map(),
): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  const busy = (m: { hostIp: string; hostPort: number; protocol: string }) => taken.some((t) => clash(t, m)) || out.some((t) => clash(t, m));
  for (const [key, list] of Object.entries(bindings)) {
    const { port, protocol } = parsePortKey(key);
    for (const b of list.length > 0 ? list : [{ hostIp: '', hostPort: '' }]) {
      const hostIp = b.hostIp === '0.0.0.0' ? '' : b.hostIp;
      const range = parseHostPorts(b.hostPort) ?? ephemeralRange;
      let hostPort = 0;
      if (range.first === range.last) {
        hostPort = range.first;
        if (busy({ hostIp, hostPort, protocol }) || !(await probe(hostIp, hostPort, protocol))) {
          throw internal(`Bind for ${hostIp || '0.0.0.0'}:${hostPort} failed: port is already allocated`);
        }
      } else {
        const cursorKey = `${hostIp || '0.0.0.0'}/${protocol}/${range.first}-${range.last}`;
        let p = cursors.get(cursorKey) ?? range.last;
        for (let i = 0; i <= range.last - range.first; i++) {
          p = p >= range.last ? range.first : p + 1;
          if (!busy({ hostIp, hostPort: p, protocol }) && (await probe(hostIp, p, protocol))) {
            hostPort = p;
            break;
          }
        }
        if (hostPort === 0) throw internal('all ports are allocated');
        cursors.set(cursorKey, hostPort);
      }
      out.push({ hostIp, hostPort, containerPort: port, protocol });
    }
  }
  return out;
}
