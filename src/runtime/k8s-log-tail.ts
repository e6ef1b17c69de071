// Where `logs --tail N` starts reading: found by walking the log backwards from
// its end (the live file, then the rotated ones), record by record, so that
// the cost is that of the last N lines, not of the whole log.
//
// A line ends with a full (F) record, or with a partial (P) one that the
// other stream's record (or the end of the log) follows: lines never overlap
// (see Joiner). The walk counts line ends and stops just after the one before
// the last N + 1 lines, a clean start for reading forwards; the reader then
// skips the excess (a long line makes several 16 KiB pieces).
import type { FileHandle } from 'node:fs/promises';
import { BackwardRecords } from './k8s-log-records.ts';
import { headerOf, timeToSeconds } from './k8s-log-parse.ts';

/** A place in a list of log files: the index of the file and an offset in it. */
export interface LogPosition {
  readonly file: number;
  readonly offset: number;
}

export interface TailWindow {
  /** Unix seconds: the walk stops at the first line before (times only grow). */
  readonly since?: number | undefined;
  /** Unix seconds: records after are not counted. */
  readonly until?: number | undefined;
}

/**
 * The position from which reading forwards reaches the last `n` lines (and
 * one or a few more). `files` are oldest first, each read up to its `size`.
 */
export async function findTailStart(files: readonly { readonly fh: FileHandle; readonly size: number }[], n: number, window: TailWindow = {}): Promise<LogPosition> {
  const { since, until } = window;
  let ends = 0;
  /** The stream of the record after the current one (going forwards); undefined at the end of the log. */
  let next: string | undefined;
  /** A line from before `since` was reached: stop at the next clean start. */
  let done = false;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    const back = new BackwardRecords(f.fh, f.size);
    for (let batch = await back.next(); batch; batch = await back.next()) {
      for (const r of batch) {
        const h = headerOf(r.bytes);
        if (!h) continue;
        const isEnd = !h.partial || next !== h.stream;
        next = h.stream;
        if (isEnd && (done || ends > n)) return { file: i, offset: r.end };
        if (since !== undefined || until !== undefined) {
          const t = timeToSeconds(h.time);
          if (until !== undefined && t > until) continue;
          if (since !== undefined && t < since) {
            if (isEnd) return { file: i, offset: r.end };
            done = true;
            continue;
          }
        }
        if (isEnd) ends++;
      }
    }
  }
  return { file: 0, offset: 0 };
}
