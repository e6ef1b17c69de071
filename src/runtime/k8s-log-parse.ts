// The k8s-file record format conmon writes (`<RFC3339Nano> <stdout|stderr>
// <P|F> <content>` per line) and the joining of partial (P) records into the
// lines the container wrote. A line is joined up to 16 KiB, docker's message
// size: longer ones come out in pieces, so that a process writing without
// newlines never makes berthd hold its output.
import type { LogLine } from './types.ts';
import { parseRfc3339Nano } from '../lib/go-units.ts';

const SP = 0x20;
/** moby's logger.Copier buffer: the largest message dockerd logs in one piece. */
export const maxLinePiece = 16 * 1024;

/** One record of the file, before partial records are joined. */
export interface K8sRecord {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly partial: boolean;
  readonly content: Buffer;
}

/** Time, stream and tag of a record, without its content; undefined for a malformed line. */
export function headerOf(line: Buffer): Omit<K8sRecord, 'content'> & { readonly contentStart: number } | undefined {
  const s1 = line.indexOf(SP);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(SP, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag may carry more flags after P/F, separated by ':'; content follows one space.
  const s3 = line.indexOf(SP, s2 + 1);
  return { time: line.toString('latin1', 0, s1), stream, partial: line[s2 + 1] === 0x50, contentStart: s3 < 0 ? line.length : s3 + 1 };
}

/** Parses one line (without its newline); undefined for a malformed line. */
export function parseK8sLine(line: Buffer): K8sRecord | undefined {
  const h = headerOf(line);
  if (!h) return undefined;
  return { time: h.time, stream: h.stream, partial: h.partial, content: Buffer.from(line.subarray(h.contentStart)) };
}

/** RFC 3339 (nanoseconds allowed) → Unix seconds with fraction; NaN if unparseable. */
export function timeToSeconds(time: string): number {
  const ns = parseRfc3339Nano(time);
  if (ns === undefined) return NaN;
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

const newline = Buffer.from('\n');

/**
 * Joins records into lines. Partial records wait for the full one that ends
 * their line, but no longer than a record of the other stream (the piece so
 * far comes out first: lines never overlap, and each comes out where it ends)
 * nor past 16 KiB.
 */
export class Joiner {
  #pending: { stream: 'stdout' | 'stderr'; time: string; parts: Buffer[]; size: number } | undefined;

  /** The lines (or pieces of lines) this record completes: none, one or two. */
  push(rec: K8sRecord): LogLine[] {
    const out: LogLine[] = [];
    let p = this.#pending;
    if (p && p.stream !== rec.stream) {
      out.push(this.#take());
      p = undefined;
    }
    if (rec.partial) {
      if (p) {
        p.parts.push(rec.content);
        p.size += rec.content.length;
      } else this.#pending = p = { stream: rec.stream, time: rec.time, parts: [rec.content], size: rec.content.length };
      if (p.size >= maxLinePiece) out.push(this.#take());
      return out;
    }
    this.#pending = undefined;
    out.push({ stream: rec.stream, time: p?.time ?? rec.time, data: Buffer.concat(p ? [...p.parts, rec.content, newline] : [rec.content, newline]) });
    return out;
  }

  #take(): LogLine {
    const p = this.#pending!;
    this.#pending = undefined;
    return { stream: p.stream, time: p.time, data: Buffer.concat(p.parts) };
  }

  /** A line left unfinished when the process stopped writing: emitted without a newline. */
  flush(): LogLine[] {
    return this.#pending ? [this.#take()] : [];
  }
}
