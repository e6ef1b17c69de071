// ContainerStatus.user: the uid, gid and supplementary groups the container's
// first process really runs with (Kubernetes' SupplementalGroupsPolicy
// reports them in the pod's status), read from its /proc/<pid>/status — what
// the kernel holds, after the runtime applied the spec and the image's
// /etc/group. containerd reports the same ids from the spec it wrote.
import { readFile } from 'node:fs/promises';

export interface LinuxContainerUserMsg {
  readonly uid: string;
  readonly gid: string;
  readonly supplemental_groups: string[];
}

/** The real uid and gid and the supplementary groups of a /proc/<pid>/status text; undefined when it has none. */
export function userFromProcStatus(text: string): LinuxContainerUserMsg | undefined {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim().split(/\s+/).filter(Boolean);
  const uid = field('Uid')?.[0];
  const gid = field('Gid')?.[0];
  const groups = field('Groups') ?? [];
  if (uid === undefined || gid === undefined) return undefined;
  return { uid, gid, supplemental_groups: groups };
}

/** The user of a running container's process (`pid` on the host); undefined once it is gone. */
export async function processUser(pid: number): Promise<{ linux: LinuxContainerUserMsg } | undefined> {
  if (!(pid > 0)) return undefined;
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const linux = text === undefined ? undefined : userFromProcStatus(text);
  return linux ? { linux } : undefined;
}
