// bench: one container run the way berthd runs it, without berthd — berthd's
// own create path (src/runtime/conmon-create.ts: conmon with berthd's argv and
// directories, spawned as berthd spawns it, runs `<runtime> create` and
// reports the pid on its sync pipe); then `<runtime> start` and conmon's exit
// file. Timed from conmon's spawn to the exit file: the floor with conmon and
// the runtime's separate calls counted in it (issue 15 keeps both: "the floor
// is theirs"). conmon's directories are made before the clock starts (berthd
// makes them beside the rootfs mount), and `<runtime> delete` follows untimed,
// as berthd runs it after answering an --rm container's wait.
import { existsSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import { spawnLight } from '../../src/lib/spawn-light.ts';
import { createUnderConmon, prepareConmonDirs, sharedDirsMaker } from '../../src/runtime/conmon-create.ts';
import { conmonDirs, conmonPaths, type ConmonDirs } from '../../src/runtime/conmon-paths.ts';
import type { Timed } from './proc.ts';

export interface ConmonRun {
  readonly conmon: string;
  readonly runtime: string;
  readonly bundle: string;
  /** An execRoot of the bench's own: what one run puts there goes after it. */
  readonly execRoot: string;
}

async function runtimeCommand(r: ConmonRun, dirs: ConmonDirs, verb: 'start' | 'delete', id: string, force = false): Promise<void> {
  const child = spawnLight(r.runtime, ['--root', dirs.runtimeRoot, verb, ...(force ? ['--force'] : []), id], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stdio[2]?.on('data', (b: Buffer) => (err += b.toString()));
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`${r.runtime} ${verb}: ${err.trim().split('\n')[0] || `exit ${code}`}`);
}

/** Resolves when conmon writes its exit file. */
function exitFile(path: string, dir: string, name: string): { done: Promise<void>; close(): void } {
  let close = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    const watcher = watch(dir, (_event, file) => {
      if (file === name) resolve();
    });
    close = () => watcher.close();
    if (existsSync(path)) resolve();
  });
  return { done, close };
}

/** Runs container `id` of `r.bundle` once under conmon and the runtime; the time it took. */
export async function timeConmonRun(r: ConmonRun, id: string): Promise<Timed> {
  const dirs = conmonDirs(r.execRoot);
  const paths = conmonPaths(dirs, id);
  const ctx = { conmon: r.conmon, runtimePath: r.runtime, dirs, paths, timeoutMs: 60_000, sharedDirs: sharedDirsMaker(dirs) };
  const prepared = prepareConmonDirs(id, ctx);
  await prepared;
  const logPath = join(r.execRoot, `${id}.log`);
  const ended = exitFile(paths.exitFile, dirs.exitsDir, id);
  const t0 = process.hrtime.bigint();
  try {
    await createUnderConmon(id, { bundle: r.bundle, logPath, terminal: false, stdin: false, prepared }, ctx);
    await runtimeCommand(r, dirs, 'start', id);
    await ended.done;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await runtimeCommand(r, dirs, 'delete', id);
    return { ms, ok: true, err: '', stdout: '' };
  } catch (e) {
    await runtimeCommand(r, dirs, 'delete', id, true).catch(() => undefined);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false, err: (e as Error).message, stdout: '' };
  } finally {
    ended.close();
    rmSync(paths.persistDir, { recursive: true, force: true });
    rmSync(paths.exitFile, { force: true });
    rmSync(paths.socketLink, { force: true });
    rmSync(logPath, { force: true });
    // conmon's attach socket and fifos are made in the bundle.
    for (const f of ['attach', 'ctl', 'winsz']) rmSync(join(r.bundle, f), { force: true });
  }
}
