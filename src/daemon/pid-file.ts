// The pid file `<exec-root>/berthd.pid`: one berthd per exec root. A file
// naming a live berthd process is a clear error; a stale one is replaced.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { failedPrecondition } from '../core/errors.ts';

async function isBerthd(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('berthd');
}

export async function acquirePidFile(path: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = await open(path, 'wx', 0o644);
      await fd.writeFile(`${process.pid}\n`);
      await fd.close();
      return async () => {
        const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (owner === process.pid) await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (await isBerthd(pid)) {
        throw failedPrecondition(`berthd is already running with pid ${pid} (pid file ${path}); stop it first or use another --exec-root`);
      }
      await rm(path, { force: true });
    }
  }
  throw failedPrecondition(`could not take the pid file ${path}`);
}
