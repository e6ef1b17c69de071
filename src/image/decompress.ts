// Detects the compression of a layer or archive stream from its first bytes and
// yields the uncompressed bytes: gzip through node:zlib; bzip2, xz and zstd
// through Debian's `bzip2 -dc`, `xz -dc` and `zstd -dc` as child processes
// (Node 20 has no zstd); anything else passes through as a plain tar.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { once } from 'node:events';
import { invalidArgument } from '../core/errors.ts';

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

async function* viaTool(tool: string, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  closed.catch(() => {});
  await spawned.catch((err: unknown) => {
    throw invalidArgument(`cannot decompress ${tool} data: ${(err as Error).message}`);
  });
  child.stdin.on('error', () => {}); // EPIPE when the tool exits early; its exit status tells
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (!child.stdin.write(chunk)) await once(child.stdin, 'drain');
      }
    } finally {
      child.stdin.end();
    }
  })();
  feeding.catch(() => {});
  try {
    yield* child.stdout as AsyncIterable<Buffer>;
    await feeding;
    const [code] = await closed;
    if (code !== 0) throw invalidArgument(`cannot decompress ${tool} data: ${Buffer.concat(stderr).toString().trim() || `exit status ${code}`}`);
  } finally {
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

async function* decompressing(input: AsyncIterable<Uint8Array>, onDetect?: (c: Compression) => void): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  const kind = detectCompression(head);
  onDetect?.(kind);
  const source = withHead(head, it);
  if (kind === 'none') yield* source;
  else if (kind === 'gzip') yield* viaGunzip(source);
  else yield* viaTool(tools[kind], source);
}

/** The uncompressed bytes of `input`, whatever of the supported compressions it uses. */
export function decompress(input: AsyncIterable<Uint8Array>, onDetect?: (c: Compression) => void): Readable {
  return Readable.from(decompressing(input, onDetect), { objectMode: false });
}
