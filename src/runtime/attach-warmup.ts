// runtime: keeps the kernel's cgroup attach lock ready while a container or an
// exec is being created. `runc create` and `runc exec` write their process to
// cgroup.procs; a writer that finds that lock idle waits for an RCU grace period
// first (8-16 ms here, once per create). While a hold is taken, the addon's own
// thread writes "0" to berthd's own cgroup.procs every 3 ms: a move of berthd
// into the cgroup it is in, which changes nothing but keeps the lock ready
// (native/cgroup-warm.c says how). Where there is no addon, or no cgroup file
// system to write to, a hold does nothing.
import { readFileSync } from 'node:fs';
import { nativeIfBuilt } from '../lib/native.ts';
import { cgroupInfo, type CgroupInfo } from './cgroups.ts';

const nothing = (): void => undefined;

/**
 * Keeps the cgroup attach lock ready until the returned function is called (once; more calls do
 * nothing). Holds may overlap: the thread writes while any is taken.
 */
export function holdCgroupAttachWarm(): () => void {
  const addon = nativeIfBuilt();
  if (!addon?.cgroupWarmHold || !addon.cgroupWarmRelease) return nothing;
  let procs: string | undefined;
  try {
    // Read at every hold: a berthd moved to another cgroup must never be moved back by a stale path.
    procs = ownCgroupProcs(cgroupInfo(), readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    return nothing;
  }
  if (!procs) return nothing;
  try {
    addon.cgroupWarmHold(procs);
  } catch {
    return nothing; // no thread for it: the create only waits as it would without
  }
  let held = true;
  const release = addon.cgroupWarmRelease;
  return () => {
    if (!held) return;
    held = false;
    release();
  };
}

/** Runs `work` with the attach lock held ready (holdCgroupAttachWarm), released once it settles. */
export async function withCgroupAttachWarm<T>(work: () => Promise<T>): Promise<T> {
  const release = holdCgroupAttachWarm();
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * The cgroup.procs of the cgroup this process is in (`procSelfCgroup`: /proc/self/cgroup's text):
 * in the cgroup2 hierarchy where there is one (at `root`, or at `root`/unified on a hybrid host),
 * else in cgroup v1's pids hierarchy, else in its name=systemd one; undefined when none is listed
 * or the cgroup was removed.
 */
export function ownCgroupProcs(info: Pick<CgroupInfo, 'version' | 'hybrid'>, procSelfCgroup: string, root = '/sys/fs/cgroup'): string | undefined {
  const entries = procSelfCgroup
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const first = line.indexOf(':');
      const second = line.indexOf(':', first + 1);
      return { id: line.slice(0, first), controllers: line.slice(first + 1, second).split(','), path: line.slice(second + 1) };
    });
  const at = (mount: string, path: string) => (path.endsWith(' (deleted)') || !path.startsWith('/') ? undefined : `${mount}${path === '/' ? '' : path}/cgroup.procs`);
  const unified = entries.find((e) => e.id === '0' && e.controllers.join('') === '');
  if (info.version === '2') return unified ? at(root, unified.path) : undefined;
  if (info.hybrid && unified) return at(`${root}/unified`, unified.path);
  const pids = entries.find((e) => e.controllers.includes('pids'));
  if (pids) return at(`${root}/pids`, pids.path);
  const systemd = entries.find((e) => e.controllers.includes('name=systemd'));
  return systemd ? at(`${root}/systemd`, systemd.path) : undefined;
}
