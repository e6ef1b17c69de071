// Where a RUN step's secrets live while it runs: a small tmpfs of its own
// under the builds' runtime directory, so a value never touches the disk.
// Once the step's container has started (its mount namespace holds its own
// reference to the tmpfs through the bind mounts), berthd detaches the
// tmpfs from the host: from then on the secret lives only in the step's
// mount namespace and the kernel frees it when the step ends, whether or
// not berthd is still there. A tmpfs berthd could not detach before a crash
// is unmounted at its next start (sweepSecretMounts).
import { mkdir, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../lib/run-tool.ts';

export class SecretTmpfs {
  readonly dir: string;
  #mounted: boolean;

  private constructor(dir: string) {
    this.dir = dir;
    this.#mounted = true;
  }

  /** Mounts a private tmpfs (mode 0700, no exec/suid/dev) big enough for `bytes` of secrets in `files` files. */
  static async create(root: string, bytes: number, files: number): Promise<SecretTmpfs> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(root, 'step-'));
    // Every file takes at least a page; the rest is slack for the filesystem's own use.
    const size = Math.max(1 << 20, 2 * bytes + files * 4096 + (64 << 10));
    try {
      await runTool('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700,nosuid,nodev,noexec`, 'berth-secrets', dir]);
    } catch (err) {
      await rmdir(dir).catch(() => undefined);
      throw err;
    }
    const t = new SecretTmpfs(dir);
    try {
      // Private: the copy in the step's mount namespace must not follow the host's unmount.
      await runTool('mount', ['--make-private', dir]);
    } catch (err) {
      await t.release();
      throw err;
    }
    return t;
  }

  /** Lets go of the host's view; the step's container keeps the secrets until it ends. */
  async detach(): Promise<void> {
    if (!this.#mounted) return;
    this.#mounted = false;
    await runTool('umount', ['-l', this.dir]);
  }

  /** Unmounts (if still attached) and removes the mount point. */
  async release(): Promise<void> {
    if (this.#mounted) {
      this.#mounted = false;
      await runTool('umount', ['-l', this.dir]);
    }
    await rmdir(this.dir);
  }
}

/** At start-up: unmounts and removes secret tmpfs mounts a crash left behind. */
export async function sweepSecretMounts(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const n of names) {
    const dir = join(root, n);
    await runTool('umount', ['-l', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return names;
}
