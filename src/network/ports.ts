// Published ports: expands docker's PortBindings (ranges already split by the
// client; empty host ports meaning "pick one") into concrete mappings, checks
// that each host port is free — both among berth's own containers and on the
// host, by binding it once — and picks ephemeral ports from docker's range.
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

/**
 * Resolves bindings into mappings. `taken` are mappings other containers hold.
 * Throws Internal `Bind for 0.0.0.0:8080 failed: port is already allocated` as docker does.
 */
export async function allocatePorts(bindings: Readonly<Record<string, readonly { hostIp: string; hostPort: string }[]>>, taken: readonly PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  const busy = (m: { hostIp: string; hostPort: number; protocol: string }) => taken.some((t) => clash(t, m)) || out.some((t) => clash(t, m));
  for (const [key, list] of Object.entries(bindings)) {
    const { port, protocol } = parsePortKey(key);
    for (const b of list.length > 0 ? list : [{ hostIp: '', hostPort: '' }]) {
      const hostIp = b.hostIp === '0.0.0.0' ? '' : b.hostIp;
      let hostPort: number;
      if (b.hostPort === '' || b.hostPort === '0') {
        hostPort = 0;
        for (let p = ephemeralRange.first; p <= ephemeralRange.last; p++) {
          if (!busy({ hostIp, hostPort: p, protocol }) && (await probe(hostIp, p, protocol))) {
            hostPort = p;
            break;
          }
        }
        if (hostPort === 0) throw internal(`no free host port in ${ephemeralRange.first}-${ephemeralRange.last}`);
      } else {
        // A range left unsplit (`5000-5002`) takes its first port, as docker does for a single container port.
        hostPort = Number(b.hostPort.split('-')[0]);
        if (!Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65535) throw invalidArgument(`invalid hostPort: ${b.hostPort}`);
        if (busy({ hostIp, hostPort, protocol }) || !(await probe(hostIp, hostPort, protocol))) {
          throw internal(`Bind for ${hostIp || '0.0.0.0'}:${hostPort} failed: port is already allocated`);
        }
      }
      out.push({ hostIp, hostPort, containerPort: port, protocol });
    }
  }
  return out;
}
