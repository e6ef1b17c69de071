// The embedded DNS resolver of one user-defined network: a UDP server on the
// network's gateway address, port 53. Questions for names of containers on the
// network (names, aliases, hostnames) get A records for every container holding
// the name; everything else is relayed, packet as is, to the host's resolvers.
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../lib/logger.ts';

const typeA = 1;
const classIN = 1;

/** The question of a DNS query: lower-cased name without the trailing dot, type, and where the question ends. */
export function parseQuestion(msg: Buffer): { name: string; qtype: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    const len = msg[i];
    if (len === undefined || len > 63) return undefined;
    i++;
    if (len === 0) break;
    if (i + len > msg.length) return undefined;
    labels.push(msg.subarray(i, i + len).toString('latin1'));
    i += len;
  }
  if (i + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), qtype: msg.readUInt16BE(i), end: i + 4 };
}

/** An authoritative answer to `query` with A records for `ips` (none: an empty NOERROR answer). */
export function answerA(query: Buffer, end: number, ips: readonly string[], ttl = 600): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  const rd = header.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080, 2); // QR, AA, RD copied, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const answers = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(typeA, 2);
    rr.writeUInt16BE(classIN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, end), ...answers]);
}

export interface DnsServerOptions {
  readonly address: string;
  readonly port?: number;
  /** Addresses holding `name` on this network (lower-case, no trailing dot). */
  readonly lookup: (name: string) => readonly string[];
  /** The host's resolvers to relay other questions to. */
  readonly upstreams: () => readonly string[];
  readonly log: Logger;
}

export class DnsServer {
  readonly #o: DnsServerOptions;
  #sock: Socket | undefined;

  constructor(options: DnsServerOptions) {
    this.#o = options;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: 'udp4', reuseAddr: true });
      sock.once('error', reject);
      sock.on('message', (msg, rinfo) => void this.#answer(sock, msg, rinfo.address, rinfo.port));
      sock.bind(this.#o.port ?? 53, this.#o.address, () => {
        sock.off('error', reject);
        sock.on('error', (err) => this.#o.log.warn('dns socket error', { address: this.#o.address, err }));
        this.#sock = sock;
        resolve();
      });
    });
  }

  /** The bound port (useful when started on port 0). */
  get port(): number {
    return this.#sock?.address().port ?? 0;
  }

  close(): void {
    this.#sock?.close();
    this.#sock = undefined;
  }

  async #answer(sock: Socket, msg: Buffer, host: string, port: number): Promise<void> {
    const q = parseQuestion(msg);
    if (q) {
      const ips = this.#o.lookup(q.name);
      if (ips.length > 0) {
        // A name on the network: A records for A questions, an empty answer for others (AAAA), as docker's resolver does.
        sock.send(answerA(msg, q.end, q.qtype === typeA ? ips : []), port, host);
        return;
      }
    }
    const reply = await this.#relay(msg);
    if (reply && this.#sock === sock) sock.send(reply, port, host);
  }

  /** Asks the host's resolvers in turn; undefined when none answers within 3 s each. */
  async #relay(msg: Buffer): Promise<Buffer | undefined> {
    for (const server of this.#o.upstreams()) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const s = createSocket('udp4');
        const done = (b: Buffer | undefined) => {
          clearTimeout(timer);
          s.close();
          resolve(b);
        };
        const timer = setTimeout(() => done(undefined), 3000);
        s.once('error', () => done(undefined));
        s.once('message', (b) => done(b));
        s.send(msg, 53, server);
      });
      if (reply) return reply;
    }
    return undefined;
  }
}
