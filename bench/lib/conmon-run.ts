// bench: one container run the way berthd runs it, without berthd — berthd's
// own runtime (src/runtime: conmon with berthd's argv and directories runs
// `<runtime> create`; the start reads runc's exec fifo as berthd does instead
// of a `runc start` process; the exit comes from conmon's exit file). Timed
// from the create to the exit: the floor with conmon and the runtime counted in
// it (issue 15 keeps both: "the floor is theirs"). conmon's directories are
// made before the clock starts (berthd makes them beside the rootfs mount), and
// the runtime's delete follows untimed, as berthd runs it after answering an
// --rm container's wait.
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createConmonRuntime } from '../../src/runtime/index.ts';
import type { Timed } from './proc.ts';

export interface ConmonRun {
  readonly conmon: string;
  readonly runtime: string;
  readonly bundle: string;
  /** An execRoot of the bench's own: what one run puts there goes after it. */
  readonly execRoot: string;
}

/** A runner of `r.bundle` under conmon and the runtime: each call runs container `id` once and times it. */
export function conmonRunner(r: ConmonRun): (id: string) => Promise<Timed> {
  const rt = createConmonRuntime({ binary: { name: basename(r.runtime), path: r.runtime }, execRoot: r.execRoot, conmonPath: r.conmon });
  return async (id) => {
    const logPath = join(r.execRoot, `${id}.log`);
    let t0 = process.hrtime.bigint();
    try {
      const prepared = rt.prepareCreate?.(id);
      await prepared;
      t0 = process.hrtime.bigint();
      await rt.create(id, { bundle: r.bundle, logPath, terminal: false, stdin: false, ...(prepared ? { prepared } : {}) });
      await rt.start(id);
      await rt.waitExit(id);
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: true, err: '', stdout: '' };
    } catch (e) {
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false, err: (e as Error).message, stdout: '' };
    } finally {
      await rt.delete(id, { force: true }).catch(() => undefined);
      await rt.cleanup(id);
      await rm(logPath, { force: true });
      // conmon's attach socket and fifos are made in the bundle.
      await Promise.all(['attach', 'ctl', 'winsz'].map((f) => rm(join(r.bundle, f), { force: true })));
    }
  };
}
