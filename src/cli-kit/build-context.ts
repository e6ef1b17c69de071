// cli-kit: the build context berth and compose send to `POST /build`: a tar of the context
// directory (entries sorted, file owners and modes kept, paths excluded by
// .dockerignore left out — but never the Dockerfile or .dockerignore itself),
// plus a Dockerfile from outside the context or from stdin added under a
// generated name, as the docker CLI does.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Header } from 'tar-stream';

export interface ContextTarOptions {
  /** Which context-relative paths (slash-separated) are left out. */
  readonly filter?: { exclude(rel: string): boolean; skipDir(rel: string): boolean };
  /** Paths always sent even when excluded (the Dockerfile, .dockerignore). */
  readonly keep?: readonly string[];
  /** A Dockerfile to add to the context under a generated name. */
  readonly extraDockerfile?: Buffer;
}

/** Files up to this size are read whole; bigger ones are streamed. */
const smallFile = 1 << 20;

/** A generated name for a Dockerfile that lives outside the context (docker: `.dockerfile.<hex>`). */
export function extraDockerfileName(): string {
  return `.dockerfile.${process.getBuiltinModule('node:crypto').randomBytes(10).toString('hex')}`;
}

/**
 * Streams the context directory as a tar. tar-stream (and node:crypto and
 * node:stream above) load on first use, so that a command that builds nothing
 * does not pay for them at start-up.
 */
export async function contextTar(dir: string, options: ContextTarOptions & { extraName?: string } = {}): Promise<Readable> {
  const tar = await import('tar-stream');
  const pack = tar.pack();
  const keep = new Set(options.keep ?? []);
  const put = (header: Partial<Header> & { name: string }, data?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (data !== undefined) pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  const walk = async (rel: string): Promise<void> => {
    const abs = rel === '' ? dir : join(dir, rel);
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = await lstat(p);
      const excluded = options.filter?.exclude(r) === true && !keep.has(r);
      const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: st.mtime };
      if (st.isDirectory()) {
        // An excluded directory may still hold `!`-re-included files: walk it, write it only when something inside is kept.
        if (!excluded) await put({ ...base, name: `${r}/`, type: 'directory' });
        if (!excluded || !options.filter?.skipDir(r)) await walk(r);
        continue;
      }
      if (excluded) continue;
      if (st.isSymbolicLink()) await put({ ...base, name: r, type: 'symlink', linkname: await readlink(p) });
      else if (st.isFile() && st.size <= smallFile) {
        // One read for a small file (most of a context): fewer trips through the stream layers than a read stream.
        const data = await readFile(p);
        await put({ ...base, name: r, type: 'file', size: data.length }, data);
      } else if (st.isFile()) {
        let done!: Promise<void>;
        const w = await new Promise<ReturnType<typeof pack.entry>>((ready) => {
          done = new Promise<void>((resolve, reject) => ready(pack.entry({ ...base, name: r, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()))));
        });
        for await (const chunk of createReadStream(p)) {
          if (!w.write(chunk as Buffer)) await new Promise<void>((res) => w.once('drain', () => res()));
        }
        w.end(undefined);
        await done;
      }
    }
  };
  void (async () => {
    try {
      await walk('');
      if (options.extraDockerfile && options.extraName) await put({ name: options.extraName, type: 'file', mode: 0o600, mtime: new Date(), size: options.extraDockerfile.length }, options.extraDockerfile);
      pack.finalize();
    } catch (e) {
      pack.destroy(e as Error);
    }
  })();
  return process.getBuiltinModule('node:stream').Readable.from(pack as unknown as AsyncIterable<Buffer>);
}
