// Helpers for the dockerode scenarios of the differential client tier: an
// outcome (the value, or the HTTP status and Docker's message of a failure),
// dockerode's callback style as a promise, a stream read to its end, a
// multiplexed stream split by stream, and tar archives made in memory.
import type { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';

export interface Failure {
  readonly status: number | undefined;
  readonly message: string | undefined;
}

/** What a call gave: `{ok: value}`, or `{status, message}` as dockerode's error carries them. */
export async function outcome<T>(p: Promise<T>): Promise<{ ok: T } | Failure> {
  try {
    return { ok: await p };
  } catch (err) {
    const e = err as { statusCode?: number; json?: unknown; message?: string };
    const json = e.json as { message?: string } | string | null | undefined;
    const message = typeof json === 'object' && json !== null ? json.message : typeof json === 'string' ? json : e.message;
    return { status: e.statusCode, message };
  }
}

/** Calls a dockerode method in its callback style: `viaCallback((cb) => c.top(cb))`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dockerode's callback types vary by method
export function viaCallback<T>(call: (cb: (err: any, data?: any) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, data) => (err ? reject(err) : resolve(data as T))));
}

/** Reads a stream to its end (within 60 s). */
export function readAll(stream: NodeJS.ReadableStream, timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`the stream did not end within ${timeoutMs} ms; got ${Buffer.concat(chunks).length} bytes`)), timeoutMs);
    stream.on('data', (b: Buffer | string) => chunks.push(Buffer.from(b)));
    stream.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
    stream.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/** A multiplexed (non-TTY) stream's text per stream; the interleaving of two pipes is not compared. */
export function byStream(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at + 4);
    const name = ['stdin', 'stdout', 'stderr'][buf[at]!] ?? `stream ${buf[at]}`;
    out[name] = (out[name] ?? '') + buf.subarray(at + 8, at + 8 + size).toString();
    at += 8 + size;
  }
  return out;
}

/** A tar archive of the given files (mode 0644), in memory. */
export function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, data] of Object.entries(files)) p.entry({ name, mode: 0o644, mtime: new Date(0) }, data);
  p.finalize();
  return readAll(p as unknown as Readable);
}

export interface TarEntry {
  readonly name: string;
  readonly type: string;
  readonly size: number | undefined;
  readonly mode: number | undefined;
  readonly linkname: string | null | undefined;
}

/** A tar archive's entries in order (name, type, size, mode, link target) and the text of the given files. */
export async function tarEntries(buf: Buffer, read: readonly string[] = []): Promise<{ entries: TarEntry[]; files: Record<string, string> }> {
  const entries: TarEntry[] = [];
  const files: Record<string, string> = {};
  const x = extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, stream, next) => {
      // Permission bits only: dockerd also writes the file-type bits (0100644), which tar-stream's
      // packer masks off on berthd's side (docs/compatibility.md); the type is compared as `type`.
      entries.push({ name: h.name, type: h.type ?? 'file', size: h.size, mode: h.mode === undefined ? undefined : h.mode & 0o7777, linkname: h.linkname });
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (read.includes(h.name)) files[h.name] = Buffer.concat(chunks).toString();
        next();
      });
      stream.resume();
    });
    x.on('finish', resolve);
    x.on('error', reject);
  });
  x.end(buf);
  await done;
  return { entries, files };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
