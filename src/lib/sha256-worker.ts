// SHA-256 of a stream computed on a worker thread, so that hashing a layer of
// hundreds of MB (its blob digest and its diff id) does not hold berthd's event
// loop. update() copies the bytes into 1 MiB slabs; each full slab is handed
// (transferred, not copied again) to one shared worker, which hashes it and
// hands it back for reuse. A stream that ends before its first slab is full
// (a build context, a small layer) is hashed on the calling thread when its
// digest is asked for: a round trip to the worker would cost it more. Messages to a worker are handled in order, so the
// digest is that of the bytes in the order given. The worker is unref'd (it
// never keeps berthd alive) and runs a small eval'd script, so the same code
// works from the bundle and from source. Only with BERTH_HASH_THREAD=1: by
// default the hash is computed on the calling thread (node:crypto's SHA-256
// takes ~0.7 ms per MiB here, in pieces of at most 256 KiB), because on this
// project's 2-core machines under load, pulls measured faster without the
// extra thread (bench/README.md, pull). Where no worker can start, the hash is
// computed on the calling thread too.
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { log } from './logger.ts';

/** An incremental SHA-256. */
export interface Sha256Stream {
  update(bytes: Uint8Array): void;
  /** The hex digest of everything given; the stream is finished. */
  digest(): Promise<string>;
  /** Drops the stream without a digest (after a failure). */
  abandon(): void;
}

const slabBytes = 1 << 20;
const firstSlabBytes = 64 << 10;

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let h = hashes.get(m.id);
  if (h === undefined && m.op !== 'drop') hashes.set(m.id, (h = createHash('sha256')));
  if (m.op === 'update') {
    h.update(new Uint8Array(m.buf, 0, m.len));
    parentPort.postMessage({ op: 'slab', buf: m.buf }, [m.buf]);
  } else if (m.op === 'digest') {
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: h.digest('hex') });
  } else hashes.delete(m.id);
});
`;

interface Shared {
  readonly worker: Worker;
  readonly slabs: ArrayBuffer[];
  readonly waiting: Map<number, { resolve(hex: string): void; reject(err: Error): void }>;
  /** Streams with bytes on the worker: the worker is ref'd while there are any. */
  users: number;
  /** Why the worker is gone: its streams fail with it. */
  dead?: Error;
}

let shared: Shared | undefined | null;
let nextId = 1;

function start(): Shared | undefined {
  if (shared === null) return undefined;
  if (shared !== undefined) return shared;
  try {
    const worker = new Worker(workerSource, { eval: true });
    worker.unref();
    const s: Shared = { worker, slabs: [], waiting: new Map(), users: 0 };
    worker.on('message', (m: { op: 'slab'; buf: ArrayBuffer } | { op: 'digest'; id: number; hex: string }) => {
      if (m.op === 'slab') {
        if (s.slabs.length < 8 && m.buf.byteLength === slabBytes) s.slabs.push(m.buf);
        return;
      }
      const w = s.waiting.get(m.id);
      s.waiting.delete(m.id);
      w?.resolve(m.hex);
    });
    const fail = (err: Error) => {
      if (s.dead !== undefined) return;
      s.dead = err;
      if (s.users > 0) log.warn('the hashing worker failed', { error: err.message });
      if (shared === s) shared = undefined; // the next stream starts a new one
      for (const w of s.waiting.values()) w.reject(err);
      s.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
    shared = s;
    return s;
  } catch (err) {
    log.warn('no hashing worker, hashing on the main thread', { error: (err as Error).message });
    shared = null;
    return undefined;
  }
}

class OnThread implements Sha256Stream {
  readonly #h: Hash = createHash('sha256');
  update(bytes: Uint8Array): void {
    this.#h.update(bytes);
  }
  async digest(): Promise<string> {
    return this.#h.digest('hex');
  }
  abandon(): void {}
}

class OffThread implements Sha256Stream {
  /** The worker, taken when the first slab is full: a stream shorter than one slab never waits for it. */
  #shared: Shared | undefined;
  readonly #id = nextId++;
  #slab: Uint8Array<ArrayBuffer> | undefined;
  #used = 0;
  #sent = false;
  #done = false;

  get #s(): Shared {
    return this.#shared as Shared;
  }

  /** Set when no worker could be had: the rest is hashed here. */
  #local: Hash | undefined;

  update(bytes: Uint8Array): void {
    if (this.#done) throw new Error('update() after digest()');
    if (this.#local !== undefined) {
      this.#local.update(bytes);
      return;
    }
    let off = 0;
    while (off < bytes.byteLength) {
      // A spare slab if there is one; else a small one first, grown as bytes come (most streams of a build are tiny).
      this.#slab ??= new Uint8Array(shared?.slabs.pop() ?? new ArrayBuffer(firstSlabBytes));
      if (this.#used === this.#slab.byteLength) {
        const bigger = new Uint8Array(new ArrayBuffer(Math.min(slabBytes, this.#slab.byteLength * 4)));
        bigger.set(this.#slab.subarray(0, this.#used));
        this.#slab = bigger;
      }
      const n = Math.min(bytes.byteLength - off, this.#slab.byteLength - this.#used);
      this.#slab.set(bytes.subarray(off, off + n), this.#used);
      this.#used += n;
      off += n;
      if (this.#used === slabBytes) this.#send();
    }
  }

  #send(): void {
    const slab = this.#slab;
    if (slab === undefined || this.#used === 0) return;
    if (this.#shared === undefined) {
      const s = start();
      if (s === undefined) {
        // No worker here after all: this stream goes on on this thread.
        this.#local = createHash('sha256');
        this.#local.update(slab.subarray(0, this.#used));
        this.#slab = undefined;
        this.#used = 0;
        return;
      }
      this.#shared = s;
    }
    if (!this.#sent) {
      this.#sent = true;
      if (this.#s.users++ === 0) this.#s.worker.ref();
    }
    this.#s.worker.postMessage({ op: 'update', id: this.#id, buf: slab.buffer, len: this.#used }, [slab.buffer]);
    this.#slab = undefined;
    this.#used = 0;
  }

  #release(): void {
    if (this.#sent && --this.#s.users === 0) this.#s.worker.unref();
  }

  digest(): Promise<string> {
    if (this.#done) return Promise.reject(new Error('digest() called twice'));
    this.#done = true;
    if (this.#local !== undefined) return Promise.resolve(this.#local.digest('hex'));
    if (!this.#sent) {
      // Nothing reached the worker (a stream shorter than a slab): hashed here, at once.
      const h = createHash('sha256');
      if (this.#slab !== undefined) h.update(this.#slab.subarray(0, this.#used));
      this.#slab = undefined;
      return Promise.resolve(h.digest('hex'));
    }
    this.#send();
    const dead = this.#s.dead;
    if (dead !== undefined) {
      this.#release();
      return Promise.reject(dead);
    }
    return new Promise<string>((resolve, reject) => {
      this.#s.waiting.set(this.#id, { resolve, reject });
      this.#s.worker.postMessage({ op: 'digest', id: this.#id });
    }).finally(() => this.#release());
  }

  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#slab = undefined;
    if (this.#sent) {
      this.#s.worker.postMessage({ op: 'drop', id: this.#id });
      this.#release();
    }
  }
}

/**
 * A SHA-256 stream: hashed on this thread, or with BERTH_HASH_THREAD=1 on the
 * shared worker thread (here where no worker can run; a stream shorter than
 * one slab, 1 MiB, is hashed here when its digest is asked for: the worker is
 * not worth a round trip for it).
 */
export function sha256Stream(): Sha256Stream {
  return process.env['BERTH_HASH_THREAD'] !== '1' || shared === null ? new OnThread() : new OffThread();
}
