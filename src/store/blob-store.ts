// Content-addressed blob store on the local filesystem: `<root>/blobs/sha256/<hex>`.
// Writes go to `<root>/ingest/` first and are renamed into place only after the
// digest and size are verified and the data is fsynced, so a reader (or berthd
// after a crash) never sees a partial or wrong blob under blobs/.
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestHex, isDigest, type Digest } from '../core/digest.ts';
import { invalidArgument, notFound } from '../core/errors.ts';
import { fsyncDir } from '../lib/atomic-write.ts';
import { BlobLeases } from './leases.ts';
import type { BlobLease, BlobStore } from './types.ts';

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

class LocalBlobStore implements BlobStore {
  readonly #dir: string;
  readonly #ingestDir: string;
  readonly #leases = new BlobLeases();

  constructor(root: string) {
    this.#dir = join(root, 'blobs', 'sha256');
    this.#ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    // Leftovers of ingests interrupted by a crash: never visible, safe to drop.
    await rm(this.#ingestDir, { recursive: true, force: true });
    await mkdir(this.#ingestDir, { recursive: true });
  }

  path(digest: Digest): string {
    if (!isDigest(digest)) throw invalidArgument(`invalid digest "${String(digest)}"`);
    return join(this.#dir, digestHex(digest));
  }

  lease(digests: readonly Digest[] = []): BlobLease {
    return this.#leases.create(digests);
  }

  isLeased(digest: Digest): boolean {
    return this.#leases.has(digest);
  }

  async ingest(data: Readable | AsyncIterable<Uint8Array>, expected: { digest?: Digest; size?: number; lease?: BlobLease } = {}): Promise<{ digest: Digest; size: number }> {
    const tmp = join(this.#ingestDir, `${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    const fd = await open(tmp, 'wx', 0o644);
    let committed = false;
    try {
      try {
        for await (const chunk of data as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.byteLength;
          let off = 0;
          while (off < chunk.byteLength) {
            const { bytesWritten } = await fd.write(chunk, off, chunk.byteLength - off);
            off += bytesWritten;
          }
        }
        await fd.sync();
      } finally {
        await fd.close();
      }
      const digest: Digest = `sha256:${hash.digest('hex')}`;
      if (expected.digest !== undefined && expected.digest !== digest) {
        throw invalidArgument(`failed to verify blob: digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (expected.size !== undefined && expected.size !== size) {
        throw invalidArgument(`failed to verify blob ${expected.digest ?? digest}: size mismatch: expected ${expected.size} bytes, got ${size}`);
      }
      // Leased before it is visible: a gc listing blobs/ from now on already sees the lease.
      expected.lease?.add(digest);
      await rename(tmp, this.path(digest));
      committed = true;
      await fsyncDir(this.#dir);
      return { digest, size };
    } finally {
      if (!committed) await rm(tmp, { force: true });
    }
  }

  put(data: Uint8Array | string, expected: { digest?: Digest; lease?: BlobLease } = {}): Promise<{ digest: Digest; size: number }> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    return this.ingest(Readable.from([buf]), expected);
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch (err) {
      if (isEnoent(err)) return false;
      throw err;
    }
  }

  async size(digest: Digest): Promise<number> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (err) {
      if (isEnoent(err)) throw notFound(`blob ${digest} not found`);
      throw err;
    }
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (err) {
      if (isEnoent(err)) throw notFound(`blob ${digest} not found`);
      throw err;
    }
  }

  stream(digest: Digest): Readable {
    const path = this.path(digest);
    // Opened lazily so that a missing blob surfaces as NotFound on first read.
    return Readable.from((async function* () {
      let fh;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        if (isEnoent(err)) throw notFound(`blob ${digest} not found`);
        throw err;
      }
      try {
        yield* fh.createReadStream({ autoClose: false });
      } finally {
        await fh.close();
      }
    })(), { objectMode: false });
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await readdir(this.#dir);
    return names.map((n) => `sha256:${n}` as const).filter((d): d is Digest => isDigest(d));
  }
}

/** Opens (creating if needed) the blob store under `root`. */
export async function openBlobStore(root: string): Promise<BlobStore> {
  const store = new LocalBlobStore(root);
  await store.init();
  return store;
}
