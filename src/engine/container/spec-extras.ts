// Pieces of a container's OCI process that dockerd adds on top of the image
// and HostConfig: the --init process (tini bind-mounted at /sbin/docker-init,
// run as `/sbin/docker-init -- cmd…`), --group-add groups (names looked up in
// the image's /etc/group), and a seccomp profile sent inline by the docker CLI
// (written next to the container so that the runtime module reads a file).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../../core/errors.ts';
import { resolveUser } from '../../runtime/index.ts';
import { readFileInRoot } from '../../lib/index.ts';
import type { OciMount, ProcessUser } from '../../runtime/index.ts';

export const initPathInContainer = '/sbin/docker-init';

/** The host's init binary: a static tini works in any image; the dynamic one only as a fallback. */
export function hostInitBinary(candidates: readonly string[] = ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/bin/tini']): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw invalidArgument('exec: "docker-init": executable file not found in $PATH');
  return found;
}

/** The process args and the extra mount for --init. */
export function withInit(args: readonly string[], binary: string = hostInitBinary()): { args: string[]; mount: OciMount } {
  return {
    args: [initPathInContainer, '--', ...args],
    mount: { destination: initPathInContainer, type: 'bind', source: binary, options: ['bind', 'ro'] },
  };
}

/** --group-add values (names or numbers) as gids, names from the image's /etc/group. */
export async function groupAddGids(rootfs: string, groups: readonly string[]): Promise<number[]> {
  if (groups.length === 0) return [];
  let text = '';
  if (groups.some((g) => !/^\d+$/.test(g))) text = await readFileInRoot(rootfs, '/etc/group').then((b) => b.toString('utf8'), () => '');
  const byName = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid !== undefined && /^\d+$/.test(gid)) byName.set(name, Number(gid));
  }
  return groups.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const gid = byName.get(g);
    if (gid === undefined) throw invalidArgument(`Unable to find group ${g}: no matching entries in group file`);
    return gid;
  });
}

/**
 * The process user, with the user's groups in the image's /etc/group as `imageGroups` says: absent,
 * docker's (and runc's) rule — only when `user` names no group; `merge`, also then (as containerd's
 * CRI); `strict`, never.
 */
export async function userWithImageGroups(rootfs: string, user: string, imageGroups: 'merge' | 'strict' | undefined): Promise<ProcessUser> {
  const resolved = await resolveUser(rootfs, user);
  if (imageGroups === 'strict') return { ...resolved, additionalGids: [] };
  const colon = user.indexOf(':');
  if (imageGroups !== 'merge' || colon < 0) return resolved;
  const { additionalGids } = await resolveUser(rootfs, user.slice(0, colon));
  return { ...resolved, additionalGids };
}

/** A `seccomp=` security option's value as a profile path: inline JSON is written to `<containerDir>/seccomp.json`. */
export async function seccompProfilePath(value: string | undefined, containerDir: string): Promise<string | undefined> {
  if (value === undefined || !value.trimStart().startsWith('{')) return value;
  const path = join(containerDir, 'seccomp.json');
  await writeFile(path, value);
  return path;
}
