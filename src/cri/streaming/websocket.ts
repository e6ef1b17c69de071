// Kubernetes' channel protocol over one WebSocket (k8s.io/apiserver's
// wsstream): each binary message starts with its channel number. For a
// remote command (`v5.channel.k8s.io`, `v4.channel.k8s.io`): 0 stdin, 1
// stdout, 2 stderr, 3 the closing metav1.Status, 4 terminal resize (JSON),
// and in v5, 255 + a channel number closes that channel (the client's stdin).
// Output is sent in order and the status last, then a normal close.
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { statusJson, type CommandChannels, type CommandOutcome, type TerminalSize } from './remotecommand.ts';

export const remoteCommandWsProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Sends one message on a channel; resolves once ws has handed it to the socket. */
export function sendOn(ws: WebSocket, ch: number, data: Buffer | string): Promise<void> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve();
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return new Promise((resolve) => ws.send(Buffer.concat([Buffer.from([ch]), body]), { binary: true }, () => resolve()));
}

/** A Writable whose chunks go out as messages of one channel. */
export function channelWriter(ws: WebSocket, ch: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      void sendOn(ws, ch, chunk).then(() => cb());
    },
  });
}

/** The remote command's channels over a WebSocket the client opened. */
export function wsCommandChannels(ws: WebSocket, want: { stdin: boolean; stdout: boolean; stderr: boolean }): CommandChannels {
  const stdin = want.stdin ? new PassThrough() : undefined;
  let onResize: ((size: TerminalSize) => void) | undefined;
  let onGone: (() => void) | undefined;
  let finished = false;
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const data = isBinary ? raw : Buffer.from(raw);
    if (data.length === 0) return;
    const body = data.subarray(1);
    switch (data[0]) {
      case channel.stdin:
        if (body.length > 0 && stdin && !stdin.writableEnded) stdin.write(body);
        break;
      case channel.close:
        if (body[0] === channel.stdin) stdin?.end();
        break;
      case channel.resize:
        try {
          const size = JSON.parse(body.toString()) as { Width?: unknown; Height?: unknown };
          if (typeof size.Width === 'number' && typeof size.Height === 'number' && size.Width > 0 && size.Height > 0) onResize?.({ width: size.Width, height: size.Height });
        } catch {
          // A malformed resize message changes nothing.
        }
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    stdin?.end();
    if (!finished) onGone?.();
  });
  return {
    ...(stdin ? { stdin } : {}),
    ...(want.stdout ? { stdout: channelWriter(ws, channel.stdout) } : {}),
    ...(want.stderr ? { stderr: channelWriter(ws, channel.stderr) } : {}),
    onResize: (fn) => (onResize = fn),
    onGone: (fn) => (onGone = fn),
    async finish(outcome: CommandOutcome) {
      finished = true;
      await sendOn(ws, channel.error, statusJson(outcome));
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}
