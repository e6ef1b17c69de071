// The client side of conmon's attach socket and control fifo. conmon serves
// `<socketLink>/attach` (SOCK_SEQPACKET): every packet it sends is one chunk of
// the container's output led by a stream byte (2 stdout, 3 stderr — conmon's
// stdpipe_t, 1 being stdin); every packet written to it goes to the container's
// stdin (the pipe, or the pty master with a terminal). Half-closing our side
// makes conmon close the container's stdin unless it runs with
// --leave-stdin-open. Resizes go through `<socketLink>/ctl` as `1 <h> <w>\n`.
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, internal, notFound } from '../core/errors.ts';
import { SeqpacketSocket } from '../lib/seqpacket.ts';

export type OutputStream = 'stdout' | 'stderr';

/** conmon's stream bytes on the attach socket. */
const streamByte: Readonly<Record<number, OutputStream>> = { 2: 'stdout', 3: 'stderr' };

/** conmon reads a packet with one read of its buffer; larger packets would be cut. */
const maxPacket = 8192;

export interface AttachConnection {
  /** Output chunks as conmon sends them; ends when conmon closes the socket (the container exited). */
  onOutput(fn: (stream: OutputStream, data: Buffer) => void): void;
  /** Called once when the connection is gone (conmon closed it, or close()). */
  onClose(fn: () => void): void;
  /** Sends bytes to the container's stdin (ignored by conmon when the container has none). */
  write(data: Buffer): Promise<void>;
  /** Half-close: no more input; output keeps flowing. */
  closeStdin(): void;
  close(): void;
}

/**
 * Connects to a container's attach socket. The connection goes through
 * /proc/self/fd/<dir fd> so that a long socket dir path never exceeds
 * sun_path's 108 bytes. NotFound when conmon serves no socket there.
 */
export async function connectAttach(socketLink: string): Promise<AttachConnection> {
  let dir: number;
  try {
    dir = openSync(socketLink, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch (err) {
    throw notFound(`attach socket of container is missing: ${socketLink}`, err);
  }
  try {
    const path = join(`/proc/self/fd/${dir}`, 'attach');
    // A full backlog (conmon busy accepting) answers EAGAIN at once: try again for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        return wrap(SeqpacketSocket.connect(path));
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EAGAIN' || attempt >= 100) throw err;
        await sleep(10);
      }
    }
  } catch (err) {
    throw internal(`connecting to conmon's attach socket failed: ${errorMessage(err)}`, err);
  } finally {
    // Closed at once, not awaited: between the connect and the caller's listeners no turn of the
    // event loop may pass, or output conmon sends at once would be read with nobody to take it.
    closeSync(dir);
  }
}

function wrap(sock: SeqpacketSocket): AttachConnection {
  const outputFns: ((stream: OutputStream, data: Buffer) => void)[] = [];
  const closeFns: (() => void)[] = [];
  let closed = false;
  let inputEnded = false;
  const closeOnce = () => {
    if (closed) return;
    closed = true;
    for (const fn of closeFns) fn();
  };
  let writing: Promise<void> = Promise.resolve();
  /** Sends one chunk as packets of at most maxPacket bytes, each after the previous one reached the kernel. */
  const sendAll = async (data: Buffer) => {
    for (let off = 0; off < data.length && !closed; off += maxPacket) {
      const part = data.subarray(off, Math.min(off + maxPacket, data.length));
      // A failed write (conmon gone) destroys the socket, which closes the connection.
      await sock.write(part).catch(() => undefined);
    }
  };
  sock.on('data', (buf: Buffer) => {
    const stream = streamByte[buf[0] ?? 0];
    if (!stream || buf.length < 2) return;
    const data = buf.subarray(1);
    for (const fn of outputFns) fn(stream, data);
  });
  // conmon closes its end when it exits; a failed write means the same.
  sock.on('end', () => {
    sock.destroy();
    closeOnce();
  });
  sock.on('close', closeOnce);
  sock.on('error', () => {
    sock.destroy();
    closeOnce();
  });
  return {
    onOutput: (fn) => void outputFns.push(fn),
    onClose: (fn) => {
      if (closed) fn();
      else closeFns.push(fn);
    },
    write(data: Buffer) {
      if (closed || inputEnded) return Promise.resolve();
      // One write at a time, in call order: concurrent writes would interleave their packets.
      writing = writing.then(() => sendAll(data));
      return writing;
    },
    closeStdin() {
      if (closed || inputEnded) return;
      inputEnded = true;
      // After the queued input: conmon closes the container's stdin at our half-close.
      void writing.then(() => {
        if (closed) return;
        try {
          sock.end();
        } catch {
          // Already gone: conmon has closed stdin with the socket.
        }
      });
    },
    close() {
      if (closed) return;
      try {
        sock.destroy();
      } finally {
        closeOnce();
      }
    },
  };
}

/**
 * Sets the container's terminal size through conmon's control fifo. NotFound
 * when conmon is gone (no reader on the fifo).
 */
export async function resizeTerminal(socketLink: string, size: { height: number; width: number }): Promise<void> {
  let fh;
  try {
    // Non-blocking: opening a fifo for writing fails at once (ENXIO) instead of hanging when conmon is gone.
    fh = await open(join(socketLink, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw notFound(`cannot resize: the container's monitor is not running`, err);
  }
  try {
    await fh.write(`1 ${Math.trunc(size.height)} ${Math.trunc(size.width)}\n`);
  } finally {
    await fh.close();
  }
}
