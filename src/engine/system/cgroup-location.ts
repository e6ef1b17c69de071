// Where a container's cgroup lives on this host, for front doors that read
// its files themselves (the CRI's ListPodSandboxMetrics): the cgroup version
// is detected (runtime/cgroups.ts), never assumed; on v1 each controller has
// its own tree under the root, on v2 one unified directory; a v1 "hybrid" host
// also keeps the container in the cgroup2 tree at <root>/unified (PSI lives there).
import { join } from 'node:path';
import type { Container } from '../../core/types.ts';
import { cgroupInfo } from '../../runtime/index.ts';
import { containerCgroupsPath } from '../container/spec-input.ts';

export interface CgroupLocation {
  readonly version: '1' | '2';
  /** The container's cgroups path below each hierarchy's root (e.g. `/berth/<id>`). */
  readonly path: string;
  /** v1: the directory of one controller (`cpu`, `memory`, …); v2: the unified directory whatever the name. */
  dir(controller: string): string;
  /** The container's cgroup2 directory (v2, or v1 hybrid's unified tree); undefined on pure v1. */
  readonly unifiedDir: string | undefined;
}

export function cgroupLocation(c: Pick<Container, 'id' | 'spec'>, root = '/sys/fs/cgroup'): CgroupLocation {
  const info = cgroupInfo(root);
  const path = containerCgroupsPath(c);
  if (info.version === '2') {
    const dir = join(root, path);
    return { version: '2', path, dir: () => dir, unifiedDir: dir };
  }
  return { version: '1', path, dir: (controller) => join(root, controller, path), unifiedDir: info.hybrid ? join(root, 'unified', path) : undefined };
}
