// readLogs(): reads conmon's k8s-file log (`<RFC3339Nano> <stdout|stderr> <P|F> <content>`
// per line). P (partial) records are joined with the records that follow on the
// same stream until an F record ends the line, which gets its newline back.
// Supports tail, since/until and follow (fs.watch plus a poll, across conmon
// replacing the file when it caps its size).
import { open, stat } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { LogLine, ReadLogsOptions } from './types.ts';
import { parseRfc3339Nano } from '../lib/go-units.ts';

const NL = 0x0a;
const SP = 0x20;
const pollMs = 250;

/** One record of the file, before partial records are joined. */
export interface K8sRecord {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly partial: boolean;
  readonly content: Buffer;
}

/** Parses one line (without its newline); undefined for a malformed line. */
export function parseK8sLine(line: Buffer): K8sRecord | undefined {
  const s1 = line.indexOf(SP);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(SP, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.subarray(s1 + 1, s2).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line.subarray(s2 + 1, s2 + 2).toString();
  // The tag may carry more flags after P/F, separated by ':'; content follows one space.
  const s3 = line.indexOf(SP, s2 + 1);
  const content = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  return { time: line.subarray(0, s1).toString(), stream, partial: tag === 'P', content: Buffer.from(content) };
}

/** RFC 3339 (nanoseconds allowed) → Unix seconds with fraction; NaN if unparseable. */
export function timeToSeconds(time: string): number {
  const ns = parseRfc3339Nano(time);
  if (ns === undefined) return NaN;
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

/** Joins records into lines; pending partials stay in `pending` until their F record. */
class Joiner {
  readonly #pending = new Map<string, { time: string; parts: Buffer[] }>();

  push(rec: K8sRecord): LogLine | undefined {
    const p = this.#pending.get(rec.stream);
    if (rec.partial) {
      if (p) p.parts.push(rec.content);
      else this.#pending.set(rec.stream, { time: rec.time, parts: [rec.content] });
      return undefined;
    }
    this.#pending.delete(rec.stream);
    const parts = p ? [...p.parts, rec.content, Buffer.from('\n')] : [rec.content, Buffer.from('\n')];
    return { stream: rec.stream, time: p?.time ?? rec.time, data: Buffer.concat(parts) };
  }

  /** Partial lines never completed (the process exited mid-line): emitted without a newline. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const [stream, p] of this.#pending) {
      out.push({ stream: stream as 'stdout' | 'stderr', time: p.time, data: Buffer.concat(p.parts) });
    }
    this.#pending.clear();
    return out;
  }
}

/** Reads the bytes of `path` from `offset`; ino identifies the file to notice replacement. */
async function readFrom(path: string, offset: number): Promise<{ data: Buffer; ino: number; size: number } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (st.size <= offset) return { data: Buffer.alloc(0), ino: st.ino, size: st.size };
    const buf = Buffer.alloc(st.size - offset);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { data: buf.subarray(0, got), ino: st.ino, size: st.size };
  } finally {
    await fh.close();
  }
}

export async function* readLogs(path: string, options: ReadLogsOptions = {}): AsyncIterable<LogLine> {
  const { since, until, signal } = options;
  const tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
  const joiner = new Joiner();
  let offset = 0;
  let ino: number | undefined;
  let rest = Buffer.alloc(0);
  let stopped = false;
  let stopRequested = false;
  options.stopWhen?.then(
    () => (stopRequested = true),
    () => (stopRequested = true),
  );

  const keep = (l: LogLine): boolean => {
    if (since === undefined && until === undefined) return true;
    const t = timeToSeconds(l.time);
    if (since !== undefined && t < since) return false;
    if (until !== undefined && t > until) {
      stopped = true;
      return false;
    }
    return true;
  };

  /** Reads what is new and returns the complete lines in it. */
  const readMore = async (): Promise<LogLine[]> => {
    const r = await readFrom(path, offset);
    if (!r) return [];
    if (ino !== undefined && (r.ino !== ino || r.size < offset)) {
      // conmon replaced or truncated the file: start over on the new one.
      ino = r.ino;
      offset = 0;
      rest = Buffer.alloc(0);
      return readMore();
    }
    ino = r.ino;
    offset += r.data.length;
    const buf = rest.length > 0 ? Buffer.concat([rest, r.data]) : r.data;
    const lines: LogLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NL, start); nl >= 0; nl = buf.indexOf(NL, start)) {
      const rec = parseK8sLine(buf.subarray(start, nl));
      start = nl + 1;
      if (!rec) continue;
      const line = joiner.push(rec);
      if (line) lines.push(line);
    }
    rest = Buffer.from(buf.subarray(start));
    return lines;
  };

  let first = (await readMore()).filter(keep);
  if (!options.follow || stopped) first = [...first, ...joiner.flush().filter(keep)];
  if (tail !== undefined) first = tail === 0 ? [] : first.slice(-tail);
  for (const l of first) {
    if (signal?.aborted) return;
    yield l;
  }
  if (!options.follow || stopped) return;

  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  try {
    try {
      watcher = watch(path, () => wake?.());
      watcher.on('error', () => undefined);
    } catch {
      // No watch (file missing yet, or unsupported): the poll still runs.
    }
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    options.stopWhen?.then(onAbort, onAbort);
    try {
      while (!signal?.aborted) {
        const wasStopRequested = stopRequested;
        const lines = (await readMore()).filter(keep);
        for (const l of lines) {
          if (signal?.aborted) return;
          yield l;
        }
        if (stopped) return;
        // Stop only once the file had nothing more after the stop was requested.
        if (wasStopRequested && lines.length === 0) {
          const st = await stat(path).catch(() => undefined);
          if (!st || st.size <= offset) {
            for (const l of joiner.flush().filter(keep)) yield l;
            return;
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
          if (signal?.aborted || (stopRequested && !wasStopRequested)) done();
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    watcher?.close();
  }
}
