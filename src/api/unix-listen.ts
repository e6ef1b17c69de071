// The API socket is created where nobody but its owner can reach it — inside a
// fresh 0700 directory beside its final path — given its group and mode 0660
// there, and only then renamed into place: a client never sees it open wider
// than 0660, not even between listen() and chmod() (dockerd gets the same by
// listening under umask 0777). A process-wide umask would also tighten files
// that other work of berthd creates meanwhile, so berth does not use one.
import type { Server } from 'node:http';
import { chmod, chown, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalidArgument } from '../core/errors.ts';

/** dockerd's default API socket group. */
export const defaultSocketGroup = 'docker';

/**
 * The gid for a socket group as dockerd's lookupGID: a group name from
 * /etc/group or a number; `docker` when absent falls back to berthd's own
 * group (root), any other unknown group is an error.
 */
export async function socketGid(group: string | undefined, groupFile = '/etc/group'): Promise<number> {
  const name = group ?? defaultSocketGroup;
  if (name === '') return process.getgid?.() ?? 0;
  const text = await readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  if (/^\d+$/.test(name)) return Number(name);
  if (name === defaultSocketGroup) return process.getgid?.() ?? 0;
  throw invalidArgument(`group ${name} not found`);
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Listens on `path` (a stale socket there is removed first), owned by berthd's user and `gid`, mode 0660. */
export async function listenUnixSocket(server: Server, path: string, gid: number): Promise<void> {
  await rm(path, { force: true });
  // mkdtemp makes the directory 0700; the short names keep the path within a socket's 107 bytes.
  const dir = await mkdtemp(join(dirname(path), '.bs-'));
  try {
    const hidden = join(dir, 's');
    await listen(server, hidden);
    try {
      await chown(hidden, process.getuid?.() ?? 0, gid);
      await chmod(hidden, 0o660);
      await rename(hidden, path);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
