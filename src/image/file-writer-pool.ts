// Two worker threads that create a layer's regular files (open, write, chown,
// chmod, utimes, close, all synchronous) while the main thread goes on parsing
// the tar, making directories and links. Creating thousands of small files is
// most of an unpack's time and is kernel work that runs well on two cores.
// The workers run a small self-contained script (eval'd, so the same code works
// from the bundle and from source) and are shared by all unpacks, unref'd so
// that they never keep berthd alive. An unpack that must see a file on disk
// waits for the workers: a hardlink with idle() (the tar reader pauses, the
// event loop stays free), the rare rest (an entry replacing a file) with
// barrier(), which blocks on a shared counter.
// Each worker is an isolate of its own (about 8 MB resident): once no unpack has
// used them for `FileWriterPool.idleMs` (5 s) they are stopped, and the next unpack starts them again
// (a few tens of ms). BERTH_UNPACK_WORKERS sets how many threads (default 2: measured faster than
// 1 here, and than none at all); BERTH_UNPACK_THREADS=0 (unpack-layer.ts)
// writes every file on the main thread instead.
import { Worker } from 'node:worker_threads';
import { log } from '../lib/logger.ts';

export interface FileJob {
  readonly path: string;
  /** The content: a buffer from alloc(), filled. */
  readonly data: Buffer;
  readonly uid: number;
  readonly gid: number;
  readonly chown: boolean;
  readonly mode: number;
  /** Whether open()'s mode (under the umask) already is `mode`, so no chmod is needed. */
  readonly modeAtOpen: boolean;
  readonly mtime: number;
}

/** What a worker gets per file: where its content sits in the batch's buffer. */
interface WireJob {
  readonly path: string;
  readonly off: number;
  readonly len: number;
  readonly uid: number;
  readonly gid: number;
  readonly chown: boolean;
  readonly mode: number;
  readonly chmod: boolean;
  readonly mtime: number;
}

/** Room for one batch's file contents (a batch is sent when full). */
const batchBytes = 1 << 20;

const workerSource = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (m) => {
  const counters = new Int32Array(m.counters);
  let error;
  if (Atomics.load(counters, 1) === 0) {
    const buf = new Uint8Array(m.buf);
    for (const f of m.files) {
      try {
        const fd = fs.openSync(f.path, 'wx', f.chmod ? 0o600 : f.mode);
        try {
          let off = f.off;
          const end = f.off + f.len;
          while (off < end) off += fs.writeSync(fd, buf, off, end - off);
          if (f.chown) fs.fchownSync(fd, f.uid, f.gid);
          if (f.chmod) fs.fchmodSync(fd, f.mode);
          fs.futimesSync(fd, f.mtime, f.mtime);
        } finally {
          fs.closeSync(fd);
        }
      } catch (e) {
        error = { message: e.message, code: e.code };
        Atomics.store(counters, 1, 1);
        break;
      }
    }
  }
  // The batch's buffer goes back for reuse (fewer new buffers: less zeroing, fewer page faults and collections).
  parentPort.postMessage({ id: m.id, error, buf: m.buf }, [m.buf]);
  Atomics.sub(counters, 0, 1);
  Atomics.notify(counters, 0);
});
`;

let workers: Worker[] | undefined | null;
let idleTimer: NodeJS.Timeout | undefined;
/** Pools in use, told when a worker dies so that nothing waits for it forever. */
const active = new Set<FileWriterPool>();
/** Batch buffers the workers gave back, for the next batches (of batchBytes only). */
const spare: ArrayBuffer[] = [];

function pool(): Worker[] | undefined {
  if (workers === null) return undefined;
  if (workers === undefined) {
    try {
      const count = Math.max(1, Math.min(8, Number(process.env["BERTH_UNPACK_WORKERS"] ?? 2) || 2));
      workers = Array.from({ length: count }, () => {
        const w = new Worker(workerSource, { eval: true });
        w.unref();
        w.on('error', (err) => log.warn('unpack worker failed', { error: err }));
        return w;
      });
      const ws = workers;
      for (const w of ws) {
        w.on('exit', (code) => {
          // Workers stopped when idle, or already given up for a sibling's death: nothing uses them.
          if (workers !== ws) return;
          // The next unpack starts fresh workers; the running ones fail instead of waiting.
          workers = undefined;
          for (const other of ws) if (other !== w) void other.terminate();
          for (const p of active) p.fail(new Error(`an unpack worker exited (code ${code})`));
        });
      }
    } catch (err) {
      log.warn('no unpack workers, writing files on the main thread', { error: err });
      workers = null;
      return undefined;
    }
  }
  return workers;
}

let nextId = 1;
/** Unpacks using the workers now: they keep the process alive only while some do. */
let users = 0;

/** One unpack's share of the pool. */
export class FileWriterPool {
  /** How long the workers outlive the last unpack that used them (tests shorten it). */
  static idleMs = 5000;
  readonly #workers: Worker[];
  /** [batches in flight, failed] — shared with the workers. */
  readonly #counters = new Int32Array(new SharedArrayBuffer(8));
  readonly #replies = new Map<number, () => void>();
  readonly #errors: Error[] = [];
  readonly #settled: Promise<void>[] = [];
  #batch: WireJob[] = [];
  #batchBytes = 0;
  /** The current batch's buffer (transferred to the worker with the batch) and how much of it is handed out. */
  #buf: ArrayBuffer | undefined;
  #used = 0;
  /** A buffer handed out by alloc() and not yet add()ed: the batch cannot go before it is filled. */
  #filling = false;
  #next = 0;
  #inFlightBytes = 0;
  readonly #listeners: { w: Worker; fn: (m: { id: number; error?: { message: string; code?: string }; buf?: ArrayBuffer }) => void }[] = [];

  private constructor(ws: Worker[]) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    this.#workers = ws;
    for (const w of ws) {
      const fn = (m: { id: number; error?: { message: string; code?: string }; buf?: ArrayBuffer }) => {
        if (m.buf !== undefined && m.buf.byteLength === batchBytes && spare.length < 4) spare.push(m.buf);
        const done = this.#replies.get(m.id);
        if (done === undefined) return;
        this.#replies.delete(m.id);
        if (m.error) this.#errors.push(Object.assign(new Error(m.error.message), { code: m.error.code, syscall: 'open' }));
        done();
      };
      w.on('message', fn);
      if (users === 0) w.ref();
      this.#listeners.push({ w, fn });
    }
    users++;
    active.add(this);
  }

  /** A worker is gone: every file still owed fails, and nothing waits for it. */
  fail(err: Error): void {
    this.#errors.push(err);
    for (const done of this.#replies.values()) done();
    this.#replies.clear();
    Atomics.store(this.#counters, 0, 0);
    Atomics.store(this.#counters, 1, 1);
  }

  /** A pool for one unpack, or undefined when workers cannot run here. */
  static open(): FileWriterPool | undefined {
    const ws = pool();
    return ws ? new FileWriterPool(ws) : undefined;
  }

  /** Room for a file of `size` bytes in the current batch; fill it, then add() the job. */
  alloc(size: number): Buffer {
    if (this.#buf !== undefined && this.#used + size > this.#buf.byteLength) this.send();
    // A reused buffer holds old bytes: each file's part is overwritten whole before it is sent (see add()).
    this.#buf ??= (size <= batchBytes ? spare.pop() : undefined) ?? new ArrayBuffer(Math.max(batchBytes, size));
    const b = Buffer.from(this.#buf, this.#used, size);
    this.#used += size;
    this.#filling = true;
    return b;
  }

  add(job: FileJob): void {
    this.#filling = false;
    this.#batch.push({
      path: job.path,
      off: job.data.byteOffset,
      len: job.data.length,
      uid: job.uid,
      gid: job.gid,
      chown: job.chown,
      mode: job.mode,
      chmod: !job.modeAtOpen || job.chown,
      mtime: job.mtime,
    });
    this.#batchBytes += job.data.length;
    if (this.#batch.length >= 64) this.send();
  }

  /** Bytes handed to the workers and not written yet. */
  get pendingBytes(): number {
    return this.#inFlightBytes + this.#batchBytes;
  }

  /** Hands the collected files to the next worker. */
  send(): void {
    if (this.#batch.length === 0 || this.#filling) return;
    const id = nextId++;
    const files = this.#batch;
    const bytes = this.#batchBytes;
    const buf = this.#buf as ArrayBuffer;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#buf = undefined;
    this.#used = 0;
    this.#inFlightBytes += bytes;
    Atomics.add(this.#counters, 0, 1);
    this.#settled.push(
      new Promise<void>((resolve) =>
        this.#replies.set(id, () => {
          this.#inFlightBytes -= bytes;
          resolve();
        }),
      ),
    );
    const w = this.#workers[this.#next++ % this.#workers.length] as Worker;
    w.postMessage({ id, counters: this.#counters.buffer, files, buf }, [buf]);
  }

  /** Blocks until every file handed over so far is on disk (or failed). */
  barrier(): void {
    this.send();
    // Bounded: a worker that died cannot be noticed while this thread waits.
    const deadline = Date.now() + 120_000;
    for (let v = Atomics.load(this.#counters, 0); v > 0; v = Atomics.load(this.#counters, 0)) {
      if (Date.now() > deadline) throw new Error('the unpack workers did not finish writing files within 120 s');
      Atomics.wait(this.#counters, 0, v, 1000);
    }
  }

  /** Whether files handed over (or collected for the next batch) may not be on disk yet. */
  get busy(): boolean {
    return this.#batch.length > 0 || Atomics.load(this.#counters, 0) > 0;
  }

  /** Resolves once every file handed over so far is on disk (or failed): barrier() without holding the thread. */
  async idle(): Promise<void> {
    this.send();
    await Promise.all(this.#settled.splice(0));
  }

  /** Resolves once the workers wrote less than `bytes`. */
  async below(bytes: number): Promise<void> {
    while (this.#inFlightBytes > bytes && this.#settled.length > 0) await this.#settled.shift();
  }

  /** Waits for everything, detaches from the workers, and throws the first failure. */
  async close(): Promise<void> {
    this.send();
    await Promise.all(this.#settled);
    users--;
    active.delete(this);
    for (const { w, fn } of this.#listeners) {
      w.off('message', fn);
      if (users === 0) w.unref();
    }
    if (users === 0) stopWhenIdle(this.#workers);
    const err = this.#errors[0];
    if (err !== undefined) throw err;
  }
}

/** The worker threads running now (tests). */
export function unpackWorkers(): number {
  return workers?.length ?? 0;
}

/** Stops the workers `FileWriterPool.idleMs` from now unless an unpack takes them first (the constructor cancels it). */
function stopWhenIdle(ws: Worker[]): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (workers !== ws || users > 0) return;
    workers = undefined;
    for (const w of ws) void w.terminate();
  }, FileWriterPool.idleMs).unref();
}
