// CRI Mount.recursive_read_only (Kubernetes' RecursiveReadOnlyMounts): a
// read-only hostPath whose submounts are read-only too. Checked as
// containerd's CRI checks it — the runtime handler must support it (Status
// advertises it from the runtime's own features and the kernel), the mount
// must be read-only and its propagation private — and given to the engine as
// a bind with docker's ReadOnlyForceRecursive, which the runtime mounts with
// its `rro` option (mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY)).
import { mkdir, stat } from 'node:fs/promises';
import { invalidArgument } from '../core/errors.ts';
import type { MountSpec } from '../core/types.ts';

export interface CriMountMsg {
  readonly container_path: string;
  readonly host_path: string;
  readonly readonly: boolean;
  readonly propagation: string;
  readonly recursive_read_only: boolean;
}

/** Refuses a recursive read-only mount the handler cannot make or that contradicts itself (containerd's checks, in its order). */
export function checkRecursiveReadOnly(m: CriMountMsg, supported: boolean): void {
  if (!m.recursive_read_only) return;
  if (!m.readonly) throw invalidArgument(`recursive read-only mount conflicts with RW mount (hostPath="${m.host_path}")`);
  if (!supported) throw invalidArgument(`RROUnsupported: runtime handler does not support recursive read-only mounts (hostPath="${m.host_path}")`);
  const propagation = m.propagation || 'PROPAGATION_PRIVATE';
  if (propagation !== 'PROPAGATION_PRIVATE') throw invalidArgument(`recursive read-only mount needs private propagation, got "${propagation}" (hostPath="${m.host_path}")`);
}

/** The engine's mount for a checked recursive read-only CRI mount. */
export function recursiveReadOnlyMount(m: CriMountMsg): MountSpec {
  return { type: 'bind', source: m.host_path, target: m.container_path, readOnly: true, bindPropagation: 'rprivate', readOnlyForceRecursive: true };
}

/** As containerd (and the `-v` binds of the other CRI mounts): a missing host path becomes a directory. */
export async function ensureHostPath(path: string): Promise<void> {
  if (await stat(path).then(() => true, () => false)) return;
  await mkdir(path, { recursive: true, mode: 0o755 });
}
