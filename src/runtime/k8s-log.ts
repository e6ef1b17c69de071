// readLogFiles(): reads a container's k8s-file log — its rotated files, oldest
// first, then the live one — as the lines the container wrote (see
// k8s-log-parse.ts). It streams: a chunk at a time, never the whole log, and
// only as fast as its consumer takes the lines. `tail` walks back from the end
// (k8s-log-tail.ts) instead of reading everything; `since`/`until` filter by
// the line's time; `follow` goes on with the live file (fs.watch plus a poll),
// across conmon replacing it when it reaches its size limit.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { LogLine, ReadLogsOptions } from './types.ts';
import { ForwardRecords } from './k8s-log-records.ts';
import { Joiner, parseK8sLine, timeToSeconds } from './k8s-log-parse.ts';
import { findTailStart, type LogPosition } from './k8s-log-tail.ts';

export { parseK8sLine, timeToSeconds } from './k8s-log-parse.ts';

const pollMs = 250;

export interface OpenLog {
  readonly fh: FileHandle;
  readonly ino: number;
  /** The size when opened: what a read without `follow` covers. */
  readonly size: number;
}

async function openLog(path: string): Promise<OpenLog | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    return { fh, ino: st.ino, size: st.size };
  } catch {
    await fh.close();
    return undefined;
  }
}

/**
 * The files of a log, opened at once so that renames by rotation do not change
 * what is read; a file seen twice (berth keeps a second name for the live
 * file) is read once, as the later of its names.
 */
async function openLogs(paths: readonly string[]): Promise<OpenLog[]> {
  const opened: OpenLog[] = [];
  for (const p of paths) {
    const f = await openLog(p);
    if (f) opened.push(f);
  }
  const out: OpenLog[] = [];
  for (const [i, f] of opened.entries()) {
    if (opened.slice(i + 1).some((later) => later.ino === f.ino)) await f.fh.close();
    else out.push(f);
  }
  return out;
}

/** Lines from a position on, through the files and then the live one as it grows and is replaced. */
class LogScan {
  readonly #files: OpenLog[];
  readonly #livePath: string | undefined;
  readonly #joiner = new Joiner();
  readonly #since: number | undefined;
  readonly #until: number | undefined;
  #index: number;
  #reader: ForwardRecords | undefined;
  /** A line past `until` was seen: nothing more is wanted. */
  stopped = false;

  constructor(files: OpenLog[], livePath: string | undefined, start: LogPosition, window: { since?: number | undefined; until?: number | undefined }) {
    this.#files = files;
    this.#livePath = livePath;
    this.#index = start.file;
    this.#reader = files[start.file] ? new ForwardRecords(files[start.file]!.fh, start.offset) : undefined;
    this.#since = window.since;
    this.#until = window.until;
  }

  /** The inode of the file being followed. */
  get liveIno(): number | undefined {
    return this.#files.at(-1)?.ino;
  }

  #keep(l: LogLine): boolean {
    if (this.#since === undefined && this.#until === undefined) return true;
    const t = timeToSeconds(l.time);
    if (this.#since !== undefined && t < this.#since) return false;
    if (this.#until !== undefined && t > this.#until) {
      this.stopped = true;
      return false;
    }
    return true;
  }

  /** The next lines wanted (maybe none), or undefined when nothing more is written up to `end` (or for now). */
  async next(end?: LogPosition): Promise<LogLine[] | undefined> {
    for (;;) {
      if (end && this.#index > end.file) return undefined;
      if (!this.#reader) {
        if (end || !(await this.#openNewLive())) return undefined;
        continue;
      }
      const limit = end && end.file === this.#index ? end.offset : undefined;
      const records = await this.#reader.next(limit);
      if (records.length > 0) {
        const out: LogLine[] = [];
        for (const r of records) {
          const rec = parseK8sLine(r.bytes);
          if (rec) for (const line of this.#joiner.push(rec)) if (this.#keep(line)) out.push(line);
        }
        return out;
      }
      if (this.#index < this.#files.length - 1) {
        this.#index++;
        this.#reader = new ForwardRecords(this.#files[this.#index]!.fh, 0);
        continue;
      }
      // The end of the live file: unless conmon has replaced it, that is all for now.
      if (end || !(await this.#openNewLive())) return undefined;
    }
  }

  /** Opens the file now at the live path if it is not the one being read; false when there is none. */
  async #openNewLive(): Promise<boolean> {
    if (!this.#livePath) return false;
    const st = await stat(this.#livePath).catch(() => undefined);
    if (!st || st.ino === this.liveIno) return false;
    const f = await openLog(this.#livePath);
    if (!f) return false;
    this.#files.push(f);
    this.#index = this.#files.length - 1;
    this.#reader = new ForwardRecords(f.fh, 0);
    return true;
  }

  /** Lines left unfinished when the process stopped writing (without a newline). */
  flush(): LogLine[] {
    return this.#joiner.flush().filter((l) => this.#keep(l));
  }

  async close(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.fh.close().catch(() => undefined)));
  }
}

/** How many lines a read from `start` to `end` gives: what a tail skips is the excess over N. */
async function countLines(files: OpenLog[], start: LogPosition, end: LogPosition, options: ReadLogsOptions): Promise<number> {
  const scan = new LogScan(files, undefined, start, options);
  let count = 0;
  for (let lines = await scan.next(end); lines; lines = scan.stopped ? undefined : await scan.next(end)) count += lines.length;
  if (!options.follow && !scan.stopped) count += scan.flush().length;
  return count;
}

/**
 * Reads a log made of `paths` (rotated files oldest first, the live file
 * last). Without `follow`, the read ends where the files ended when it began.
 */
export async function* readLogFiles(paths: readonly string[], options: ReadLogsOptions = {}): AsyncIterable<LogLine> {
  yield* readOpenedLogFiles(await openLogFiles(paths), options);
}

/** A log's files opened together (see openLogFiles); reading them closes them. */
export interface OpenedLogFiles {
  readonly files: readonly OpenLog[];
  readonly livePath: string | undefined;
}

/**
 * Opens a log's files (rotated ones oldest first, the live one last) at once,
 * so that a caller can do it while nothing renames them (the log rotator's
 * lock) and read them afterwards with readOpenedLogFiles.
 */
export async function openLogFiles(paths: readonly string[]): Promise<OpenedLogFiles> {
  return { files: await openLogs(paths), livePath: paths.at(-1) };
}

/** readLogFiles of files opened by openLogFiles; closes them when done. */
export async function* readOpenedLogFiles(opened: OpenedLogFiles, options: ReadLogsOptions = {}): AsyncIterable<LogLine> {
  const { signal } = options;
  const tail = options.tail !== undefined && options.tail >= 0 ? options.tail : undefined;
  const { livePath } = opened;
  const files = [...opened.files];
  const last = files.at(-1);
  const end: LogPosition = { file: Math.max(0, files.length - 1), offset: last?.size ?? 0 };
  let start: LogPosition = { file: 0, offset: 0 };
  let skip = 0;
  if (tail === 0) start = end;
  else if (tail !== undefined) {
    start = await findTailStart(files, tail, options);
    skip = Math.max(0, (await countLines(files, start, end, options)) - tail);
  }
  const scan = new LogScan(files, livePath, start, options);
  try {
    // What the files held when the read began: the lines past the ones a tail skips.
    for (let lines = await scan.next(end); lines; lines = scan.stopped ? undefined : await scan.next(end)) {
      for (const l of lines) {
        if (signal?.aborted) return;
        if (skip > 0) skip--;
        else yield l;
      }
    }
    if (!options.follow || scan.stopped) {
      if (!scan.stopped) for (const l of scan.flush().slice(skip)) yield l;
      return;
    }
    yield* follow(scan, livePath, options);
  } finally {
    await scan.close();
  }
}

/** The follow part of readLogFiles: new lines as they are written, until the container exits or the signal aborts. */
async function* follow(scan: LogScan, livePath: string | undefined, options: ReadLogsOptions): AsyncIterable<LogLine> {
  const { signal } = options;
  let stopRequested = false;
  options.stopWhen?.then(
    () => (stopRequested = true),
    () => (stopRequested = true),
  );
  let watcher: FSWatcher | undefined;
  let watched: number | undefined;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  options.stopWhen?.then(onAbort, onAbort);
  try {
    while (!signal?.aborted) {
      if (livePath && scan.liveIno !== watched) {
        // fs.watch follows an inode: watch the live file anew after conmon replaced it.
        watcher?.close();
        watched = scan.liveIno;
        try {
          watcher = watch(livePath, () => wake?.());
          watcher.on('error', () => undefined);
        } catch {
          // No watch (file missing yet, or unsupported): the poll still runs.
          watcher = undefined;
        }
      }
      const wasStopRequested = stopRequested;
      const lines = await scan.next();
      if (lines) {
        for (const l of lines) {
          if (signal?.aborted) return;
          yield l;
        }
        if (scan.stopped) return;
        continue;
      }
      // Nothing more written: stop only once that was so after the container exited.
      if (wasStopRequested) {
        for (const l of scan.flush()) yield l;
        return;
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
    watcher?.close();
  }
}

/** readLogFiles of a single file. */
export function readLogs(path: string, options: ReadLogsOptions = {}): AsyncIterable<LogLine> {
  return readLogFiles([path], options);
}
