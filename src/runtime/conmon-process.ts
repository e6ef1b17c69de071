// Finding a container's conmon again after a restart of berthd: its pid from
// the pidfile conmon wrote, checked against /proc so that a reused pid or a
// zombie does not count as a live monitor.
import { readFile } from 'node:fs/promises';
import { procStat, running } from './proc-stat.ts';

/** True if `pid` is a running (not zombie) conmon process. */
export async function isLiveConmon(pid: number): Promise<boolean> {
  const stat = await procStat(pid);
  return running(stat) && stat.comm === 'conmon';
}

/** The pid in conmon's pidfile when that conmon is still alive. */
export async function liveConmonPid(pidFile: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    return undefined;
  }
  if (!(pid > 0)) return undefined;
  return (await isLiveConmon(pid)) ? pid : undefined;
}

/**
 * Whether the live conmon of `pidFile` caps the log itself (started with
 * `--log-size-max`, as berthd has done since conmon took over the log limit);
 * undefined when that conmon is not running.
 */
export async function conmonCapsLog(pidFile: string): Promise<boolean | undefined> {
  const pid = await liveConmonPid(pidFile);
  if (pid === undefined) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return undefined;
  return cmdline.split('\0').includes('--log-size-max');
}
