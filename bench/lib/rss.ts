// Memory of processes, from /proc: RSS (VmRSS, what `ps` shows and what issue
// 15's goals are stated in) and PSS (smaps_rollup: shared pages divided among
// the processes that map them, so that the PSS of many conmons or shims can be
// summed without counting their shared libraries once per process).
import { readdirSync, readFileSync } from 'node:fs';

export interface Mem {
  /** KiB. */
  rss: number;
  /** KiB; equals rss when smaps_rollup cannot be read. */
  pss: number;
}

export interface ProcMem extends Mem {
  pid: number;
  comm: string;
}

function kib(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** RSS and PSS of one process, or undefined when it is gone. */
export function memOf(pid: number): ProcMem | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = kib(status, 'VmRSS') ?? 0;
    let pss = rss;
    try {
      pss = kib(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss') ?? rss;
    } catch {
      // an older kernel: RSS only
    }
    const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
    return { pid, comm, rss, pss };
  } catch {
    return undefined;
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

/** Every process now: pid, parent, name, command line (NULs as spaces). */
export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(name), ppid, comm, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The pids of a process's descendants (not itself). */
export function descendants(pid: number, all: readonly ProcInfo[] = processes()): number[] {
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(p.ppid)).map((p) => p.pid);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** Processes named `comm` whose command line contains `needle` (e.g. a daemon's root dir). */
export function findProcs(comm: string, needle: string, all: readonly ProcInfo[] = processes()): number[] {
  return all.filter((p) => p.comm === comm && p.cmdline.includes(needle)).map((p) => p.pid);
}

/** Sum of RSS and PSS over pids (those that are gone count nothing); `n` is how many were found. */
export function sumMem(pids: readonly number[]): Mem & { n: number } {
  let rss = 0;
  let pss = 0;
  let n = 0;
  for (const pid of pids) {
    const m = memOf(pid);
    if (!m) continue;
    rss += m.rss;
    pss += m.pss;
    n++;
  }
  return { rss, pss, n };
}
