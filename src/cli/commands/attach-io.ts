// cli: the terminal side of a hijacked attach or exec stream, shared by `run`,
// `start -a`, `attach` and `exec`: our stdin to the container (raw mode on a
// terminal with a TTY, half-close at EOF, the detach keys watched with a TTY as
// docker does), the container's output to our stdout/stderr (raw with a TTY,
// demultiplexed without), and the TTY size kept in step with our window.
import type { HijackedStream } from '../../client/index.ts';
import { readFrames } from '../../client/index.ts';
import { DetachScanner, defaultDetachKeys, detachKeyBytes } from '../../lib/detach-keys.ts';
import { isTerminal, stderrStream, stdoutStream } from '../../cli-kit/index.ts';

export interface StreamIoOptions {
  readonly tty: boolean;
  /** Send our stdin to the container. */
  readonly stdin: boolean;
  /** docker's --detach-keys (default ctrl-p,ctrl-q). */
  readonly detachKeys?: string;
}

/** Ends with `detached` when the detach keys were typed, else when the daemon ended the output. */
export interface StreamIoResult {
  readonly detached: boolean;
}

/** docker's message for a bad --detach-keys value; undefined when it is valid. */
export function detachKeysProblem(keys: string | undefined): string | undefined {
  if (keys === undefined || keys === '') return undefined;
  return detachKeyBytes(keys) ? undefined : `Invalid detach keys (${keys}) provided`;
}

function write(stream: NodeJS.WriteStream, data: Buffer): Promise<void> {
  return new Promise<void>((resolve) => (stream.write(data) ? resolve() : stream.once('drain', resolve)));
}

async function pumpOutput(stream: HijackedStream, tty: boolean): Promise<void> {
  async function* source(): AsyncGenerator<Buffer> {
    if (stream.head.length > 0) yield stream.head;
    for await (const c of stream.output ?? stream.socket) yield c as Buffer;
  }
  if (tty) {
    for await (const c of source()) await write(stdoutStream(), c);
    return;
  }
  for await (const f of readFrames(source())) await write(f.stream === 2 ? stderrStream() : stdoutStream(), f.data);
}

/**
 * Streams until the output ends or the user detaches. With `stdin` on a
 * terminal and a TTY, the terminal is in raw mode meanwhile (restored on return
 * and on exit).
 */
export async function streamIo(stream: HijackedStream, options: StreamIoOptions): Promise<StreamIoResult> {
  const { socket } = stream;
  let detached = false;
  let onDetach: (() => void) | undefined;
  const detach = new Promise<void>((resolve) => (onDetach = resolve));
  const raw = options.stdin && options.tty && process.stdin.isTTY === true;
  const restore = () => {
    if (raw && process.stdin.isTTY) process.stdin.setRawMode(false);
  };
  const cleanups: (() => void)[] = [];
  if (options.stdin) {
    if (raw) {
      process.stdin.setRawMode(true);
      process.once('exit', restore);
      cleanups.push(() => process.off('exit', restore));
    }
    const scanner = options.tty ? new DetachScanner(detachKeyBytes(options.detachKeys || defaultDetachKeys) ?? Buffer.alloc(0)) : undefined;
    const onData = (chunk: Buffer) => {
      if (detached) return;
      let data = chunk;
      if (scanner) {
        const r = scanner.feed(chunk);
        data = r.forward;
        if (r.detach) {
          detached = true;
          if (data.length > 0) socket.write(data);
          socket.destroy();
          onDetach?.();
          return;
        }
      }
      if (data.length > 0) socket.write(data);
    };
    // Half-close: the container sees EOF on stdin while we keep reading its output.
    const onEnd = () => {
      if (!detached && !socket.destroyed) socket.end();
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
    process.stdin.on('error', onEnd);
    cleanups.push(() => {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.off('error', onEnd);
    });
  }
  // A failed start closes the stream early: that is not an error of its own.
  const output = pumpOutput(stream, options.tty).catch(() => undefined);
  await Promise.race([output, detach]);
  for (const f of cleanups) f();
  restore();
  // Our stdin would keep the process alive; nothing reads it any more.
  if (options.stdin) process.stdin.destroy();
  return { detached };
}

/**
 * Sends our window size now and on every SIGWINCH (docker's monitorTtySize);
 * nothing when stdout is not a terminal. Returns the function that stops it.
 */
export function monitorTtySize(resize: (size: { height: number; width: number }) => Promise<void>): () => void {
  if (!isTerminal(1)) return () => undefined;
  const send = () => {
    const [width, height] = stdoutStream().getWindowSize();
    if (width > 0 && height > 0) resize({ height, width }).catch(() => undefined);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}
