// /proc/<pid>/stat read once for the things berthd asks of a process: its name,
// whether it still runs (not a zombie), its start time (how runc and berth tell
// a reused pid from the process they started), and where its program's code
// and stack start (which change when an execve has loaded a new program).
import { readFile } from 'node:fs/promises';

export interface ProcStat {
  /** Field 2, without its parentheses. */
  readonly comm: string;
  /** Field 3: R, S, D, Z (zombie), X (dead), … */
  readonly state: string;
  /** Field 22, in clock ticks since boot. */
  readonly startTime: number;
  /**
   * Field 26 (startcode): where the program's code is mapped. The kernel sets it
   * once an execve has loaded the new program, after it reset the signal
   * handlers; 0 while an execve is under way (and to a reader without ptrace
   * access, which berthd as root is not).
   */
  readonly startCode: number;
  /** Field 28 (startstack): set with startcode, and where address space randomisation is on, new at every execve. */
  readonly startStack: number;
}

/** The process's stat fields, or undefined when it is gone. */
export async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "<pid> (<comm>) <state> …": comm may hold spaces or parens, so split at the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3; field 22 is fields[19], field 26 fields[23].
  return {
    comm: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    startTime: Number(fields[19]),
    startCode: Number(fields[23] ?? 0),
    startStack: Number(fields[25] ?? 0),
  };
}

/** True while the process has not exited (a zombie has). */
export function running(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== '' && stat.state !== 'Z' && stat.state !== 'X';
}
