// A build context: the tar stream that `POST /build` receives (plain or
// compressed). A small one is held in memory as the tree its tar describes
// (./memory-context.ts) and written to disk only when a step needs its files
// there (a COPY that missed the cache, a RUN bind mount of the context): a
// fully cached rebuild never writes it. A bigger one, or one whose tar holds
// what the tree does not model, is extracted into a fresh temp directory under
// the data root as it arrives. Extraction reuses the image module's secure
// layer unpacker, so no entry can land outside the directory. The caller
// disposes of the context when done.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, internal, isInvalidArgument } from '../core/errors.ts';
import { decompress, TarReader, unpackLayer } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';
import { span, spanStart, tracing } from '../lib/trace.ts';
import { hostFs, type SourceFs } from './context-fs.ts';
import { MemoryTree } from './memory-context.ts';

export interface BuildContext {
  /** The context's files: in memory, or on disk under `root`. */
  readonly fs: SourceFs;
  /** The root of the context in `fs` (`/` in memory, a directory on disk). */
  readonly root: string;
  /** The directory holding the context's files: written on the first call for a context held in memory. */
  dir(): Promise<string>;
  /** The host path of `path` (a path in `fs`, symlinks already resolved inside the root). */
  hostPath(path: string): Promise<string>;
  /** Removes the directory, if any. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface ContextOptions {
  readonly log?: Logger;
  readonly signal?: AbortSignal;
  /** Tar bytes up to which a context is held in memory (default 8 MiB; 0: always on disk). */
  readonly memoryLimit?: number;
}

const defaultMemoryLimit = 8 << 20;

/**
 * A context that is not a tar, in the words of Go's archive/tar as dockerd
 * answers (500): a short one is `unexpected EOF`, a bad header
 * `archive/tar: invalid tar header`.
 */
function contextError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || !isInvalidArgument(err)) return err;
  const message = errorMessage(err);
  if (/truncated|unexpected end/.test(message)) return internal('unexpected EOF', err);
  if (/tar header|checksum/.test(message)) return internal('archive/tar: invalid tar header', err);
  return err;
}

/** A context already on disk at `dir` (a git clone, an extracted tar). */
export function diskContext(dir: string, dispose: () => Promise<void>): BuildContext {
  return { fs: hostFs, root: dir, dir: async () => dir, hostPath: async (p) => p, dispose };
}

/** Unpacks `tar` into a new `<tmpRoot>/ctx-XXXX/ctx`. */
async function unpackToDisk(tar: AsyncIterable<Uint8Array>, tmpRoot: string, options: ContextOptions): Promise<{ dir: string; dispose: () => Promise<void> }> {
  await mkdir(tmpRoot, { recursive: true, mode: 0o700 });
  const base = await mkdtemp(join(tmpRoot, 'ctx-'));
  const dir = join(base, 'ctx');
  const dispose = () => rm(base, { recursive: true, force: true });
  try {
    await mkdir(dir, { mode: 0o755 });
    await unpackLayer(tar, dir, { ...(options.log ? { log: options.log } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    await dispose();
    throw contextError(err, options.signal);
  }
  return { dir, dispose };
}

/** The chunks already read, then the rest of the stream. */
async function* replay(head: readonly Buffer[], rest: AsyncIterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array> {
  yield* head;
  if (rest === undefined) return;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** An iterator whose next() fails with `err`. */
function failing(err: unknown): AsyncIterator<Uint8Array> {
  return { next: () => Promise.reject(err) };
}

/**
 * Receives `tar`: held in memory when it is small and its entries are ones the
 * memory tree models, else extracted into a new `<tmpRoot>/ctx-XXXX/ctx` as it arrives.
 */
export async function receiveContext(tar: AsyncIterable<Uint8Array>, tmpRoot: string, options: ContextOptions = {}): Promise<BuildContext> {
  const limit = options.memoryLimit ?? defaultMemoryLimit;
  const input = decompress(tracing ? received(tar) : tar)[Symbol.asyncIterator]();
  const tree = new MemoryTree();
  const reader = new TarReader(tree);
  const chunks: Buffer[] = [];
  let bytes = 0;
  let rest: AsyncIterator<Uint8Array> | undefined = input;
  let inMemory = limit > 0;
  while (inMemory) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await input.next();
      options.signal?.throwIfAborted();
    } catch (err) {
      // The stream failed (or the build was cancelled): the unpacker meets the same error where the old path met it.
      rest = failing(err);
      inMemory = false;
      break;
    }
    try {
      if (r.done) {
        rest = undefined;
        reader.end();
        break;
      }
      const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      chunks.push(chunk);
      bytes += chunk.length;
      // The tree never pauses the reader (it has no wait()).
      if (bytes <= limit) void reader.write(chunk);
    } catch {
      // A tar the reader refuses: the unpacker reads it again and fails with its own error.
      inMemory = false;
    }
    if (bytes > limit || tree.unusual !== undefined) inMemory = false;
  }
  if (inMemory && tree.unusual === undefined) return memoryContext(tree, chunks, tmpRoot, options);
  options.log?.debug('build context goes to disk', { reason: tree.unusual ?? (bytes > limit ? `more than ${limit} bytes` : 'not a tar the memory tree reads') });
  const { dir, dispose } = await unpackToDisk(replay(chunks, rest), tmpRoot, options);
  return diskContext(dir, dispose);
}

function memoryContext(tree: MemoryTree, chunks: readonly Buffer[], tmpRoot: string, options: ContextOptions): BuildContext {
  let disk: Promise<{ dir: string; dispose: () => Promise<void> }> | undefined;
  const dir = async () => {
    // The same tar, unpacked; then what was removed from the tree (removeIgnoredBuildFiles) goes from the disk too.
    disk ??= span('build: context to disk', undefined, async () => {
      const d = await unpackToDisk(replay(chunks, undefined), tmpRoot, options);
      try {
        for (const p of tree.removed) await rm(join(d.dir, p), { recursive: true, force: true });
      } catch (err) {
        await d.dispose();
        throw err;
      }
      return d;
    });
    return (await disk).dir;
  };
  return {
    fs: tree,
    root: '/',
    dir,
    hostPath: async (p) => join(await dir(), p),
    dispose: async () => {
      if (disk !== undefined) await (await disk.catch(() => undefined))?.dispose();
    },
  };
}

/** The tar as it arrives, with a span from the first to the last chunk (tracing only). */
async function* received(tar: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let end: ((ok?: boolean) => void) | undefined;
  let bytes = 0;
  for await (const c of tar) {
    end ??= spanStart('build: context received');
    bytes += c.byteLength;
    yield c;
  }
  end?.();
  spanStart('build: context bytes', { bytes })();
}
