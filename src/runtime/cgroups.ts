// What cgroup layout this host has, read from the filesystem type of
// /sys/fs/cgroup: cgroup2 → v2 (unified); tmpfs → v1, "hybrid" when a cgroup2
// mount also sits at /sys/fs/cgroup/unified. berth drives cgroups through the
// runtime's cgroupfs driver (no systemd).
import { readFileSync, statfsSync } from 'node:fs';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export interface CgroupInfo {
  readonly version: '1' | '2';
  readonly driver: 'cgroupfs';
  /** v1 with a cgroup2 hierarchy at /sys/fs/cgroup/unified. */
  readonly hybrid: boolean;
  /** Controllers enabled on that hybrid cgroup2 mount (crun refuses when any is). */
  readonly hybridControllers: readonly string[];
}

let cached: CgroupInfo | undefined;

/** The host's cgroup layout (measured once; a statfs and at most one small read). */
export function cgroupInfo(root = '/sys/fs/cgroup'): CgroupInfo {
  if (cached && root === '/sys/fs/cgroup') return cached;
  let info: CgroupInfo;
  if (fsType(root) === CGROUP2_SUPER_MAGIC) {
    info = { version: '2', driver: 'cgroupfs', hybrid: false, hybridControllers: [] };
  } else if (fsType(`${root}/unified`) === CGROUP2_SUPER_MAGIC) {
    let controllers: string[] = [];
    try {
      controllers = readFileSync(`${root}/unified/cgroup.controllers`, 'utf8').split(/\s+/).filter(Boolean);
    } catch {
      // Unreadable: treat as no controllers.
    }
    info = { version: '1', driver: 'cgroupfs', hybrid: true, hybridControllers: controllers };
  } else {
    info = { version: '1', driver: 'cgroupfs', hybrid: false, hybridControllers: [] };
  }
  if (root === '/sys/fs/cgroup') cached = info;
  return info;
}

function fsType(path: string): number | undefined {
  try {
    return statfsSync(path).type;
  } catch {
    return undefined;
  }
}
