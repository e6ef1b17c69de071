// A container's exit as conmon records it: the code in exits/<id> (written
// after the file is created, so an empty read means "not yet") and an `oom`
// file in the persist dir on an OOM kill; and waiting for that file, by
// watching the exits directory (one watch and one poll for all waiters).
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { log, readWhole } from '../lib/index.ts';
import type { ConmonPaths } from './conmon-paths.ts';
import type { ExitStatus } from './types.ts';

/**
 * The container's exit status, or undefined while it has not exited.
 * `oomKills` reads the kernel's OOM count of the container's memory cgroup
 * (undefined when unknown): with it a SIGKILL is told from an OOM kill at once.
 */
export async function readExitStatus(p: Pick<ConmonPaths, 'exitFile' | 'oomFile'>, oomKills?: () => Promise<number | undefined>): Promise<ExitStatus | undefined> {
  const hasOom = () =>
    stat(p.oomFile).then(
      () => true,
      () => false,
    );
  let text: string;
  let mtime: Date;
  let oomKilled: boolean;
  try {
    // Side by side: a note conmon writes after the code is looked for again below, for a SIGKILL.
    const [read, oom] = await Promise.all([readWhole(p.exitFile), hasOom()]);
    [text, mtime, oomKilled] = [read.data.toString('utf8'), read.stat.mtime, oom];
  } catch {
    return undefined;
  }
  // conmon creates the file and then writes it; an empty read means "not yet".
  if (text.trim() === '') return undefined;
  const exitCode = Number.parseInt(text.trim(), 10);
  if (!oomKilled && exitCode === 137) {
    // A SIGKILL may be the OOM killer's; conmon can note the OOM event just after the exit. The
    // kernel counts the kill in the cgroup (which lives until the runtime's delete) before it sends
    // it, so the count needs no wait; without it, give conmon 50 ms.
    const kills = await oomKills?.().catch(() => undefined);
    if (kills !== undefined) oomKilled = kills > 0;
    else {
      await new Promise((r) => setTimeout(r, 50));
      oomKilled = await hasOom();
    }
  }
  return { exitCode: Number.isNaN(exitCode) ? 255 : exitCode, oomKilled, finishedAt: mtime.toISOString() };
}

/**
 * The waiters on one exits directory share one fs.watch and one poll: an
 * event names the file that changed, so only that container's waiter reads
 * it, and the poll (for events the watch missed) lists the directory once
 * instead of reading every waiter's file. (One watch and one 500 ms read of
 * its exit file per running container cost berthd CPU in proportion to the
 * containers running.)
 */
class ExitsDir {
  readonly #dir: string;
  readonly #waiters = new Map<string, Set<() => void>>();
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  readonly #onEmpty: () => void;

  constructor(dir: string, onEmpty: () => void) {
    this.#dir = dir;
    this.#onEmpty = onEmpty;
    try {
      this.#watcher = watch(dir, (_event, name) => {
        if (name === null) this.#checkAll();
        else for (const check of this.#waiters.get(name) ?? []) check();
      });
      this.#watcher.on('error', () => undefined);
    } catch (err) {
      log.debug('watching the exits dir failed; polling only', { err });
    }
    this.#poll = setInterval(() => void this.#pollOnce(), 500);
  }

  /** Calls `check` when `id`'s exit file may have changed; returns the function that stops it. */
  add(id: string, check: () => void): () => void {
    let set = this.#waiters.get(id);
    if (!set) this.#waiters.set(id, (set = new Set()));
    set.add(check);
    return () => {
      set.delete(check);
      if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
      if (this.#waiters.size === 0) this.#close();
    };
  }

  #checkAll(): void {
    for (const set of this.#waiters.values()) for (const check of set) check();
  }

  async #pollOnce(): Promise<void> {
    const names = await readdir(this.#dir).catch(() => undefined);
    if (!names) return this.#checkAll();
    for (const name of names) for (const check of this.#waiters.get(name) ?? []) check();
  }

  #close(): void {
    this.#watcher?.close();
    clearInterval(this.#poll);
    this.#onEmpty();
  }
}

const exitsDirs = new Map<string, ExitsDir>();

function watchExitsDir(dir: string, id: string, check: () => void): () => void {
  let d = exitsDirs.get(dir);
  if (!d) {
    const made: ExitsDir = new ExitsDir(dir, () => {
      if (exitsDirs.get(dir) === made) exitsDirs.delete(dir);
    });
    exitsDirs.set(dir, made);
    d = made;
  }
  return d.add(id, check);
}

/**
 * Resolves with the exit status of container `id` once conmon has written
 * it to `exitsDir`; rejects with the signal's reason when it is aborted.
 */
export function waitForExitFile(exitsDir: string, id: string, read: () => Promise<ExitStatus | undefined>, signal?: AbortSignal): Promise<ExitStatus> {
  return new Promise<ExitStatus>((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    const cleanupFns: (() => void)[] = [];
    const finish = (err: unknown, status?: ExitStatus) => {
      if (done) return;
      done = true;
      for (const f of cleanupFns) f();
      if (err) reject(err);
      else resolve(status as ExitStatus);
    };
    const check = async () => {
      if (done) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const s = await read();
          if (s) return finish(undefined, s);
        } while (again && !done);
      } catch (err) {
        log.warn('reading exit file failed', { container: id, err });
      } finally {
        checking = false;
      }
    };
    if (signal) {
      if (signal.aborted) return finish(signal.reason ?? new Error('aborted'));
      const onAbort = () => finish(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', onAbort);
      cleanupFns.push(() => signal.removeEventListener('abort', onAbort));
    }
    void mkdir(exitsDir, { recursive: true })
      .then(() => {
        if (done) return;
        cleanupFns.push(watchExitsDir(exitsDir, id, () => void check()));
        void check();
      })
      .catch((err: unknown) => finish(err));
  });
}
