// The CRI's streaming server, as far as berth has one: `Exec` returns a
// one-use URL on a loopback HTTP server where a WebSocket client (crictl
// `--transport websocket`, client-go's WebSocket executor, kubelet's
// proxy) runs the command through the engine's exec service with Kubernetes'
// remotecommand channel protocol, `v5.channel.k8s.io` or `v4.channel.k8s.io`:
// each binary message starts with its channel (0 stdin, 1 stdout, 2 stderr,
// 3 the closing status, 4 terminal resize; v5's 255 ends a channel), and the
// exit is a metav1.Status on channel 3 before a normal close. `Attach` works
// the same way on the container's own stdio. SPDY upgrades (crictl's default
// transport) and PortForward are not served yet (docs/cri.md).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorMessage } from '../core/errors.ts';
import type { ContainerAttachment, Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';

export interface ExecStreamRequest {
  readonly containerId: string;
  readonly cmd: readonly string[];
  readonly tty: boolean;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
}

export interface AttachStreamRequest {
  readonly containerId: string;
  readonly stdin: boolean;
}

interface OpenStream {
  readonly attachment: ContainerAttachment;
  resize(size: { width: number; height: number }): Promise<void>;
  exitCode(): number;
}

type StreamRequest = { readonly kind: 'exec'; readonly req: ExecStreamRequest } | { readonly kind: 'attach'; readonly req: AttachStreamRequest };

const protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** How long an Exec URL may wait for its client (kubelet's streaming server allows one minute). */
const tokenTtlMs = 60_000;
const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

function status(exitCode: number, error?: string): string {
  if (error !== undefined) return JSON.stringify({ metadata: {}, status: 'Failure', message: error, reason: 'InternalError' });
  if (exitCode === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command, exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  });
}

export class StreamingServer {
  readonly #engine: Engine;
  readonly #log: Logger;
  readonly #tokens = new Map<string, { stream: StreamRequest; timer: NodeJS.Timeout }>();
  readonly #http: Server;
  readonly #ws = new WebSocketServer({ noServer: true, handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false });
  #base = '';

  constructor(deps: { engine: Engine; log: Logger }) {
    this.#engine = deps.engine;
    this.#log = deps.log;
    this.#http = createServer((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end("berth's CRI streaming server speaks WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io); with crictl: --transport websocket\n");
    });
    this.#http.on('upgrade', (req, socket: Duplex, head) => {
      const token = /^\/(?:exec|attach)\/([0-9a-f]{32})$/.exec(req.url ?? '')?.[1];
      const entry = token === undefined ? undefined : this.#tokens.get(token);
      if (token === undefined || entry === undefined || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        socket.end(`HTTP/1.1 ${entry ? 400 : 404} ${entry ? 'Bad Request' : 'Not Found'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${entry ? 'only WebSocket upgrades are served (crictl: --transport websocket)' : 'unknown or expired stream'}\n`);
        return;
      }
      this.#tokens.delete(token);
      clearTimeout(entry.timer);
      const stream = entry.stream;
      this.#ws.handleUpgrade(req, socket, head, (ws) => void (stream.kind === 'exec' ? this.#exec(ws, stream.req) : this.#attach(ws, stream.req)));
    });
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

  /** A one-use URL for an exec, valid for a minute. */
  execUrl(req: ExecStreamRequest): string {
    return this.#url({ kind: 'exec', req });
  }

  /** A one-use URL for attaching to a container's stdio, valid for a minute. */
  attachUrl(req: AttachStreamRequest): string {
    return this.#url({ kind: 'attach', req });
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
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  /** Runs the exec and streams it; its exit code is the closing status. */
  async #exec(ws: WebSocket, req: ExecStreamRequest): Promise<void> {
    const execs = this.#engine.execs!;
    let execId: string | undefined;
    try {
      await this.#stream(ws, req.containerId, async () => {
        execId = await execs.create(req.containerId, { cmd: req.cmd, env: [], user: '', workingDir: '', tty: req.tty, attachStdin: req.stdin, attachStdout: req.stdout, attachStderr: req.stderr, privileged: false, detachKeys: '' });
        const id = execId;
        const attachment = await execs.start(id, { detach: false });
        if (!attachment) throw new Error('the exec gave no stream');
        return { attachment, resize: (size) => execs.resize(id, size), exitCode: () => execs.inspect(id).exitCode ?? 0 };
      });
    } finally {
      if (execId !== undefined) execs.discard(execId);
    }
  }

  /** Attaches to the container's own stdio until its process ends or the client leaves (which detaches it). */
  async #attach(ws: WebSocket, req: AttachStreamRequest): Promise<void> {
    const containers = this.#engine.containers;
    await this.#stream(ws, req.containerId, async () => {
      const attachment = await containers.attachStdio(req.containerId, { stdin: req.stdin });
      return { attachment, resize: (size) => containers.resize(req.containerId, size), exitCode: () => 0 };
    });
  }

  /**
   * The remotecommand channels over one WebSocket: the client's messages (it
   * writes as soon as it is connected) wait until `open` gives the stream;
   * output goes out by channel, then the closing status, then a normal close.
   */
  async #stream(ws: WebSocket, containerId: string, open: () => Promise<OpenStream>): Promise<void> {
    const send = (ch: number, data: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
    };
    const pending: Buffer[] = [];
    let deliver: ((data: Buffer) => void) | undefined;
    let closed = false;
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      const data = isBinary ? raw : Buffer.from(raw);
      if (deliver) deliver(data);
      else pending.push(data);
    });
    ws.on('close', () => {
      closed = true;
    });
    try {
      const { attachment, resize, exitCode } = await open();
      deliver = (data) => {
        if (data.length === 0) return;
        const ch = data[0];
        const body = data.subarray(1);
        if (ch === channel.stdin && body.length > 0) void attachment.write(body).catch(() => undefined);
        else if (ch === channel.close && body[0] === channel.stdin) attachment.closeStdin();
        else if (ch === channel.resize) {
          try {
            const size = JSON.parse(body.toString()) as { Width?: number; Height?: number };
            if (size.Width && size.Height) void resize({ width: size.Width, height: size.Height }).catch(() => undefined);
          } catch {
            // A malformed resize message changes nothing.
          }
        }
      };
      for (const data of pending.splice(0)) deliver(data);
      if (closed) attachment.close();
      ws.on('close', () => attachment.close());
      for await (const chunk of attachment.output) send(chunk.stream === 'stderr' ? channel.stderr : channel.stdout, chunk.data);
      send(channel.error, status(exitCode()));
    } catch (err) {
      this.#log.warn('CRI stream failed', { container: containerId, err: errorMessage(err) });
      send(channel.error, status(0, errorMessage(err)));
    } finally {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    }
  }
}
