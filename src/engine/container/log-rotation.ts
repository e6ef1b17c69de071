// Container log rotation: a chatty container must not fill the disk. berthd
// checks the size of each running container's log file once a second; past
// `max-size` it shifts `<log>.1 … <log>.<max-file - 1>` up, renames the live
// file to `<log>.1` and asks conmon to reopen its log (control fifo message
// `2`, REOPEN_LOGS_EVENT: conmon creates a fresh file at the log path). conmon's
// own `--log-size-max` is not used: it truncates instead of rotating.
//
// Defaults (berth's choice; docker's json-file default is unlimited):
// max-size 10m, max-file 3 — at most ~30 MB per container. `--log-opt
// max-size=-1` turns rotation off; `max-size`/`max-file` set the limits.
import { constants as fsConstants } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Container, LogConfig } from '../../core/types.ts';
import { conflict, invalidArgument } from '../../core/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { ramInBytes } from '../../lib/go-units.ts';
import { readLogs } from '../../runtime/index.ts';
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

/** Rotated files of `path` that exist, oldest first (`<path>.N` … `<path>.1`). */
export async function rotatedLogFiles(path: string): Promise<string[]> {
  const base = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const nums = names.flatMap((n) => {
    const m = n.startsWith(`${base}.`) ? /^(\d+)$/.exec(n.slice(base.length + 1)) : null;
    return m ? [Number(m[1])] : [];
  });
  return nums.sort((a, b) => b - a).map((k) => `${path}.${k}`);
}

/** Asks conmon to reopen its log file (its control fifo, message type 2). */
async function reopenConmonLog(socketLink: string): Promise<void> {
  // Non-blocking: fails at once (ENXIO) when conmon is gone instead of hanging.
  const fh = await open(join(socketLink, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
}

/** Shifts the rotated files and moves the live one to `<path>.1`, then has conmon start a new one. */
export async function rotateLog(path: string, limits: LogLimits, socketLink: string): Promise<void> {
  const keep = limits.maxFile - 1;
  for (const old of await rotatedLogFiles(path)) {
    const k = Number(old.slice(path.length + 1));
    if (k >= keep) await rm(old, { force: true });
    else await rename(old, `${path}.${k + 1}`);
  }
  await rename(path, `${path}.1`);
  // Until conmon reopens, it keeps writing to the renamed file: nothing is lost.
  await reopenConmonLog(socketLink);
  if (keep === 0) await rm(`${path}.1`, { force: true });
}

/**
 * readLogs over the rotated files and then the live one: the lines of the
 * rotated files first (oldest first), then the live file as readLogs gives it
 * (following it when asked). `tail` counts across all files.
 */
export async function* readRotatedLogs(path: string, options: ReadLogsOptions): AsyncIterable<LogLine> {
  const rotated = await rotatedLogFiles(path);
  if (rotated.length === 0) {
    yield* readLogs(path, options);
    return;
  }
  const { tail, follow: _follow, stopWhen: _stopWhen, ...filters } = options;
  let older: LogLine[] = [];
  if (tail === undefined || tail < 0) {
    for (const f of rotated) for await (const l of readLogs(f, filters)) yield l;
  } else if (tail > 0) {
    let current = 0;
    for await (const _ of readLogs(path, filters)) current++;
    if (current < tail) {
      for (const f of rotated) for await (const l of readLogs(f, filters)) older.push(l);
      older = older.slice(-(tail - current));
      for (const l of older) yield l;
    }
  }
  yield* readLogs(path, options);
}

/** Checks running containers' logs once a second and rotates those past their limit. */
export class LogRotator {
  readonly #running: () => Promise<Container[]>;
  readonly #socketLinkFor: (c: Container) => string;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  #busy = false;

  constructor(deps: { running: () => Promise<Container[]>; socketLinkFor: (c: Container) => string; log: Logger; intervalMs?: number }) {
    this.#running = deps.running;
    this.#socketLinkFor = deps.socketLinkFor;
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.#tick(), deps.intervalMs ?? 1000);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (const c of await this.#running()) {
        let limits: LogLimits;
        try {
          limits = logLimits(c.spec.host.logConfig);
        } catch {
          continue;
        }
        if (limits.maxSize === 0) continue;
        const st = await stat(c.logPath).catch(() => undefined);
        if (!st || st.size < limits.maxSize) continue;
        // Best effort: a failed rotation is retried on the next tick.
        await rotateLog(c.logPath, limits, this.#socketLinkFor(c)).catch((err: unknown) => this.#log.warn('log rotation failed', { container: c.id, err }));
      }
    } catch (err) {
      this.#log.warn('log rotation check failed', { err });
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/** The log files of running containers, as a front door that rotates them itself (kubelet through the CRI) needs them. */
export class LogReopener {
  readonly #inspect: (idOrName: string) => Promise<Container>;
  readonly #socketLinkFor: (c: Container) => string;

  constructor(deps: { inspect: (idOrName: string) => Promise<Container>; socketLinkFor: (c: Container) => string }) {
    this.#inspect = deps.inspect;
    this.#socketLinkFor = deps.socketLinkFor;
  }

  /**
   * Has the container's monitor reopen its log file at its path (after the file
   * was moved away). NotFound for no such container, Conflict when it is not running.
   */
  async reopen(idOrName: string): Promise<void> {
    const c = await this.#inspect(idOrName);
    if (c.state.status !== 'running' && c.state.status !== 'paused') throw conflict(`container ${c.id} is not running`);
    await reopenConmonLog(this.#socketLinkFor(c));
    // conmon reads its control fifo in its own time; the caller (kubelet) expects the new file once this returns.
    for (let waited = 0; waited < 5000; waited += 20) {
      if (await stat(c.logPath).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw conflict(`container ${c.id}'s monitor did not reopen its log ${c.logPath}`);
  }
}
