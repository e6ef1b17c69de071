// Container log limits: a chatty container must not fill the disk, however
// fast it writes. conmon enforces the size itself (`--log-size-max`): when the
// next record would pass it, conmon writes on in a fresh file it renames over
// the log path — at once, whatever the write rate, even with berthd down. What
// berth adds is keeping history: it holds a second name for the live file,
// `<log>.0` (a hard link), so that the file conmon replaces survives as
// `<log>.0` and is shifted to `<log>.1 … <log>.K` (log-rotator.ts watches for
// the replacement). conmon's file size is half of `max-size`, and berth keeps
// K = 2 × max-file − 2 rotated files: with the live file and, for a moment,
// the one just replaced, that is never more than max-size × max-file on disk,
// and it still keeps at least (max-file − 1) × max-size of history, as
// docker's json-file does.
//
// conmon counts the size from its own start: a restarted container's log is
// moved aside first (appended to `<log>.1` while that stays under the file
// size, rotated otherwise), so that the live file starts empty.
//
// A container started by a berthd from before this (its conmon runs without
// `--log-size-max`) keeps the old rotation until it restarts: past max-size,
// the live file becomes `<log>.1` and conmon is asked to reopen its log
// (rotateUncapped; log-rotator.ts checks the size once a second).
//
// Defaults (berth's choice; docker's json-file default is unlimited):
// max-size 10m, max-file 3 — at most 30 MiB per container. `--log-opt
// max-size=-1` turns the limit off; `max-size`/`max-file` set it.
import { createReadStream, createWriteStream } from 'node:fs';
import { link, readdir, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { basename, dirname } from 'node:path';
import type { LogConfig } from '../../core/types.ts';
import { invalidArgument } from '../../core/errors.ts';
import { ramInBytes } from '../../lib/go-units.ts';
import { openLogFiles, readOpenedLogFiles } from '../../runtime/index.ts';
import type { LogLine, ReadLogsOptions } from '../../runtime/index.ts';

export const defaultLogMaxSize = 10 * 1024 * 1024;
export const defaultLogMaxFile = 3;

export interface LogLimits {
  /** Bytes; 0: unlimited. */
  readonly maxSize: number;
  readonly maxFile: number;
}

/**
 * docker's size units for max-size: `10m`, `512k`, `1g`, plain bytes (go-units
 * RAMInBytes, binary multiples). A negative value (`-1`) means no limit, as
 * berth has always read it.
 */
function parseSize(text: string): number {
  const t = text.trim();
  try {
    return /^-\d/.test(t) ? -ramInBytes(t.slice(1)) : ramInBytes(t);
  } catch {
    throw invalidArgument(`invalid value for max-size: ${text}`);
  }
}

const knownLogOpts = new Set(['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);

/** Checks `--log-opt` keys and values at create, as dockerd does (InvalidArgument, docker's text for unknown keys). */
export function validateLogConfig(config: LogConfig | undefined): void {
  const type = config?.type || 'json-file';
  for (const k of Object.keys(config?.config ?? {})) if (!knownLogOpts.has(k)) throw invalidArgument(`unknown log opt '${k}' for ${type} log driver`);
  logLimits(config);
}

/** The rotation limits of a container's LogConfig (InvalidArgument for bad values). */
export function logLimits(config: LogConfig | undefined): LogLimits {
  const opts = config?.config ?? {};
  const size = opts['max-size'];
  const file = opts['max-file'];
  const maxSize = size === undefined || size === '' ? defaultLogMaxSize : parseSize(size);
  let maxFile = defaultLogMaxFile;
  if (file !== undefined && file !== '') {
    if (!/^\d+$/.test(file) || Number(file) < 1) throw invalidArgument(`max-file cannot be less than 1`);
    maxFile = Number(file);
  }
  return { maxSize: maxSize > 0 ? maxSize : 0, maxFile };
}


/** The size conmon caps each file at (`--log-size-max`): half of max-size; 0 without a limit. */
export function conmonFileSize(limits: LogLimits): number {
  return limits.maxSize > 0 ? Math.max(1, Math.floor(limits.maxSize / 2)) : 0;
}

/** How many rotated files (`<log>.1 …`) berth keeps. */
export function keptRotated(limits: LogLimits): number {
  return 2 * limits.maxFile - 2;
}

/** Rotated files of `path` that exist, oldest first (`<path>.N` … `<path>.1`, then `<path>.0`). */
export async function rotatedLogFiles(path: string): Promise<string[]> {
  const base = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const nums = names.flatMap((n) => {
    const m = n.startsWith(`${base}.`) ? /^(\d+)$/.exec(n.slice(base.length + 1)) : null;
    return m ? [Number(m[1])] : [];
  });
  return nums.sort((a, b) => b - a).map((k) => `${path}.${k}`);
}

/** Shifts `<path>.0 … <path>.K-1` up by one; what would pass K is removed. */
async function shift(path: string, kept: number): Promise<void> {
  for (const old of await rotatedLogFiles(path)) {
    const k = Number(old.slice(path.length + 1));
    if (k + 1 > kept) await rm(old, { force: true });
    else await rename(old, `${path}.${k + 1}`);
  }
}

/** Per log path: the tail of the chain of work that renames its files, or lists and opens them. */
const logLocks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while no other rotation or reader of the same log does: a rotation
 * is several renames, and a reader that lists the files during one would skip
 * or repeat a file. conmon's own replacement of the live file is one atomic
 * rename, which readers already handle.
 */
async function withLogLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const before = logLocks.get(path) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  logLocks.set(path, tail);
  try {
    return await run;
  } finally {
    if (logLocks.get(path) === tail) logLocks.delete(path);
  }
}

const inode = async (p: string) => (await stat(p).catch(() => undefined))?.ino;

/**
 * After conmon replaced the live file: the old one (still `<path>.0`) becomes
 * `<path>.1` and the new one gets the name `<path>.0`. Nothing to do while
 * `<path>.0` is the live file. Returns whether it rotated.
 */
export function rotateIfReplaced(path: string, limits: LogLimits): Promise<boolean> {
  return withLogLock(path, () => rotateIfReplacedLocked(path, limits));
}

async function rotateIfReplacedLocked(path: string, limits: LogLimits): Promise<boolean> {
  const live = await inode(path);
  if (live === undefined) return false;
  const zero = await inode(`${path}.0`);
  if (zero === live) return false;
  if (zero !== undefined) await shift(path, keptRotated(limits));
  await link(path, `${path}.0`).catch((err: NodeJS.ErrnoException) => {
    // Another rotation of the same file got there first.
    if (err.code !== 'EEXIST') throw err;
  });
  return zero !== undefined;
}

/**
 * The rotation of a log conmon does not cap (see the top): past max-size, the
 * rotated files shift up (max-file − 1 kept), the live file becomes
 * `<path>.1`, and `reopen` has conmon start a fresh one — until then it writes
 * on into `<path>.1`, so nothing is lost. Returns whether it rotated.
 */
export function rotateUncapped(path: string, limits: LogLimits, reopen: () => Promise<void>): Promise<boolean> {
  return withLogLock(path, () => rotateUncappedLocked(path, limits, reopen));
}

async function rotateUncappedLocked(path: string, limits: LogLimits, reopen: () => Promise<void>): Promise<boolean> {
  if (limits.maxSize === 0) return false;
  const live = await stat(path).catch(() => undefined);
  if (!live || live.size <= limits.maxSize) return false;
  const keep = limits.maxFile - 1;
  // Never made for such a log; were it there, it would be a second name of the live file.
  await rm(`${path}.0`, { force: true });
  await shift(path, keep);
  await rename(path, `${path}.1`);
  await reopen();
  if (keep === 0) await rm(`${path}.1`, { force: true });
  return true;
}

/**
 * Before conmon starts on a log that is not empty (a restart): conmon would
 * append to it and count its size from zero, so what is there moves aside —
 * appended to `<path>.1` while both fit in one file, rotated otherwise.
 */
export function prepareLogForStart(path: string, limits: LogLimits): Promise<void> {
  return withLogLock(path, () => prepareLogForStartLocked(path, limits));
}

async function prepareLogForStartLocked(path: string, limits: LogLimits): Promise<void> {
  if (limits.maxSize === 0) return;
  await rotateIfReplacedLocked(path, limits);
  await rm(`${path}.0`, { force: true });
  const live = await stat(path).catch(() => undefined);
  if (!live || live.size === 0) return;
  const kept = keptRotated(limits);
  // With max-file 1 there is nowhere to move it: the file goes on (to max-size at most) rather than being lost.
  if (kept === 0) return;
  const first = await stat(`${path}.1`).catch(() => undefined);
  if (first && first.size + live.size <= conmonFileSize(limits)) {
    await pipeline(createReadStream(path), createWriteStream(`${path}.1`, { flags: 'a' }));
    await rm(path, { force: true });
    return;
  }
  await shift(path, kept);
  await rename(path, `${path}.1`);
}

/**
 * readOpenedLogFiles over the rotated files and then the live one: oldest first,
 * following the live file when asked; `tail` counts across all of them.
 */
export async function* readRotatedLogs(path: string, options: ReadLogsOptions): AsyncIterable<LogLine> {
  // Listed and opened while no rotation renames them; read afterwards, from the open files.
  const opened = await withLogLock(path, async () => openLogFiles([...(await rotatedLogFiles(path)), path]));
  yield* readOpenedLogFiles(opened, options);
}
