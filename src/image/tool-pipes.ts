// A decompressor process (igzip, unpigz, xz…) wired to berthd through pipes of
// 1 MiB (berth's native addon: pipe2 + F_SETPIPE_SZ) instead of Node's stdio
// socket pairs, its output read into one reused 1 MiB buffer (net.Socket's
// `onread`). For a layer of hundreds of MB this matters on the event loop:
// Node's stdio hands over 64 KiB at a time, each piece a new buffer, so a
// 218 MB layer made ~3,400 chunks to pass through the stream layers and
// ~218 MB of short-lived buffers whose external memory set off a full garbage
// collection every few tens of MB; here it is ~220 reads into the same memory,
// and the tool can run up to 1 MiB ahead of berthd on both sides.
// The pieces come with a contract: each is valid only until the next is asked
// for (the buffer is read into again), so a consumer copies what it keeps
// (unpackLayer does: tar-reader.ts copies what it holds across a pause). A
// whole piece is too much synchronous work for berthd's event loop at once:
// unpackLayer works through it in 64 KiB slices, the loop turning between them.
// Where the addon is not built (unit tests without a build), toolPipes()
// returns undefined and the caller uses Node's stdio.
import { closeSync } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { nativeIfBuilt } from '../lib/native.ts';

/** Bytes of each pipe's buffer and of the reused read buffer. */
const pipeBytes = 1 << 20;

export interface ToolPipes {
  /** The descriptors the child gets as its stdin and stdout (close them here once it is spawned). */
  readonly childStdin: number;
  readonly childStdout: number;
  /** This side's ends: written with writeInput(), read with readOutput(). */
  readonly input: number;
  readonly output: number;
  /** Closes every descriptor not yet handed to a socket (after a failed spawn, or the child's ends after a spawn). */
  closeChildEnds(): void;
  closeAll(): void;
}

/** Two big pipes for a child's stdin and stdout, or undefined when the native addon cannot make them. */
export function toolPipes(): ToolPipes | undefined {
  const native = nativeIfBuilt();
  if (native === undefined || typeof native.pipe !== 'function') return undefined;
  const [inR, inW] = native.pipe(pipeBytes);
  let out: [number, number];
  try {
    out = native.pipe(pipeBytes);
  } catch {
    closeSync(inR);
    closeSync(inW);
    return undefined;
  }
  const [outR, outW] = out;
  const open = new Set([inR, inW, outR, outW]);
  const close = (fd: number) => {
    if (!open.delete(fd)) return;
    try {
      closeSync(fd);
    } catch {
      // Already gone: nothing to release.
    }
  };
  return {
    childStdin: inR,
    childStdout: outW,
    input: inW,
    output: outR,
    closeChildEnds: () => {
      close(inR);
      close(outW);
    },
    closeAll: () => {
      for (const fd of [...open]) close(fd);
    },
  };
}

/** The write end of the child's stdin as a stream; destroy() (not end(): a pipe has no half-close) once all is written. */
export function inputSocket(fd: number): Socket {
  return new Socket({ fd, readable: false, writable: true });
}

/**
 * The child's stdout, read into one reused buffer: each yielded piece is valid
 * until the next is asked for. Ends at the end of the stream; throws a read error.
 * Returning early (or throwing into it) closes the descriptor.
 */
export async function* readOutput(fd: number): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(pipeBytes);
  let piece: Buffer | undefined;
  let ended = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  // `onread` is in Node's net.Socket since v12 (documented for socket.connect()); @types/node lacks it on the constructor.
  const options: SocketConstructorOpts & { onread: { buffer: Buffer; callback: (n: number, b: Buffer) => boolean } } = {
    fd,
    readable: true,
    writable: false,
    onread: {
      buffer: buf,
      callback: (n: number) => {
        piece = buf.subarray(0, n);
        wake?.();
        // Paused until the consumer asks for the next piece: the buffer is not read into meanwhile.
        return false;
      },
    },
  };
  const socket = new Socket(options);
  socket.on('end', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', (err: Error) => {
    failed = err;
    wake?.();
  });
  try {
    for (;;) {
      if (piece === undefined && !ended && failed === undefined) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (piece !== undefined) {
        const p = piece;
        piece = undefined;
        yield p;
        socket.resume();
        continue;
      }
      if (failed !== undefined) throw failed;
      return;
    }
  } finally {
    socket.destroy();
  }
}
