// Turns a directory of changes into an OCI layer tar: the overlay upper dir of a
// RUN step (0:0 character devices become `.wh.<name>` whiteouts, directories
// marked trusted.overlay.opaque get a `.wh..wh..opq` entry), or a staging tree
// for COPY. Entries are written in a fixed order (names sorted byte-wise,
// depth first), without user/group names, hardlinks as links to the first path
// seen; with `epoch` set every time is clamped to it, so the same files always
// give the same bytes (reproducible builds).
import { createReadStream } from 'node:fs';
import { access, lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import type { Digest } from '../core/digest.ts';
import { runTool } from '../lib/run-tool.ts';
import type { BlobLease, BlobStore } from '../store/index.ts';

export interface LayerDiffOptions {
  /** Seconds since the epoch (SOURCE_DATE_EPOCH): no time in the tar is later. */
  readonly epoch?: number;
  /** Read overlay whiteouts and opaque markers (an upper dir); false for a plain staging tree. */
  readonly overlay?: boolean;
  /**
   * Paths (relative, no leading slash) left out with everything below them;
   * a directory that held only left-out entries is left out too (RUN steps:
   * the mount points the runtime created, as Docker's init layer hides them).
   */
  readonly exclude?: ReadonlySet<string>;
  /** The caller's lease: the layer's blob joins it before it is visible (no gc takes it before an image names it). */
  readonly lease?: BlobLease;
}

/** What the OCI runtime creates in a RUN container's upper dir for its mounts, and what docker's init layer holds (engine/init-layer.ts). */
export const runtimeMountPoints: ReadonlySet<string> = new Set(['etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab', 'dev', 'proc', 'sys', '.dockerenv']);

export interface LayerDiffResult {
  /** Digest of the uncompressed tar (= the blob digest and the diff id). */
  readonly diffId: Digest;
  readonly size: number;
  /** Number of entries written; 0 means the step changed nothing. */
  readonly entries: number;
}

const opaqueScript = `
import os, sys, json
root = sys.argv[1]
out = []
for d, dirs, files in os.walk(root):
    for n in dirs:
        p = os.path.join(d, n)
        try:
            if os.getxattr(p, "trusted.overlay.opaque", follow_symlinks=False) == b"y":
                out.append(os.path.relpath(p, root))
        except OSError:
            pass
print(json.dumps(out))
`;

async function python(): Promise<string> {
  return access('/usr/bin/python3').then(
    () => '/usr/bin/python3',
    () => 'python3',
  );
}

/** Relative paths of the opaque directories under an overlay upper dir. */
export async function opaqueDirs(root: string): Promise<Set<string>> {
  const out = await runTool(await python(), ['-c', opaqueScript, root]);
  return new Set(JSON.parse(out) as string[]);
}

function sortBytes(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

interface Walked {
  readonly rel: string;
  readonly abs: string;
  readonly st: Stats;
}

async function* walk(root: string, rel = ''): AsyncGenerator<Walked> {
  const dir = rel === '' ? root : join(root, rel);
  for (const name of sortBytes(await readdir(dir))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const abs = join(root, r);
    const st = await lstat(abs);
    yield { rel: r, abs, st };
    if (st.isDirectory()) yield* walk(root, r);
  }
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

/** Writes the tar of `root` into the blob store. */
export async function diffToLayer(root: string, blobs: BlobStore, options: LayerDiffOptions = {}): Promise<LayerDiffResult> {
  const opaque = options.overlay ? await opaqueDirs(root) : new Set<string>();
  const pack = tar.pack();
  const ingesting = blobs.ingest(pack as unknown as AsyncIterable<Uint8Array>, options.lease ? { lease: options.lease } : {});
  let entries = 0;
  const clamp = (d: Date): Date => (options.epoch !== undefined && d.getTime() > options.epoch * 1000 ? new Date(options.epoch * 1000) : new Date(Math.floor(d.getTime() / 1000) * 1000));
  const put = (header: Partial<tar.Header> & { name: string }, data?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      entries++;
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data !== undefined) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  try {
    const all: Walked[] = [];
    const exclude = options.exclude ?? new Set<string>();
    const under = (rel: string) => {
      for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) if (exclude.has(rel.slice(0, i))) return true;
      return exclude.has(rel);
    };
    for await (const w of walk(root)) if (!under(w.rel)) all.push(w);
    // Directories whose subtree lost entries to `exclude` and kept none are copy-ups for mount points.
    const lostChild = new Set<string>();
    for (const x of exclude) for (let i = x.lastIndexOf('/'); i > 0; i = x.lastIndexOf('/', i - 1)) lostChild.add(x.slice(0, i));
    const kept = all.filter((w) => {
      if (!w.st.isDirectory() || !lostChild.has(w.rel) || opaque.has(w.rel)) return true;
      return all.some((o) => o.rel.startsWith(`${w.rel}/`));
    });
    const links = new Map<string, string>();
    for (const { rel, abs, st } of kept) {
      const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: clamp(st.mtime) };
      if (st.isDirectory()) {
        await put({ ...base, name: `${rel}/`, type: 'directory' });
        if (opaque.has(rel)) await put({ name: `${rel}/.wh..wh..opq`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: base.mtime, size: 0 }, Buffer.alloc(0));
      } else if (st.isCharacterDevice() && st.rdev === 0 && options.overlay) {
        const slash = rel.lastIndexOf('/');
        const name = slash < 0 ? `.wh.${rel}` : `${rel.slice(0, slash)}/.wh.${rel.slice(slash + 1)}`;
        await put({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: base.mtime, size: 0 }, Buffer.alloc(0));
      } else if (st.isSymbolicLink()) {
        await put({ ...base, name: rel, type: 'symlink', linkname: await readlink(abs) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          await put({ ...base, name: rel, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, rel);
        entries++;
        let done!: Promise<void>;
        const w = await new Promise<ReturnType<typeof pack.entry>>((ready) => {
          done = new Promise<void>((resolve, reject) => ready(pack.entry({ ...base, name: rel, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()))));
        });
        for await (const chunk of createReadStream(abs)) {
          if (!w.write(chunk as Buffer)) await new Promise<void>((r) => w.once('drain', () => r()));
        }
        w.end(undefined);
        await done;
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await put({ ...base, name: rel, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) {
        await put({ ...base, name: rel, type: 'fifo' });
      }
      // Sockets are not part of an image, as in docker's archive package.
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await ingesting.catch(() => undefined);
    throw err;
  }
  const { digest, size } = await ingesting;
  return { diffId: digest, size, entries };
}
