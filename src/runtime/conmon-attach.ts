// The client side of conmon's attach socket and control fifo. conmon serves
// `<socketLink>/attach` (SOCK_SEQPACKET): every packet it sends is one chunk of
// the container's output led by a stream byte (2 stdout, 3 stderr — conmon's
// stdpipe_t, 1 being stdin); every packet written to it goes to the container's
// stdin (the pipe, or the pty master with a terminal). Half-closing our side
// makes conmon close the container's stdin unless it runs with
// --leave-stdin-open. Resizes go through `<socketLink>/ctl` as `1 <h> <w>\n`.
//
// The socket is held by a thread of its own (./attach-worker.ts) that stops
// reading it while the consumer is more than `highWaterMark` bytes behind:
// a slow client slows the container down, as with dockerd, and berthd holds at
// most that much of its output. conmon writes to the socket with a blocking
// write, so while the output is held back conmon waits too — and would not
// notice the process exiting: once the process is gone (checked every second
// while held back), the output is let through again.
import { createRequire } from 'node:module';
import { open, readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { internal, notFound } from '../core/errors.ts';
import { attachWorkerSource } from './attach-worker.ts';

export type OutputStream = 'stdout' | 'stderr';

/** conmon's stream bytes on the attach socket. */
const streamByte: Readonly<Record<number, OutputStream>> = { 2: 'stdout', 3: 'stderr' };

/** conmon reads a packet with one read of its buffer; larger packets would be cut. */
const maxPacket = 8192;

/** Output handed to the consumer and not yet consumed, past which the socket is not read (moby's BytesPipe blocks at 1 MB). */
export const highWaterMark = 1024 * 1024;

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

/** Connections whose thread still runs: closed before berthd exits (see closeAttachConnections). */
const live = new Set<{ close(): void; exited: Promise<void> }>();

/** True while `pid` is a process that has not exited (a zombie has). */
export async function processAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}

let addonPath: string | undefined;

/**
 * Connects to a container's attach socket. The connection goes through
 * /proc/self/fd/<dir fd> so that a long socket dir path never exceeds
 * sun_path's 108 bytes. NotFound when conmon serves no socket there.
 */
export async function connectAttach(socketLink: string, options: ConnectAttachOptions = {}): Promise<AttachConnection> {
  let dir;
  try {
    dir = await open(socketLink, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch (err) {
    throw notFound(`attach socket of container is missing: ${socketLink}`, err);
  }
  try {
    // A native addon: required at run time (the bundles keep it external), here only for its path.
    // Its seqpacket module, not its index: the index registers, in the first thread that loads it,
    // a clean-up that closes the handles of every thread when that one ends (one process-wide set).
    addonPath ??= createRequire(import.meta.url).resolve('node-unix-socket/js/seqpacket.js');
    const shared = new Int32Array(new SharedArrayBuffer(12));
    const worker = new Worker(attachWorkerSource, {
      eval: true,
      workerData: { module: addonPath, path: join(`/proc/self/fd/${dir.fd}`, 'attach'), shared: shared.buffer, high: highWaterMark },
    });
    const connection = new WorkerConnection(worker, shared, options);
    await connection.connected;
    return connection;
  } catch (err) {
    throw internal(`connecting to conmon's attach socket failed: ${err instanceof Error ? err.message : String(err)}`, err);
  } finally {
    await dir.close();
  }
}

/**
 * Closes every attach connection and waits (2 s at most) for their threads to
 * end: the process must not exit while one still polls its socket, or the
 * addon aborts it.
 */
export async function closeAttachConnections(): Promise<void> {
  const all = [...live];
  for (const c of all) c.close();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(all.map((c) => c.exited)), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
}

type FromWorker =
  | { type: 'connected' }
  | { type: 'output'; data: Uint8Array; lengths: number[] }
  | { type: 'written'; id: number }
  | { type: 'closed'; error?: string };

class WorkerConnection implements AttachConnection {
  readonly #worker: Worker;
  readonly #shared: Int32Array;
  readonly #pid: ConnectAttachOptions['pid'];
  readonly #outputFns: ((stream: OutputStream, data: Buffer) => void)[] = [];
  readonly #closeFns: (() => void)[] = [];
  readonly #writes = new Map<number, () => void>();
  /** Output that came before the first onOutput(). */
  readonly #early: [OutputStream, Buffer][] = [];
  #nextWrite = 0;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #inputEnded = false;
  #watch: NodeJS.Timeout | undefined;
  readonly connected: Promise<void>;
  readonly exited: Promise<void>;

  constructor(worker: Worker, shared: Int32Array, options: ConnectAttachOptions) {
    this.#worker = worker;
    this.#shared = shared;
    this.#pid = options.pid;
    let connected!: () => void;
    let failed!: (err: Error) => void;
    this.connected = new Promise<void>((resolve, reject) => {
      connected = resolve;
      failed = reject;
    });
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    live.add(this);
    void this.exited.then(() => {
      live.delete(this);
      failed(new Error('the attach thread ended before connecting'));
      this.#closeOnce();
    });
    worker.on('error', (err) => failed(err));
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'connected') connected();
      else if (m.type === 'output') this.#output(m.data, m.lengths);
      else if (m.type === 'written') {
        this.#writes.get(m.id)?.();
        this.#writes.delete(m.id);
      } else if (m.type === 'closed') {
        if (m.error) failed(new Error(m.error));
        this.#closeOnce();
        worker.postMessage({ type: 'bye' });
      }
    });
  }

  #output(data: Uint8Array, lengths: number[]): void {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    for (const len of lengths) {
      const packet = buf.subarray(off, off + len);
      off += len;
      const stream = streamByte[packet[0] ?? 0];
      // Bytes the consumer never sees count as consumed at once.
      if (!stream || packet.length < 2 || this.#closed) {
        this.#ack(packet.length);
        continue;
      }
      this.#ack(1); // the stream byte
      const chunk = packet.subarray(1);
      // Before anyone listens, output waits (unacknowledged, so bounded by the high-water mark).
      if (this.#outputFns.length === 0) this.#early.push([stream, chunk]);
      for (const fn of this.#outputFns) fn(stream, chunk);
    }
    this.#watchHeldBack();
  }

  /** While output is held back, check every second that the process still lives: a dead one's output must drain. */
  #watchHeldBack(): void {
    if (this.#watch || !this.#pid || Atomics.load(this.#shared, 2) !== 0) return;
    if (Atomics.load(this.#shared, 0) <= highWaterMark) return;
    this.#watch = setInterval(() => {
      void (async () => {
        if (Atomics.load(this.#shared, 0) <= highWaterMark || this.#closed) {
          clearInterval(this.#watch);
          this.#watch = undefined;
          return;
        }
        const pid = await this.#pid?.();
        if (pid !== undefined && pid > 0 && (await processAlive(pid))) return;
        clearInterval(this.#watch);
        this.#watch = undefined;
        this.#setFlag(2);
      })();
    }, 1000);
    this.#watch.unref();
  }

  #setFlag(flag: number): void {
    Atomics.or(this.#shared, 2, flag);
    Atomics.add(this.#shared, 1, 1);
    Atomics.notify(this.#shared, 1);
  }

  #ack(bytes: number): void {
    if (bytes <= 0) return;
    const before = Atomics.sub(this.#shared, 0, bytes);
    if (before > highWaterMark && before - bytes <= highWaterMark) {
      Atomics.add(this.#shared, 1, 1);
      Atomics.notify(this.#shared, 1);
    }
  }

  consumed(bytes: number): void {
    this.#ack(bytes);
  }

  #closeOnce(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    for (const done of this.#writes.values()) done();
    this.#writes.clear();
    for (const fn of this.#closeFns.splice(0)) fn();
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
    // One write at a time, in call order, as packets of at most maxPacket bytes.
    this.#writing = this.#writing.then(async () => {
      for (let off = 0; off < data.length && !this.#closed; off += maxPacket) {
        const part = Buffer.from(data.subarray(off, Math.min(off + maxPacket, data.length)));
        const id = this.#nextWrite++;
        await new Promise<void>((resolve) => {
          this.#writes.set(id, resolve);
          this.#worker.postMessage({ type: 'write', id, data: part });
        });
      }
    });
    return this.#writing;
  }

  closeStdin(): void {
    if (this.#closed || this.#inputEnded) return;
    this.#inputEnded = true;
    // After the queued input: conmon closes the container's stdin at our half-close.
    void this.#writing.then(() => {
      if (!this.#closed) this.#worker.postMessage({ type: 'end' });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#setFlag(1);
    this.#worker.postMessage({ type: 'close' });
    this.#closeOnce();
  }
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
