// Whether a signal sent to a container's init reaches its program, and a stop
// signal sent again when it did not. The kernel drops, at once and without a
// trace, a signal that the init of a pid namespace has no handler for (only
// SIGKILL and SIGSTOP get through), and a signal the process ignores. Right
// after a start both happen to programs that do catch their stop signal: the
// init may still be the runtime's (runc's init releases the start before its
// execve, and a signal caught by its Go runtime or pending through the execve
// is lost with it), or the program runs but has not set its handler yet. A
// stop sent then would wait out its whole grace period and end in SIGKILL
// (dockerd's and containerd's too, which merely reach the init later). berth
// watches such an init during the grace period and sends the signal once more
// as soon as the program catches it (docs/compatibility.md).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { procStat, running, type ProcStat } from './proc-stat.ts';
import type { RuntimeImage } from './container-signal.ts';

/** What became of a signal sent now: `taken` by a handler or by its default action, `lost`, or the process is `gone`. */
export type SignalFate = 'taken' | 'lost' | 'gone';

/** Bit `signal` of a /proc/<pid>/status mask line (hex, bit 0 is signal 1). */
function hasBit(status: string, field: string, signal: number): boolean {
  const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
  if (hex === undefined) return false;
  return ((BigInt(`0x${hex}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

/** Whether /proc/<pid>/status shows the init of a pid namespace below ours (NSpid's last entry is 1). */
function namespaceInit(status: string): boolean {
  const ids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
  return ids.length > 1 && ids.at(-1) === '1';
}

/** Whether the process runs a program an execve loaded after `runtime` (not the runtime's init, nor an execve under way). */
function programLoaded(stat: ProcStat, runtime: RuntimeImage): boolean {
  return stat.startCode !== 0 && (stat.startCode !== runtime.startCode || stat.startStack !== runtime.startStack);
}

/**
 * The fate of `signal` sent to a process whose stat and status read as given,
 * where `runtime` is the runtime's init as create saw it: until the container's
 * program is loaded, the signal goes with the runtime's init.
 */
export function signalFate(stat: ProcStat | undefined, status: string, signal: number, runtime: RuntimeImage): SignalFate {
  if (!running(stat) || status === '') return 'gone';
  if (signal === 9 || signal === 19) return 'taken';
  if (!programLoaded(stat, runtime)) return 'lost';
  if (hasBit(status, 'SigIgn', signal)) return 'lost';
  if (hasBit(status, 'SigCgt', signal)) return 'taken';
  return namespaceInit(status) ? 'lost' : 'taken';
}

/** A container's init: its pid and start time (container-signal.ts), and the runtime's init as create saw it. */
export interface WatchedInit {
  readonly pid: number;
  readonly startTime: number;
  readonly runtime: RuntimeImage;
}

/** The process as it is now: gone when it is not the one that started at `startTime`. */
export async function fateNow(init: WatchedInit, signal: number): Promise<SignalFate> {
  const [stat, status] = await Promise.all([procStat(init.pid), readFile(`/proc/${init.pid}/status`, 'utf8').catch(() => '')]);
  return stat?.startTime === init.startTime ? signalFate(stat, status, signal, init.runtime) : 'gone';
}

/** How the watch polls: often at first, when programs set their handlers, then every 100 ms. */
const pollDelays = [2, 4, 8, 16, 32, 64];
const pollMax = 100;

/**
 * After a stop signal found the init unable to take it: waits until the
 * program can, and calls `send` once then. Ends without sending when the
 * process goes or `until` aborts (the stop's grace period ended or the
 * container exited).
 */
export async function resendWhenTaken(init: WatchedInit, signal: number, until: AbortSignal, send: () => Promise<void>): Promise<void> {
  for (let i = 0; !until.aborted; i++) {
    const slept = await sleep(pollDelays[i] ?? pollMax, true, { signal: until }).catch(() => false);
    if (!slept) return;
    const fate = await fateNow(init, signal);
    if (fate === 'gone') return;
    if (fate === 'taken') return send();
  }
}
