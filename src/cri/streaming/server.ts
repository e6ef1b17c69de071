// The CRI's streaming server: Exec, Attach and PortForward return a one-use
// URL here (loopback, an unguessable token, a minute to connect, as kubelet's
// streaming server allows), and the client upgrades it to one of the
// transports Kubernetes speaks:
// - SPDY/3.1 (`Upgrade: SPDY/3.1`, the protocol named by
//   X-Stream-Protocol-Version): crictl's default, kubelet before 1.30;
// - WebSocket with the channel protocol (`v5`/`v4.channel.k8s.io`): crictl
//   `--transport websocket` for exec and attach, client-go's WebSocket executor;
// - WebSocket carrying SPDY (`SPDY/3.1+portforward.k8s.io`): client-go's
//   port-forward over WebSocket (crictl port-forward `--transport websocket`);
// - WebSocket `v4.channel.k8s.io` port-forward with the ports in the query.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Engine } from '../../engine/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { parsePorts, portForwardSpdyProtocols, portForwardWsProtocols, servePortForwardSpdy, servePortForwardWs, type PortForwardTarget } from './portforward.ts';
import { RemoteCommandRunner, type AttachStreamRequest, type CommandRequest, type ExecStreamRequest } from './remotecommand.ts';
import { remoteCommandSpdyProtocols, spdyCommandChannels } from './spdy-remotecommand.ts';
import { SpdySession } from './spdy-session.ts';
import { remoteCommandWsProtocols, wsCommandChannels } from './websocket.ts';

export type { AttachStreamRequest, ExecStreamRequest } from './remotecommand.ts';
export type { PortForwardTarget } from './portforward.ts';

type StreamRequest = CommandRequest | { readonly kind: 'portforward'; readonly target: PortForwardTarget; readonly ports: readonly number[] };

/** How long a URL may wait for its client (kubelet's streaming server allows one minute). */
const tokenTtlMs = 60_000;
const spdyTunnelPrefix = 'SPDY/3.1+';

/** X-Stream-Protocol-Version's values, comma-separated or repeated. */
function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct['x-stream-protocol-version'] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/**
 * client-go's tunnel subprotocol `SPDY/3.1+portforward.k8s.io` holds a '/',
 * which is no token character (RFC 6455 section 4.1), and ws refuses such an
 * offer: the names are matched with '/' as '_'.
 */
function wsToken(protocols: string): string {
  return protocols.replaceAll('/', '_');
}

function reject(socket: Duplex, code: number, reason: string, message: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain\r\nConnection: close\r\n${extra}\r\n${message}\n`);
}

export class StreamingServer {
  readonly #log: Logger;
  readonly #runner: RemoteCommandRunner;
  readonly #tokens = new Map<string, { stream: StreamRequest; timer: NodeJS.Timeout }>();
  readonly #http: Server;
  readonly #ws = new WebSocketServer({ noServer: true, handleProtocols: (offered, req) => this.#pickWsProtocol(offered, req) });
  readonly #spdy = new Set<SpdySession>();
  #base = '';

  constructor(deps: { engine: Engine; log: Logger }) {
    this.#log = deps.log;
    this.#runner = new RemoteCommandRunner(deps);
    this.#http = createServer((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end("berth's CRI streaming server answers connection upgrades only (SPDY/3.1 or WebSocket)\n");
    });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  /** Listens on an ephemeral loopback port. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.#http.address();
    this.#base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  execUrl(req: ExecStreamRequest): string {
    return this.#url({ kind: 'exec', req });
  }

  attachUrl(req: AttachStreamRequest): string {
    return this.#url({ kind: 'attach', req });
  }

  portForwardUrl(target: PortForwardTarget, ports: readonly number[]): string {
    return this.#url({ kind: 'portforward', target, ports });
  }

  #url(stream: StreamRequest): string {
    const token = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.#tokens.delete(token), tokenTtlMs);
    timer.unref();
    this.#tokens.set(token, { stream, timer });
    return `${this.#base}/${stream.kind}/${token}`;
  }

  async close(): Promise<void> {
    for (const { timer } of this.#tokens.values()) clearTimeout(timer);
    this.#tokens.clear();
    for (const client of this.#ws.clients) client.terminate();
    for (const s of this.#spdy) s.destroy();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  /** The request's stream, without taking its token. */
  #peek(req: IncomingMessage): StreamRequest | undefined {
    const token = /^\/(?:exec|attach|portforward)\/([0-9a-f]{32})(?:\?|$)/.exec(req.url ?? '')?.[1];
    return token === undefined ? undefined : this.#tokens.get(token)?.stream;
  }

  /** Takes a token: each URL serves one connection. */
  #take(req: IncomingMessage): StreamRequest | undefined {
    const token = /^\/(?:exec|attach|portforward)\/([0-9a-f]{32})(?:\?|$)/.exec(req.url ?? '')?.[1];
    const entry = token === undefined ? undefined : this.#tokens.get(token);
    if (token === undefined || entry === undefined) return undefined;
    this.#tokens.delete(token);
    clearTimeout(entry.timer);
    return entry.stream;
  }

  #pickWsProtocol(offered: Set<string>, req: IncomingMessage): string | false {
    const kind = this.#peek(req)?.kind;
    const known: readonly string[] = kind === 'portforward' ? [`${spdyTunnelPrefix}${portForwardSpdyProtocols[0]}`, ...portForwardWsProtocols] : remoteCommandWsProtocols;
    // Offered names come with '/' swapped (see #upgrade); the answer carries the real one.
    return known.find((p) => offered.has(wsToken(p))) ?? false;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket' && upgrade !== 'spdy/3.1') {
      reject(socket, 400, 'Bad Request', `unsupported upgrade "${req.headers.upgrade ?? ''}": SPDY/3.1 and WebSocket are served`);
      return;
    }
    if (this.#peek(req) === undefined) {
      reject(socket, 404, 'Not Found', 'unknown or expired stream');
      return;
    }
    if (upgrade === 'websocket') {
      const offered = req.headers['sec-websocket-protocol'];
      if (offered !== undefined) req.headers['sec-websocket-protocol'] = wsToken(offered);
      this.#ws.handleUpgrade(req, socket, head, (ws) => {
        const stream = this.#take(req);
        if (stream) void this.#serveWs(ws, stream, req);
        else ws.close(1008, 'unknown or expired stream');
      });
      return;
    }
    const kind = this.#peek(req)!.kind;
    const serverProtocols: readonly string[] = kind === 'portforward' ? portForwardSpdyProtocols : remoteCommandSpdyProtocols;
    const offered = offeredProtocols(req);
    // As kubelet: no protocol asked is the oldest one; asked for ones we do not speak is 403 with ours listed.
    const protocol = offered.length === 0 ? '' : offered.find((p) => serverProtocols.includes(p));
    if (protocol === undefined) {
      reject(socket, 403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${serverProtocols.join(' ')}]`,
        serverProtocols.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}\r\n`).join(''));
      return;
    }
    const stream = this.#take(req)!;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ''}\r\n`);
    if (head.length > 0) socket.unshift(head);
    this.#serveSpdy(new SpdySession(socket), protocol, stream);
  }

  #serveSpdy(session: SpdySession, protocol: string, stream: StreamRequest): void {
    this.#spdy.add(session);
    session.once('close', () => this.#spdy.delete(session));
    if (stream.kind === 'portforward') {
      servePortForwardSpdy(session, stream.target, this.#log);
      return;
    }
    const r = stream.req;
    const want = { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty };
    void spdyCommandChannels(session, protocol, want, this.#log).then(
      (channels) => this.#runner.run(stream, channels),
      (err: unknown) => this.#log.info('CRI stream: no command streams', { err: String(err) }),
    );
  }

  async #serveWs(ws: WebSocket, stream: StreamRequest, req: IncomingMessage): Promise<void> {
    if (stream.kind !== 'portforward') {
      const r = stream.req;
      await this.#runner.run(stream, wsCommandChannels(ws, { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr && !r.tty }));
      return;
    }
    if (ws.protocol.startsWith(spdyTunnelPrefix)) {
      // client-go's tunnel: SPDY frames in binary messages.
      const session = new SpdySession(createWebSocketStream(ws));
      this.#serveSpdy(session, ws.protocol.slice(spdyTunnelPrefix.length), stream);
      return;
    }
    let ports: number[];
    try {
      const query = new URL(req.url ?? '/', 'http://streaming').searchParams.getAll('port');
      ports = query.length > 0 ? parsePorts(query) : [...stream.ports];
      if (ports.length === 0) throw new RangeError('query parameter "port" is required');
    } catch (err) {
      ws.close(1008, String(err instanceof Error ? err.message : err).slice(0, 120));
      return;
    }
    await servePortForwardWs(ws, ports, stream.target, this.#log);
  }
}
