// Kubernetes' port-forward protocol (kubelet's cri/streaming/portforward):
// over SPDY (`portforward.k8s.io`, also tunnelled through a WebSocket by
// client-go's SPDY-over-WebSocket dialer) each forwarded connection is a pair
// of client-opened streams sharing a `requestID` header, one `streamType: data`
// and one `streamType: error`, with the pod's `port`; over a WebSocket
// (`v4.channel.k8s.io`, ports in the `port` query) each port is a pair of
// channels, data 2n and error 2n+1, each starting with the port (2 bytes,
// little-endian). The data goes to and from a TCP connection to the pod's
// loopback (pod-dial.ts); a connection that fails says why on the error stream.
import type { Socket } from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SpdySession, SpdyStream } from './spdy-session.ts';
import { channelWriter, sendOn } from './websocket.ts';

export const portForwardSpdyProtocols = ['portforward.k8s.io'] as const;
export const portForwardWsProtocols = ['v4.channel.k8s.io'] as const;
/** How long the second stream of a pair may keep the first waiting (kubelet: the stream creation timeout, 30 s). */
const pairTimeoutMs = 30_000;

export interface PortForwardTarget {
  /** The pod, for messages. */
  readonly podId: string;
  /** A connection to the pod's port (pod-dial.ts), the pod checked at each call. */
  dial(port: number): Promise<Socket>;
}

/**
 * Copies between the client's stream and the pod's connection. The client's
 * end of input half-closes the pod connection (an HTTP request can still be
 * answered); the pod's end of output ends the forward: the data stream gets
 * FIN and `done` resolves (the error stream is then ended by the caller).
 */
function splice(client: Duplex, pod: Socket): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    client.pipe(pod);
    pod.pipe(client);
    pod.once('end', finish);
    pod.once('close', () => {
      finish();
      if (!client.writableEnded) client.end();
    });
    pod.once('error', () => pod.destroy());
    client.once('error', () => pod.destroy());
    client.once('close', () => {
      pod.destroy();
      finish();
    });
  });
}

async function forward(target: PortForwardTarget, port: number, data: Duplex, error: Writable, log: Logger): Promise<void> {
  let pod: Socket;
  try {
    pod = await target.dial(port);
  } catch (err) {
    const msg = `error forwarding port ${port} to pod ${target.podId}, uid : failed to connect to localhost:${port} inside the pod's network namespace: ${errorMessage(err)}`;
    log.info('CRI port-forward failed', { pod: target.podId, port, err: errorMessage(err) });
    error.end(msg);
    data.end();
    return;
  }
  await splice(data, pod);
  error.end();
}

/** Serves the port-forward streams of one SPDY connection until it closes. */
export function servePortForwardSpdy(session: SpdySession, target: PortForwardTarget, log: Logger): void {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  session.on('stream', (stream) => {
    void session.reply(stream).catch(() => undefined);
    const type = stream.header('streamType');
    const portText = stream.header('port');
    const port = Number(portText);
    if ((type !== 'data' && type !== 'error') || !/^\d+$/.test(portText) || port < 1 || port > 65535) {
      log.debug('CRI port-forward: bad stream', { streamType: type, port: portText });
      stream.destroy();
      return;
    }
    // Clients from before request ids: the error stream's id names the pair, the data stream comes 2 later (kubelet does the same).
    const requestId = stream.header('requestID') || String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        const p = pairs.get(requestId);
        pairs.delete(requestId);
        p?.error?.end(`timed out waiting for the streams of request ${requestId}`);
        p?.data?.destroy();
      }, pairTimeoutMs);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      stream.end(`error processing stream for request ${requestId}: ${type} stream already assigned`);
      return;
    }
    pair[type] = stream;
    const { data, error } = pair;
    if (!data || !error) return;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    // Whatever the client writes on the error stream is not read.
    error.resume();
    void forward(target, port, data, error, log);
  });
  session.once('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
}

/** The `port` query of a WebSocket port-forward: one or more ports, comma-separated or repeated. */
export function parsePorts(values: readonly string[]): number[] {
  const ports: number[] = [];
  for (const v of values) {
    for (const p of v.split(',')) {
      const n = Number(p);
      if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new RangeError(`unable to parse "${p}" as a port`);
      ports.push(n);
    }
  }
  if (ports.length === 0) throw new RangeError('query parameter "port" is required');
  return ports;
}

/** Serves a v4 WebSocket port-forward of `ports` until every forward ended or the client left. */
export async function servePortForwardWs(ws: WebSocket, ports: readonly number[], target: PortForwardTarget, log: Logger): Promise<void> {
  const inputs = ports.map(() => new PassThrough());
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const msg = isBinary ? raw : Buffer.from(raw);
    const ch = msg[0];
    if (ch === undefined || ch % 2 === 1) return;
    const input = inputs[ch / 2];
    if (input && msg.length > 1 && !input.writableEnded) input.write(msg.subarray(1));
  });
  ws.on('close', () => {
    for (const i of inputs) i.destroy();
  });
  const portBytes = (p: number) => Buffer.from([p & 0xff, p >> 8]);
  await Promise.all(ports.map(async (port, i) => {
    await sendOn(ws, 2 * i, portBytes(port));
    await sendOn(ws, 2 * i + 1, portBytes(port));
    const data = Duplex.from({ readable: inputs[i]!, writable: channelWriter(ws, 2 * i) });
    const errors: Buffer[] = [];
    const error = new Writable({
      write(chunk: Buffer, _enc, cb) {
        errors.push(chunk);
        cb();
      },
    });
    await forward(target, port, data, error, log);
    if (errors.length > 0) await sendOn(ws, 2 * i + 1, Buffer.concat(errors));
  }));
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
