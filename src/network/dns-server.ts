// An embedded DNS resolver: UDP and TCP servers, either on sockets made
// elsewhere (a container's 127.0.0.11:53, made inside its netns: dns-sockets.ts)
// or bound to an address and port of berthd's own netns (tests' stand-ins).
// Questions for names of containers the asking container can see (names,
// aliases, hostnames) get A records for every container holding the name;
// everything else is relayed, message as is, to the asking container's
// resolvers (its --dns, else the host's), from berthd's netns, over the
// transport the question came on.
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
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

/**
 * An answer to `query` with A records for `ips` (none: an empty NOERROR
 * answer). Not authoritative, as libnetwork's resolver answers (miekg/dns
 * SetReply plus RecursionAvailable): resolvers print "Non-authoritative
 * answer" for it, as they do against dockerd.
 */
export function answerA(query: Buffer, end: number, ips: readonly string[], ttl = 600): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  const rd = header.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | rd | 0x0080, 2); // QR, RD copied, RA
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
  /** Where to bind in berthd's netns (when `sockets` is absent). */
  readonly address?: string;
  readonly port?: number;
  /** A bound UDP and a listening TCP socket to serve on (adopted: close() closes them). */
  readonly sockets?: { readonly udpFd: number; readonly tcpFd: number };
  /** Addresses holding `name` (lower-case, no trailing dot) as seen by the container at address `client`. */
  readonly lookup: (name: string, client: string) => readonly string[];
  /** The resolvers to relay other questions of `client` to. */
  readonly upstreams: (client: string) => readonly string[];
  /** The upstreams' port (53; another for tests). */
  readonly upstreamPort?: number;
  readonly log: Logger;
}

/** Largest DNS message over TCP (two length bytes). */
const maxTcpMessage = 0xffff;
const relayTimeoutMs = 3000;

export class DnsServer {
  readonly #o: DnsServerOptions;
  #sock: Socket | undefined;
  #tcp: Server | undefined;
  readonly #conns = new Set<TcpSocket>();

  constructor(options: DnsServerOptions) {
    this.#o = options;
  }

  /** Binds UDP, then TCP on the same port (the UDP one when started on port 0); or adopts `sockets`. */
  async start(): Promise<void> {
    const fds = this.#o.sockets;
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = createSocket({ type: 'udp4', reuseAddr: true });
      s.once('error', reject);
      s.on('message', (msg, rinfo) => void this.#answerUdp(s, msg, rinfo.address, rinfo.port));
      const bound = () => {
        s.off('error', reject);
        s.on('error', (err) => this.#o.log.warn('dns socket error', { address: this.#o.address, err }));
        resolve(s);
      };
      if (fds) s.bind({ fd: fds.udpFd }, bound);
      else s.bind(this.#o.port ?? 53, this.#o.address, bound);
    });
    this.#sock = sock;
    const port = sock.address().port;
    try {
      this.#tcp = await new Promise<Server>((resolve, reject) => {
        const server = createServer((conn) => this.#serveTcp(conn));
        server.once('error', reject);
        const listening = () => {
          server.off('error', reject);
          server.on('error', (err) => this.#o.log.warn('dns tcp server error', { address: this.#o.address, err }));
          resolve(server);
        };
        if (fds) server.listen({ fd: fds.tcpFd }, listening);
        else server.listen({ port, host: this.#o.address, exclusive: true }, listening);
      });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** The bound port (useful when started on port 0). */
  get port(): number {
    return this.#sock?.address().port ?? 0;
  }

  close(): void {
    this.#sock?.close();
    this.#sock = undefined;
    this.#tcp?.close();
    this.#tcp = undefined;
    for (const c of this.#conns) c.destroy();
    this.#conns.clear();
  }

  /** The local answer for a name the network knows, else undefined. */
  #local(msg: Buffer, client: string): Buffer | undefined {
    const q = parseQuestion(msg);
    if (!q) return undefined;
    const ips = this.#o.lookup(q.name, client);
    if (ips.length === 0) return undefined;
    // A name on the network: A records for A questions, an empty answer for others (AAAA), as docker's resolver does.
    return answerA(msg, q.end, q.qtype === typeA ? ips : []);
  }

  async #answerUdp(sock: Socket, msg: Buffer, host: string, port: number): Promise<void> {
    const reply = this.#local(msg, host) ?? (await this.#relayUdp(msg, host));
    if (reply && this.#sock === sock) sock.send(reply, port, host);
  }

  /** Reads length-prefixed questions from one TCP connection and answers each in turn. */
  #serveTcp(conn: TcpSocket): void {
    this.#conns.add(conn);
    const client = conn.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    let buf = Buffer.alloc(0);
    let busy = Promise.resolve();
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('close', () => this.#conns.delete(conn));
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        busy = busy.then(async () => {
          // An upstream that does not speak DNS over TCP still gets the question over UDP.
          const reply = this.#local(msg, client) ?? (await this.#relayTcp(msg, client)) ?? (await this.#relayUdp(msg, client));
          if (!reply) {
            conn.destroy();
            return;
          }
          if (!conn.destroyed) conn.write(frame(reply));
        }).catch(() => {
          conn.destroy();
        });
      }
    });
  }

  /** Asks the client's resolvers in turn over UDP; undefined when none answers within 3 s each. */
  async #relayUdp(msg: Buffer, client: string): Promise<Buffer | undefined> {
    for (const server of this.#o.upstreams(client)) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        const s = createSocket('udp4');
        const done = (b: Buffer | undefined) => {
          clearTimeout(timer);
          s.close();
          resolve(b);
        };
        const timer = setTimeout(() => done(undefined), relayTimeoutMs);
        s.once('error', () => done(undefined));
        s.once('message', (b) => done(b));
        s.send(msg, this.#o.upstreamPort ?? 53, server);
      });
      if (reply) return reply;
    }
    return undefined;
  }

  /** Asks the client's resolvers in turn over TCP; undefined when none answers within 3 s each. */
  async #relayTcp(msg: Buffer, client: string): Promise<Buffer | undefined> {
    for (const server of this.#o.upstreams(client)) {
      const reply = await new Promise<Buffer | undefined>((resolve) => {
        let buf = Buffer.alloc(0);
        const s = connect({ host: server, port: this.#o.upstreamPort ?? 53 });
        const done = (b: Buffer | undefined) => {
          clearTimeout(timer);
          s.destroy();
          resolve(b);
        };
        const timer = setTimeout(() => done(undefined), relayTimeoutMs);
        s.on('error', () => done(undefined));
        s.on('close', () => done(undefined));
        s.on('connect', () => s.write(frame(msg)));
        s.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          // Not a DNS answer to this question (another protocol on port 53): no answer.
          if (buf.length >= 4 && buf.readUInt16BE(2) !== msg.readUInt16BE(0)) done(undefined);
          else if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        });
      });
      if (reply) return reply;
    }
    return undefined;
  }
}

/** A DNS message with its TCP length prefix. */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(Math.min(msg.length, maxTcpMessage));
  return Buffer.concat([len, msg.subarray(0, maxTcpMessage)]);
}
