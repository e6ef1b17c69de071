// Spools the entries of an image archive (`docker save` output or an OCI image
// layout as a tar) into a private temp directory, because tar order is arbitrary
// and the manifest may come after the layers. Entry names are cleaned and may
// not climb out; symlinks and hardlinks between entries (docker 20.10 links
// repeated layers) are resolved within the archive only.
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import * as tar from 'tar-stream';
import { invalidArgument, isBerthError } from '../core/errors.ts';
import { cleanComponents, writeEntryFile } from './unpack-layer.ts';
import { drained } from '../lib/drained.ts';

type Node = { readonly file: string } | { readonly link: string };

export class SpooledArchive {
  readonly #nodes = new Map<string, Node>();
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Reads the whole archive stream into the spool directory. */
  async fill(input: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const extract = tar.extract();
    // Attach the entry iterator before any byte is written: entries emitted earlier would be lost.
    const entries = extract[Symbol.asyncIterator]();
    const feeding = (async () => {
      try {
        for await (const chunk of input) {
          signal?.throwIfAborted();
          if (extract.destroyed) return;
          if (!extract.write(chunk)) await drained(extract);
        }
        extract.end(undefined);
      } catch (err) {
        extract.destroy(err as Error);
        throw err;
      }
    })();
    let n = 0;
    try {
      for await (const entry of { [Symbol.asyncIterator]: () => entries }) {
        const h = entry.header;
        const name = cleanComponents(h.name, 'archive entry').join('/');
        if (h.type === 'file' || h.type === 'contiguous-file') {
          const file = join(this.#dir, `${n++}`);
          await writeEntryFile(entry as unknown as AsyncIterable<Uint8Array>, file);
          this.#nodes.set(name, { file });
          continue;
        }
        if (h.type === 'symlink') {
          // Absolute targets mean the archive's root; relative ones the link's own directory.
          this.#nodes.set(name, { link: h.linkname.startsWith('/') ? h.linkname : posix.join(posix.dirname(name), h.linkname) });
        } else if (h.type === 'link') {
          this.#nodes.set(name, { link: h.linkname });
        }
        entry.resume();
      }
    } catch (err) {
      extract.destroy();
      feeding.catch(() => {});
      if (err instanceof Error && !isBerthError(err) && !('syscall' in err)) throw invalidArgument(tarErrorMessage(err.message), err);
      throw err;
    }
    await feeding;
  }

  /** The spool file of an archive path, following links inside the archive; undefined when absent. */
  path(name: string): string | undefined {
    let cur = name;
    for (let hops = 0; hops < 16; hops++) {
      let clean: string;
      try {
        clean = cleanComponents(cur, 'archive entry').join('/');
      } catch {
        return undefined;
      }
      const node = this.#nodes.get(clean);
      if (node === undefined) return undefined;
      if ('file' in node) return node.file;
      cur = node.link;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.path(name) !== undefined;
  }

  async read(name: string): Promise<Buffer> {
    const p = this.path(name);
    if (p === undefined) throw invalidArgument(`invalid archive: "${name}" is missing`);
    return readFile(p);
  }
}

/**
 * dockerd's words for an archive its tar reader refuses ("Error processing tar
 * file(exit status 1): …" with Go's archive/tar error), so that clients read
 * the same failure from berthd; other problems keep tar-stream's text.
 */
function tarErrorMessage(message: string): string {
  const prefix = 'Error processing tar file(exit status 1): ';
  if (/invalid tar header/i.test(message)) return `${prefix}archive/tar: invalid tar header`;
  if (/unexpected end of data|stream was destroyed|premature close/i.test(message)) return `${prefix}unexpected EOF`;
  return `invalid archive: ${message}`;
}
