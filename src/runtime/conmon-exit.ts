// A container's exit as conmon records it: the code in exits/<id> (written
// after the file is created, so an empty read means "not yet") and an `oom`
// file in the persist dir on an OOM kill; and waiting for that file, by
// watching the exits directory with a poll behind it (exit-dir-watch.ts).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { log } from '../lib/index.ts';
import type { ConmonPaths } from './conmon-paths.ts';
import { onExitFile } from './exit-dir-watch.ts';
import type { ExitStatus } from './types.ts';

/** The container's exit status, or undefined while it has not exited. */
export async function readExitStatus(p: Pick<ConmonPaths, 'exitFile' | 'oomFile'>): Promise<ExitStatus | undefined> {
  let text: string;
  let mtime: Date;
  try {
    [text, mtime] = await Promise.all([readFile(p.exitFile, 'utf8'), stat(p.exitFile).then((s) => s.mtime)]);
  } catch {
    return undefined;
  }
  // conmon creates the file and then writes it; an empty read means "not yet".
  if (text.trim() === '') return undefined;
  const exitCode = Number.parseInt(text.trim(), 10);
  const hasOom = () =>
    stat(p.oomFile).then(
      () => true,
      () => false,
    );
  let oomKilled = await hasOom();
  if (!oomKilled && exitCode === 137) {
    // A SIGKILL may be the OOM killer's; conmon can note the OOM event just after the exit.
    await new Promise((r) => setTimeout(r, 50));
    oomKilled = await hasOom();
  }
  return { exitCode: Number.isNaN(exitCode) ? 255 : exitCode, oomKilled, finishedAt: mtime.toISOString() };
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
        // One watch and one poll per exits directory, shared by every waiting container (exit-dir-watch.ts).
        cleanupFns.push(onExitFile(exitsDir, id, () => void check()));
        void check();
      })
      .catch((err: unknown) => finish(err));
  });
}
