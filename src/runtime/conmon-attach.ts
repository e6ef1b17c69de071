// The client side of conmon's attach socket and control fifo. conmon serves
// `<socketLink>/attach` (SOCK_SEQPACKET): every packet it sends is one chunk of
// the container's output led by a stream byte (2 stdout, 3 stderr — conmon's
// stdpipe_t, 1 being stdin); every packet written to it goes to the container's
// stdin (the pipe, or the pty master with a terminal). Half-closing our side
// makes conmon close the container's stdin unless it runs with
// --leave-stdin-open. Resizes go through `<socketLink>/ctl` as `1 <h> <w>\n`.
//
// Back-pressure: the socket is not read (SeqpacketSocket.pause(), its readiness
// watcher stopped) while the consumer is more than `highWaterMark` bytes
// behind: a slow client slows the container down, as with dockerd, whose
// attach pipe blocks its writer past 1 MB (moby's BytesPipe), and berthd holds
// at most that much of its output. conmon writes to the socket with a blocking
// write, so while the output is held back conmon waits too — and would not
// notice the process exiting: once the process is gone (checked every second
// while held back), the output is let through again.
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, internal, notFound } from '../core/errors.ts';
import { SeqpacketSocket } from '../lib/seqpacket.ts';
import { procStat, running } from './proc-stat.ts';

export type OutputStream = 'stdout' | 'stderr';

/** conmon's stream bytes on the attach socket. */
const streamByte: Readonly<Record<number, OutputStream>> = { 2: 'stdout', 3: 'stderr' };

/** conmon reads a packet with one read of its buffer; larger packets would be cut. */
const maxPacket = 8192;

/** Output handed to the consumer and not yet consumed, past which the socket is not read (moby's BytesPipe blocks at 1 MB). */
export const highWaterMark = 1024 * 1024;

/** How often a held-back connection checks that its process still lives. */
const livenessIntervalMs = 1000;

export interface AttachConnection {
  /** Output chunks as conmon sends them; ends when conmon closes the socket (the container exited). */
  onOutput(fn: (stream: OutputStream, data: Buffer) => void): void;
  /**
   * The consumer is done with `bytes` of the output: until it says so, at most
   * about highWaterMark bytes come (more only once the process is gone).
   */
  consumed(bytes: number): void;
  /** Called once when the connection is gone (conmon closed it, or close()). */
  onClose(fn: () => void): void;
  /** Sends bytes to the container's stdin (ignored by conmon when the container has none). */
  write(data: Buffer): Promise<void>;
  /** Half-close: no more input; output keeps flowing. */
  closeStdin(): void;
  close(): void;
}

export interface ConnectAttachOptions {
  /** The process whose output this is, once known: while it lives, output is held back for a slow consumer. */
  readonly pid?: () => Promise<number | undefined> | number | undefined;
}

/** True while `pid` is a process that has not exited (a zombie has). */
export async function processAlive(pid: number): Promise<boolean> {
  return running(await procStat(pid));
}

/**
 * Connects to a container's attach socket. The connection goes through
 * /proc/self/fd/<dir fd> so that a long socket dir path never exceeds
 * sun_path's 108 bytes. NotFound when conmon serves no socket there.
 */
export async function connectAttach(socketLink: string, options: ConnectAttachOptions = {}): Promise<AttachConnection> {
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
        return new Connection(SeqpacketSocket.connect(path), options);
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

class Connection implements AttachConnection {
  readonly #sock: SeqpacketSocket;
  readonly #pid: ConnectAttachOptions['pid'];
  readonly #outputFns: ((stream: OutputStream, data: Buffer) => void)[] = [];
  readonly #closeFns: (() => void)[] = [];
  /** Output that came before the first onOutput(): it counts as unconsumed, so it is bounded too. */
  readonly #early: [OutputStream, Buffer][] = [];
  /** Output bytes handed over (or kept in #early) and not yet consumed. */
  #unconsumed = 0;
  /** The process is gone: the output is never held back again (nothing would drain conmon otherwise). */
  #released = false;
  #liveness: NodeJS.Timeout | undefined;
  #closed = false;
  #inputEnded = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(sock: SeqpacketSocket, options: ConnectAttachOptions) {
    this.#sock = sock;
    this.#pid = options.pid;
    sock.on('data', (buf: Buffer) => this.#packet(buf));
    // conmon closes its end when it exits; a failed write means the same.
    sock.on('end', () => this.close());
    sock.on('close', () => this.#closeOnce());
    sock.on('error', () => this.close());
  }

  #packet(buf: Buffer): void {
    const stream = streamByte[buf[0] ?? 0];
    if (!stream || buf.length < 2 || this.#closed) return;
    const chunk = buf.subarray(1);
    this.#unconsumed += chunk.length;
    if (this.#outputFns.length === 0) this.#early.push([stream, chunk]);
    for (const fn of this.#outputFns) fn(stream, chunk);
    this.#holdBackIfBehind();
  }

  #holdBackIfBehind(): void {
    // Without a pid there is no way to tell the process has gone: held back only until consumed.
    if (this.#closed || this.#released || this.#unconsumed <= highWaterMark) return;
    this.#sock.pause();
    if (this.#liveness || !this.#pid) return;
    this.#liveness = setInterval(() => void this.#checkLiveness(), livenessIntervalMs);
    this.#liveness.unref();
  }

  async #checkLiveness(): Promise<void> {
    if (!this.#sock.isPaused || this.#closed) return this.#stopLiveness();
    const pid = await this.#pid?.();
    if (pid !== undefined && pid > 0 && (await processAlive(pid))) return;
    this.#stopLiveness();
    this.#released = true;
    this.#sock.resume();
  }

  #stopLiveness(): void {
    clearInterval(this.#liveness);
    this.#liveness = undefined;
  }

  consumed(bytes: number): void {
    if (bytes <= 0) return;
    this.#unconsumed = Math.max(0, this.#unconsumed - bytes);
    if (this.#unconsumed <= highWaterMark && this.#sock.isPaused && !this.#closed) {
      this.#stopLiveness();
      this.#sock.resume();
    }
  }

  onOutput(fn: (stream: OutputStream, data: Buffer) => void): void {
    this.#outputFns.push(fn);
    for (const [stream, chunk] of this.#early.splice(0)) fn(stream, chunk);
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#closeFns.push(fn);
  }

  write(data: Buffer): Promise<void> {
    if (this.#closed || this.#inputEnded) return Promise.resolve();
    // One write at a time, in call order (concurrent writes would interleave their
    // packets), as packets of at most maxPacket bytes, each after the previous one reached the kernel.
    this.#writing = this.#writing.then(async () => {
      for (let off = 0; off < data.length && !this.#closed; off += maxPacket) {
        // A failed write (conmon gone) destroys the socket, which closes the connection.
        await this.#sock.write(data.subarray(off, Math.min(off + maxPacket, data.length))).catch(() => undefined);
      }
    });
    return this.#writing;
  }

  closeStdin(): void {
    if (this.#closed || this.#inputEnded) return;
    this.#inputEnded = true;
    // After the queued input: conmon closes the container's stdin at our half-close.
    void this.#writing.then(() => {
      if (!this.#closed) this.#sock.end();
    });
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#sock.destroy();
    } finally {
      this.#closeOnce();
    }
  }

  #closeOnce(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopLiveness();
    for (const fn of this.#closeFns.splice(0)) fn();
  }
}

/**
 * Sets the container's terminal size through conmon's control fifo. NotFound
 * when conmon is gone (no reader on the fifo).
 */
export function resizeTerminal(socketLink: string, size: { height: number; width: number }): Promise<void> {
  return writeControl(socketLink, `1 ${Math.trunc(size.height)} ${Math.trunc(size.width)}\n`, 'resize');
}

/** Has conmon reopen its log file (control message 2, REOPEN_LOGS_EVENT: a fresh file at the log path). */
export function reopenLog(socketLink: string): Promise<void> {
  return writeControl(socketLink, '2 0 0\n', 'reopen the log');
}

async function writeControl(socketLink: string, message: string, what: string): Promise<void> {
  let fh;
  try {
    // Non-blocking: opening a fifo for writing fails at once (ENXIO) instead of hanging when conmon is gone.
    fh = await open(join(socketLink, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw notFound(`cannot ${what}: the container's monitor is not running`, err);
  }
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}
