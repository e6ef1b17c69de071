// detectRuntime(): which OCI runtime berthd drives. An explicit choice (name on
// PATH or absolute path) is used as given or fails. Otherwise crun is preferred
// where it can work and runc is the fallback. The rule, measured not probed
// (a probe container would cost ~100 ms at every start-up; this costs <1 ms):
//   crun 1.8 refuses "cgroups in hybrid mode" when /sys/fs/cgroup is cgroup v1
//   (tmpfs) with a cgroup2 mount at /sys/fs/cgroup/unified whose
//   cgroup.controllers is not empty. On pure v1 or on v2 crun is used.
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { invalidArgument, unavailable } from '../core/index.ts';
import { cgroupInfo } from './cgroups.ts';
import type { CgroupInfo } from './cgroups.ts';
import type { RuntimeBinary } from './types.ts';

/** PATH plus the sbin directories a daemon's PATH sometimes lacks (Debian puts runc in /usr/sbin). */
function searchDirs(): string[] {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable by name on PATH (or checks an absolute path). */
export async function findExecutable(name: string): Promise<string | undefined> {
  if (isAbsolute(name)) return (await isExecutable(name)) ? name : undefined;
  for (const dir of searchDirs()) {
    const p = join(dir, name);
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

/** Whether crun can manage cgroups on a host with this layout (see the header). */
export function crunSupports(info: CgroupInfo): boolean {
  return !(info.version === '1' && info.hybrid && info.hybridControllers.length > 0);
}

export async function detectRuntime(preferred?: string, info: CgroupInfo = cgroupInfo()): Promise<RuntimeBinary> {
  if (preferred) {
    const path = await findExecutable(preferred);
    if (!path) throw invalidArgument(`unknown or invalid runtime name: ${preferred}: executable not found`);
    const base = preferred.split('/').pop() ?? preferred;
    return { name: base, path };
  }
  if (crunSupports(info)) {
    const crun = await findExecutable('crun');
    if (crun) return { name: 'crun', path: crun };
  }
  const runc = await findExecutable('runc');
  if (runc) return { name: 'runc', path: runc };
  throw unavailable('no usable OCI runtime found: install runc (or crun on a host where it supports the cgroup layout)');
}
