// Overlay snapshots on the local filesystem. Each layer chain id has its own
// directory `<root>/snapshots/<hex>/fs` holding that layer's files only (whiteouts
// as overlay char devices, opaque dirs by xattr); a short symlink
// `snapshots/l/<26 hex>` points at it so that a deep image still fits the
// one-page limit of overlay mount options. Each container gets
// `<root>/containers-rootfs/<id>/{upper,work,merged}`, mounted with overlayfs;
// an image mount gets `<root>/image-views/<key>`, a read-only overlay of its
// image's layers (overlay-view.ts).
import { lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { digestHex, isDigest, type Digest } from '../core/digest.ts';
import { failedPrecondition, invalidArgument } from '../core/errors.ts';
import { fsyncDir } from '../lib/atomic-write.ts';
import { fsBatch, type FsOp } from '../lib/fs-batch.ts';
import type { SpareDirs } from '../lib/spare-dirs.ts';
import { runTool } from '../lib/run-tool.ts';
import { log } from '../lib/logger.ts';
import { nativeIfBuilt } from '../lib/native.ts';
import { maxMountData, viewMount } from './overlay-view.ts';
import { markTopDir } from './top-dir.ts';
import type { RootfsPaths, Snapshotter } from './types.ts';

const shortLinkLength = 26;

function isEnoent(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (isEnoent(err)) return false;
    throw err;
  }
}

/** Decodes the octal escapes (`\040`) mountinfo uses for spaces and the like. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint !== undefined && unescapeMountPath(mountPoint) === path) return true;
  }
  return false;
}

/**
 * Whether an overlay is mounted on `path`: an overlay has a device of its own,
 * so the mount's root has another st_dev than its parent directory. Two stats
 * instead of reading and parsing all of /proc/self/mountinfo, whose size grows
 * with every container running (each has its rootfs and netns mounted). Only
 * for targets berthd mounts overlays on (a bind of the same filesystem would
 * not show); a stat that fails otherwise than ENOENT asks mountinfo.
 */
async function isOverlayMounted(path: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([lstat(path), lstat(dirname(path))]);
    return self.dev !== parent.dev;
  } catch (err) {
    if (isEnoent(err)) return false;
    return isMountPoint(path);
  }
}

/** Bytes used by a tree as docker counts them: non-directory sizes, each inode once. */
async function treeSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch (err) {
      if (isEnoent(err)) return;
      throw err;
    }
    for (const name of names) {
      const p = join(d, name);
      const st = await lstat(p);
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      total += st.size;
    }
  };
  await walk(dir);
  return total;
}

function checkContainerId(id: string, what = 'container id'): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id === '.' || id === '..') throw invalidArgument(`invalid ${what} "${id}"`);
}

/** umount2(2) through berth's addon when it is loaded, else the `umount` tool; detached when busy. */
async function unmountOrDetach(target: string, what: Record<string, unknown>): Promise<void> {
  const native = nativeIfBuilt();
  try {
    if (native) await native.umount(target, false);
    else await runTool('umount', [target]);
  } catch (err) {
    // Busy (a process still holds a file): detach it so the owner can be removed; the kernel frees it later.
    log.warn('overlay unmount failed, detaching lazily', { ...what, error: err });
    if (native) await native.umount(target, true);
    else await runTool('umount', ['-l', target]);
  }
}

class OverlaySnapshotter implements Snapshotter {
  readonly #snapshots: string;
  readonly #links: string;
  readonly #emptyLower: string;
  readonly #containers: string;
  readonly #views: string;
  /** Layers being committed right now, so concurrent commits of one chain id unpack once. */
  readonly #inFlight = new Map<Digest, Promise<void>>();
  /** Containers whose rootfs this snapshotter mounted and has not unmounted since (it alone mounts there). */
  readonly #mounted = new Set<string>();

  constructor(root: string) {
    this.#snapshots = join(root, 'snapshots');
    this.#links = join(this.#snapshots, 'l');
    this.#emptyLower = join(this.#snapshots, 'empty');
    this.#containers = join(root, 'containers-rootfs');
    this.#views = join(root, 'image-views');
  }

  async init(): Promise<void> {
    await mkdir(this.#links, { recursive: true });
    await mkdir(this.#emptyLower, { recursive: true });
    await mkdir(this.#containers, { recursive: true });
    await mkdir(this.#views, { recursive: true, mode: 0o700 });
    // Layers made here spread over ext4's block groups (top-dir.ts); meanwhile the clean-up below.
    const marked = markTopDir(this.#snapshots);
    // Half-filled layers from an interrupted commit were never renamed into place.
    for (const name of await readdir(this.#snapshots)) {
      if (name.startsWith('.tmp-')) await rm(join(this.#snapshots, name), { recursive: true, force: true });
    }
    await marked;
  }

  #layerRoot(chainId: Digest): string {
    if (!isDigest(chainId)) throw invalidArgument(`invalid chain id "${String(chainId)}"`);
    return join(this.#snapshots, digestHex(chainId));
  }

  #shortLink(chainId: Digest): string {
    return digestHex(chainId).slice(0, shortLinkLength);
  }

  layerDir(chainId: Digest): string {
    return join(this.#layerRoot(chainId), 'fs');
  }

  hasLayer(chainId: Digest): Promise<boolean> {
    return exists(this.layerDir(chainId));
  }

  commitLayer(chainId: Digest, fill: (dir: string) => Promise<void>): Promise<void> {
    const running = this.#inFlight.get(chainId);
    if (running) return running;
    const p = this.#commit(chainId, fill).finally(() => this.#inFlight.delete(chainId));
    this.#inFlight.set(chainId, p);
    return p;
  }

  async #commit(chainId: Digest, fill: (dir: string) => Promise<void>): Promise<void> {
    const final = this.#layerRoot(chainId);
    if (await exists(join(final, 'fs'))) {
      await this.#ensureLink(chainId);
      return;
    }
    const tmp = await mkdtemp(join(this.#snapshots, '.tmp-'));
    let renamed = false;
    try {
      await mkdir(join(tmp, 'fs'));
      await fill(join(tmp, 'fs'));
      // The layer's files must be on disk before the rename makes them visible.
      await runTool('sync', ['-f', tmp]);
      try {
        await rename(tmp, final);
        renamed = true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Another process committed the same layer meanwhile: keep theirs.
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      await this.#ensureLink(chainId);
      await fsyncDir(this.#snapshots);
    } finally {
      if (!renamed) await rm(tmp, { recursive: true, force: true });
    }
  }

  async #ensureLink(chainId: Digest): Promise<void> {
    const link = join(this.#links, this.#shortLink(chainId));
    const target = `../${digestHex(chainId)}/fs`;
    try {
      if ((await readlink(link)) === target) return;
      await rm(link, { force: true });
    } catch (err) {
      if (!isEnoent(err)) throw err;
    }
    await symlink(target, link);
  }

  async removeLayer(chainId: Digest): Promise<void> {
    await rm(join(this.#links, this.#shortLink(chainId)), { force: true });
    // Rename first so that a crash mid-delete never leaves a half layer under its real name.
    const final = this.#layerRoot(chainId);
    if (!(await exists(final))) return;
    const doomed = join(this.#snapshots, `.tmp-rm-${digestHex(chainId)}`);
    await rename(final, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  async listLayers(): Promise<Digest[]> {
    const names = await readdir(this.#snapshots);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}` as Digest);
  }

  rootfsPaths(containerId: string, lowerChain: readonly Digest[]): RootfsPaths {
    checkContainerId(containerId);
    const dir = join(this.#containers, containerId);
    return {
      upper: join(dir, 'upper'),
      work: join(dir, 'work'),
      merged: join(dir, 'merged'),
      lower: lowerChain.map((c) => this.layerDir(c)),
    };
  }

  get rootfsRoot(): string {
    return this.#containers;
  }

  async prepareRootfs(containerId: string, lowerChain: readonly Digest[], options: { upperEntries?: readonly FsOp[]; spares?: SpareDirs } = {}): Promise<RootfsPaths> {
    const paths = this.rootfsPaths(containerId, lowerChain);
    const entries = options.upperEntries ?? [];
    // One trip to the thread pool: the container's directory with its upper, then work and merged beside
    // it, then what the caller puts into the new upper (or the rename of that tree made ahead).
    const tree = (root: string): FsOp[] => [
      { op: 'mkdir', path: join(root, 'upper'), mode: 0o755, parents: true },
      { op: 'mkdir', path: join(root, 'work'), mode: 0o700 },
      { op: 'mkdir', path: join(root, 'merged'), mode: 0o755 },
      ...entries.map((e) => ({ ...e, path: join(root, 'upper', e.path) })),
    ];
    const dest = join(this.#containers, containerId);
    if (options.spares) await options.spares.make(dest, `rootfs ${JSON.stringify(entries)}`, tree);
    else await fsBatch(tree(dest));
    return paths;
  }

  async mountRootfs(containerId: string, lowerChain: readonly Digest[]): Promise<string> {
    // Mounted already (a create's premount, a copy into a stopped container): nothing to check again. Known
    // without a look when this berthd mounted it; one a previous berthd mounted is looked at.
    const merged = this.rootfsPaths(containerId, lowerChain).merged;
    if (this.#mounted.has(containerId) || (await isOverlayMounted(merged))) {
      this.#mounted.add(containerId);
      return merged;
    }
    // The container's directories and its layers' checks and links do not touch each other: side by side
    // (the layers' with each other too).
    const layersReady = Promise.all(
      lowerChain.map(async (chainId) => {
        if (!(await this.hasLayer(chainId))) throw failedPrecondition(`Cannot mount the root filesystem of container ${containerId}: layer ${chainId} is not unpacked`);
        await this.#ensureLink(chainId);
      }),
    );
    const [prepared, layers] = await Promise.allSettled([this.prepareRootfs(containerId, lowerChain), layersReady]);
    if (prepared.status === 'rejected') throw prepared.reason;
    if (layers.status === 'rejected') throw layers.reason;
    const paths = prepared.value;
    const lowers = lowerChain.map((chainId) => `l/${this.#shortLink(chainId)}`);
    // Paths relative to snapshots/ (the child's cwd) keep the option string short.
    if (lowers.length === 0) lowers.push('empty');
    const data = `lowerdir=${lowers.join(':')},upperdir=${paths.upper},workdir=${paths.work}`;
    if (data.length > maxMountData) {
      throw failedPrecondition(`Cannot mount the root filesystem of container ${containerId}: ${lowerChain.length} layers exceed the overlay mount option limit`);
    }
    // mount(2) through berth's addon where the options fit with absolute lower paths (no process to
    // start: 5-8 ms, more under load); else the `mount` tool, run in snapshots/ for the relative ones.
    const native = nativeIfBuilt();
    const absolute = `lowerdir=${lowers.map((l) => join(this.#snapshots, l)).join(':')},upperdir=${paths.upper},workdir=${paths.work}`;
    if (native && absolute.length <= maxMountData && !/[,:\\]/.test(this.#snapshots)) await native.mountOverlay(paths.merged, absolute);
    else await runTool('mount', ['-t', 'overlay', 'overlay', '-o', data, paths.merged], { cwd: this.#snapshots });
    this.#mounted.add(containerId);
    return paths.merged;
  }

  async unmountRootfs(containerId: string): Promise<void> {
    const { merged } = this.rootfsPaths(containerId, []);
    this.#mounted.delete(containerId);
    if (!(await isOverlayMounted(merged))) return;
    // umount2(2) through berth's addon when it is loaded (no `umount` process: 14-46 ms here under load).
    await unmountOrDetach(merged, { container: containerId });
  }

  async removeRootfs(containerId: string): Promise<void> {
    await this.unmountRootfs(containerId);
    await rm(join(this.#containers, containerId), { recursive: true, force: true });
  }

  rootfsUsage(containerId: string): Promise<number> {
    return treeSize(this.rootfsPaths(containerId, []).upper);
  }

  viewPath(key: string): string {
    checkContainerId(key, 'image view key');
    return join(this.#views, key);
  }

  async mountView(key: string, lowerChain: readonly Digest[]): Promise<string> {
    const target = this.viewPath(key);
    await mkdir(target, { recursive: true, mode: 0o755 });
    if (await isMountPoint(target)) return target;
    const links: string[] = [];
    for (const chainId of lowerChain) {
      if (!(await this.hasLayer(chainId))) throw failedPrecondition(`Cannot mount image view ${key}: layer ${chainId} is not unpacked`);
      await this.#ensureLink(chainId);
      links.push(`l/${this.#shortLink(chainId)}`);
    }
    // As mountRootfs: absolute paths through the addon when they fit, else the `mount` tool run in snapshots/.
    const relative = viewMount(links, 'empty');
    if (relative.kind === 'bind') {
      await runTool('mount', ['--bind', '-o', 'ro', this.#emptyLower, target]);
      return target;
    }
    const native = nativeIfBuilt();
    let absolute: string | undefined;
    try {
      const m = viewMount(links.map((l) => join(this.#snapshots, l)), this.#emptyLower);
      if (m.kind === 'overlay') absolute = m.data;
    } catch {
      absolute = undefined; // too long, or a ':' in the data root: the relative names below do
    }
    if (native && absolute !== undefined) await native.mountOverlay(target, absolute);
    else await runTool('mount', ['-t', 'overlay', 'overlay', '-o', relative.data, target], { cwd: this.#snapshots });
    return target;
  }

  async removeView(key: string): Promise<void> {
    const target = this.viewPath(key);
    // A view can be mounted twice over (two mounts racing after a crash): unmount until none is left.
    for (let i = 0; i < 8 && (await isMountPoint(target)); i++) await unmountOrDetach(target, { view: key });
    await rm(target, { recursive: true, force: true });
  }

  async listViews(): Promise<string[]> {
    return (await readdir(this.#views).catch((err: unknown) => (isEnoent(err) ? [] : Promise.reject(err)))).sort();
  }
}

/** Opens (creating if needed) the overlay snapshotter under `root`. */
export async function openSnapshotter(root: string): Promise<Snapshotter> {
  const s = new OverlaySnapshotter(root);
  await s.init();
  return s;
}

export { treeSize };
