// Signalling a container's init without a `runtime kill` process: what runc
// kill does for it (send the signal to the init's pid after checking, by the
// start time it recorded, that the pid is still that process) done through a
// pidfd in berth's addon (native/signal.c, signalProcess), which also closes the
// window between the check and the signal. A runc or crun process costs 7-15 ms
// here; this, a few system calls. Without the addon, or for a signal Node does
// not name, the caller falls back to the runtime's kill.
import { constants } from 'node:os';
import { nativeIfBuilt } from '../lib/native.ts';

/** Where the runtime's init had its code and stack (/proc/<pid>/stat fields 26 and 28, proc-stat.ts). */
export interface RuntimeImage {
  readonly startCode: number;
  readonly startStack: number;
}

/** A container's init process as its create reported it. */
export interface ContainerInit {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat when create saw it. */
  readonly startTime: number;
  /** Where the runtime's init had its code and stack then, before the container's program replaced it (signal-fate.ts). */
  readonly runtime?: RuntimeImage;
}

/** The init's identity (pid and start time), or undefined without the addon or when it is already gone. */
export function initOf(pid: number): ContainerInit | undefined {
  const startTime = nativeIfBuilt()?.processStartTime?.(pid) ?? 0;
  return startTime > 0 ? { pid, startTime } : undefined;
}

/** The signal's number: a number, or a name with or without SIG (`KILL`, `SIGTERM`); undefined when Node does not know it. */
export function signalNumber(signal: string | number): number | undefined {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal > 0 && signal < 65 ? signal : undefined;
  if (/^\d+$/.test(signal)) return signalNumber(Number(signal));
  const name = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
  return (constants.signals as Record<string, number | undefined>)[name];
}

/**
 * Sends `signal` to the init: true when sent, false when that process is gone
 * (the runtime's "not running"), undefined when this cannot be done here.
 */
export function signalInit(init: ContainerInit, signal: string | number): boolean | undefined {
  const send = nativeIfBuilt()?.signalProcess;
  const n = signalNumber(signal);
  if (!send || n === undefined) return undefined;
  return send(init.pid, init.startTime, n);
}
