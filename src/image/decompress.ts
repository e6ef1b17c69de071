// Detects the compression of a layer or archive stream from its first bytes and
// yields the uncompressed bytes: gzip through node:zlib (on libuv's thread
// pool, off the event loop); bzip2, xz and zstd through Debian's `bzip2 -dc`,
// `xz -dc` and `zstd -dc` as child processes (Node 20 has no zstd); anything
// else passes through as a plain tar. Layers (`gzipTool`) are gunzipped by
// the operating system's `igzip` (ISA-L, Debian's `isal`: 0.35 s of CPU for
// the 218 MB Debian layer where zlib takes 0.9-1.0 s), else `unpigz` (Debian's
// `pigz`, as containerd and dockerd use it), in a process of their own;
// BERTH_GUNZIP=igzip|unpigz names one, BERTH_GUNZIP=zlib keeps to zlib. A tool
// that is missing, or fails to start, leaves the work to zlib. Once a pull's
// file creation stopped being most of its time (store/top-dir.ts), zlib's
// single-threaded inflate was the slowest stage of the pipeline
// (bench/README.md, pull).
// What comes out is never trusted for being the tool's: the caller checks the
// blob's digest and the tar's diff id.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { once } from 'node:events';
import { invalidArgument } from '../core/errors.ts';
import { log } from '../lib/logger.ts';
import { inputSocket, readOutput, toolPipes } from './tool-pipes.ts';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  const at = (i: number) => head[i];
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a && at(5) === 0x00) return 'xz';
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  return 'none';
}

const tools: Record<Exclude<Compression, 'none' | 'gzip'>, string> = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' };

async function* withHead(head: Buffer, it: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
  }
}

/** The gzip decompressors tried in order, with their arguments. */
const gzipTools = { igzip: ['-dc'], unpigz: ['-c'] } as const;
export type GunzipTool = keyof typeof gzipTools | 'zlib';

const found = new Map<string, Promise<string | undefined>>();

/** The full path of `name` on PATH (looked up once per process and PATH), or undefined. */
function onPath(name: string): Promise<string | undefined> {
  const path = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
  const key = `${path}\0${name}`;
  let p = found.get(key);
  if (p === undefined) {
    p = (async () => {
      for (const dir of path.split(':')) {
        if (dir === '') continue;
        const full = join(dir, name);
        if (await access(full, constants.X_OK).then(() => true, () => false)) return full;
      }
      return undefined;
    })();
    found.set(key, p);
  }
  return p;
}

/** Which gunzip a layer gets: igzip, else unpigz, else zlib; BERTH_GUNZIP=igzip|unpigz asks for one tool (zlib when it is missing), =zlib for zlib. */
export async function gunzipTool(): Promise<{ name: GunzipTool; path?: string }> {
  const wanted = process.env['BERTH_GUNZIP'] || 'auto';
  if (wanted !== 'igzip' && wanted !== 'unpigz' && wanted !== 'auto') return { name: 'zlib' };
  const order: readonly (keyof typeof gzipTools)[] = wanted === 'auto' ? ['igzip', 'unpigz'] : [wanted];
  for (const name of order) {
    const path = await onPath(name);
    if (path !== undefined) return { name, path };
  }
  return { name: 'zlib' };
}

async function* viaTool(tool: string, source: AsyncIterable<Buffer>, opts: { args?: readonly string[]; what?: string; fallback?: () => AsyncIterable<Buffer>; reuse?: boolean } = {}): AsyncGenerator<Buffer> {
  const what = opts.what ?? tool;
  // With `reuse`, 1 MiB pipes and one reused read buffer (tool-pipes.ts); else Node's stdio.
  const pipes = opts.reuse ? toolPipes() : undefined;
  let child: ChildProcess;
  try {
    child = spawn(tool, opts.args ?? ['-dc'], { stdio: pipes ? [pipes.childStdin, pipes.childStdout, 'pipe'] : ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    pipes?.closeAll();
    throw err;
  }
  // The child has its own copies now (or never started).
  pipes?.closeChildEnds();
  const stderr: Buffer[] = [];
  (child.stderr as Readable).on('data', (b: Buffer) => stderr.push(b));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  closed.catch(() => {});
  let startError: unknown;
  await spawned.catch((err: unknown) => (startError = err));
  if (startError !== undefined) {
    pipes?.closeAll();
    // Nothing of the source was read yet: another decompressor can still take all of it.
    if (opts.fallback !== undefined) {
      log.warn('cannot start the gzip tool; decompressing with zlib', { tool, error: (startError as Error).message });
      yield* opts.fallback();
      return;
    }
    throw invalidArgument(`cannot decompress ${what} data: ${(startError as Error).message}`);
  }
  const stdin = pipes ? inputSocket(pipes.input) : (child.stdin as Writable);
  stdin.on('error', () => {}); // EPIPE when the tool exits early; its exit status tells
  // Waits for room in the pipe, or for its end (the tool exited, or was stopped below): never hangs on a dead pipe.
  const room = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    });
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (stdin.destroyed) break;
        if (!stdin.write(chunk)) await room();
      }
      // A pipe has no half-close: its end is closed once everything is in it.
      if (pipes && !stdin.destroyed && stdin.writableLength > 0) await room();
    } finally {
      if (pipes) stdin.destroy();
      else stdin.end();
    }
  })();
  feeding.catch(() => {});
  try {
    yield* pipes ? readOutput(pipes.output) : (child.stdout as AsyncIterable<Buffer>);
    await feeding;
    const [code] = await closed;
    if (code !== 0) throw invalidArgument(`cannot decompress ${what} data: ${Buffer.concat(stderr).toString().trim() || `exit status ${code}`}`);
  } finally {
    stdin.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

async function* viaGunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Big output chunks: fewer trips through the stream layers above for a layer of hundreds of MB.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const src = Readable.from(source);
  src.on('error', (err) => gunzip.destroy(err));
  src.pipe(gunzip);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (err) {
    throw invalidArgument(`cannot decompress gzip data: ${(err as Error).message}`, err);
  } finally {
    src.destroy();
  }
}

export interface DecompressOptions {
  /** Told the compression found. */
  readonly onDetect?: (c: Compression) => void;
  /**
   * Gunzip through an operating system tool (see the header): for layers,
   * whose size pays for a process start.
   */
  readonly gzipTool?: boolean;
}

async function* decompressing(input: AsyncIterable<Uint8Array>, options: DecompressOptions & { reuse?: boolean }): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  const kind = detectCompression(head);
  options.onDetect?.(kind);
  const source = withHead(head, it);
  if (kind === 'none') yield* source;
  else if (kind === 'gzip') {
    const tool = options.gzipTool ? await gunzipTool() : { name: 'zlib' as const };
    if (tool.name === 'zlib' || tool.path === undefined) yield* viaGunzip(source);
    else yield* viaTool(tool.path, source, { args: gzipTools[tool.name], what: `gzip (${tool.name})`, fallback: () => viaGunzip(source), reuse: options.reuse === true });
  } else yield* viaTool(tools[kind], source, { reuse: options.reuse === true });
}

/**
 * A layer blob's uncompressed bytes, through the gzip tool (as decompress()
 * with `gzipTool`), for a consumer that is done with each piece before it asks
 * for the next (unpackLayer): a tool's output comes in pieces of one reused
 * buffer (tool-pipes.ts), each valid only until the next is asked for. Not a
 * Readable: one would read ahead into that buffer.
 */
export function decompressLayer(input: AsyncIterable<Uint8Array>, options: Pick<DecompressOptions, 'onDetect'> = {}): AsyncIterable<Buffer> {
  return decompressing(input, { ...options, gzipTool: true, reuse: true });
}

/** The uncompressed bytes of `input`, whatever of the supported compressions it uses. */
export function decompress(input: AsyncIterable<Uint8Array>, options: DecompressOptions = {}): Readable {
  return Readable.from(decompressing(input, options), { objectMode: false });
}
