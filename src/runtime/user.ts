// resolveUser(): turns docker's `--user` (`name`, `uid`, `name:group`, `uid:gid`)
// into uid, gid and supplementary groups by reading the image's /etc/passwd and
// /etc/group, as runc's GetExecUser does. Paths are resolved inside the rootfs:
// a symlink in the image is followed as if the rootfs were `/`, never out of it.
import { readFileInRoot } from '../lib/read-in-root.ts';
import { hostPathInRoot, isSymlinkLoop } from '../lib/in-root-path.ts';
import { invalidArgument } from '../core/index.ts';
import type { ProcessUser } from './types.ts';

/**
 * The host path for `path` inside `root`, resolving symlinks with `root` as `/`
 * (absolute targets restart at `root`, `..` stops at it). Missing components are
 * returned as they are. InvalidArgument for a symlink loop.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  try {
    return await hostPathInRoot(root, path);
  } catch (err) {
    if (isSymlinkLoop(err)) throw invalidArgument(err.message, err);
    throw err;
  }
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/**
 * Reads a file of a root by its in-root path, links followed inside the root;
 * undefined when it cannot be read. For a root a container may be changing, a
 * reader that works inside it (cp's files agent), not the host-side resolver.
 */
export interface RootFileReader {
  readFile(path: string): Promise<string | undefined>;
}

function hostReader(root: string): RootFileReader {
  return {
    readFile: async (path) => {
      try {
        return (await readFileInRoot(root, path)).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 4 || !f[0] || f[0].startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], uid, gid });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 3 || !f[0] || f[0].startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

const numeric = (s: string) => /^\d+$/.test(s);

/** Resolves `user` in the image at `rootfs` (a host directory nobody changes meanwhile, or a reader); "" or undefined is root. */
export async function resolveUser(rootfs: string | RootFileReader, user?: string): Promise<ProcessUser> {
  const root = typeof rootfs === 'string' ? hostReader(rootfs) : rootfs;
  const spec = user ?? '';
  const colon = spec.indexOf(':');
  const userArg = colon >= 0 ? spec.slice(0, colon) : spec;
  const groupArg = colon >= 0 ? spec.slice(colon + 1) : '';

  // Read beside the passwd file (most lookups need both); awaited only when needed.
  const groupRead = root.readFile('/etc/group');
  groupRead.catch(() => undefined);
  const passwdText = await root.readFile('/etc/passwd');
  const passwd = passwdText === undefined ? [] : parsePasswd(passwdText);

  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  const lookup = userArg === '' ? '0' : userArg;
  const entry = passwd.find((p) => p.name === lookup || (numeric(lookup) && p.uid === Number(lookup)));
  if (entry) {
    uid = entry.uid;
    gid = entry.gid;
    name = entry.name;
  } else if (numeric(lookup)) {
    uid = Number(lookup);
  } else {
    throw invalidArgument(`unable to find user ${lookup}: no matching entries in passwd file`);
  }

  const needGroups = groupArg !== '' ? !numeric(groupArg) : name !== undefined;
  const groupText = needGroups ? await groupRead : undefined;
  const groups = groupText === undefined ? [] : parseGroup(groupText);

  const additionalGids: number[] = [];
  if (groupArg !== '') {
    if (numeric(groupArg)) gid = Number(groupArg);
    else {
      const g = groups.find((x) => x.name === groupArg);
      if (!g) throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
      gid = g.gid;
    }
  } else if (name !== undefined) {
    // Supplementary groups only when the group was not given explicitly, as runc does.
    for (const g of groups) {
      if (g.members.includes(name) && !additionalGids.includes(g.gid)) additionalGids.push(g.gid);
    }
  }
  if (uid > 0x7fffffff || gid > 0x7fffffff) throw invalidArgument(`uids and gids must be in range 0-2147483647`);
  return { uid, gid, additionalGids };
}
