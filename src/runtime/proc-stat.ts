// /proc/<pid>/stat read once for the three things berthd asks of a process: its
// name, whether it still runs (not a zombie), and its start time (how runc and
// berth tell a reused pid from the process they started).
import { readFile } from 'node:fs/promises';

export interface ProcStat {
  /** Field 2, without its parentheses. */
  readonly comm: string;
  /** Field 3: R, S, D, Z (zombie), X (dead), … */
  readonly state: string;
  /** Field 22, in clock ticks since boot. */
  readonly startTime: number;
}

/** The process's stat fields, or undefined when it is gone. */
export async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "<pid> (<comm>) <state> …": comm may hold spaces or parens, so split at the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3; field 22 is fields[19].
  return { comm: text.slice(text.indexOf('(') + 1, close), state: fields[0] ?? '', startTime: Number(fields[19]) };
}

/** True while the process has not exited (a zombie has). */
export function running(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== '' && stat.state !== 'Z' && stat.state !== 'X';
}
