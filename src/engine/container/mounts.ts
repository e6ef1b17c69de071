// A container's mounts through its life: at create, HostConfig's volumes-from,
// Binds, Mounts and the Config/image VOLUMEs become MountPoints (named volumes
// made on first use, anonymous ones named by a random id, image mounts
// mounted as read-only views: image-mounts.ts) in docker's order; at start
// they become OCI mounts (volumes with options mounted, empty volumes filled
// from the image); at exit they are let go; at `rm -v` the container's
// anonymous volumes go too.
import { randomBytes } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import { invalidArgument, isAlreadyExists, isNotFound } from '../../core/errors.ts';
import type { Container, ContainerSpec, MountPoint } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { OciMount } from '../../runtime/index.ts';
import { anonymousLabel, copyUp, parseBind, parseMountSpec, parseVolumesFrom } from '../../volume/index.ts';
import type { MountRequest, VolumeStore } from '../../volume/index.ts';
import type { ImageMounts } from './image-mounts.ts';

export interface ContainerMountsDeps {
  readonly store: VolumeStore;
  readonly log: Logger;
  /** Image mounts; absent: a container asking for one is refused. */
  readonly images?: ImageMounts;
  /** Whether the runtime and the kernel make recursive read-only binds (`rro`); absent: they are not assumed to. */
  readonly features?: () => Promise<{ readonly recursiveReadOnlyMounts: boolean }>;
}

/**
 * The read-only option of a bind at start, as dockerd (25+) decides it:
 * recursively read-only (`rro`) when the runtime and kernel can, unless
 * ReadOnlyNonRecursive; ReadOnlyForceRecursive makes `rro` a must.
 */
export function readOnlyOption(mp: Pick<MountPoint, 'rw' | 'recursiveReadOnly' | 'readOnlyNonRecursive'>, rroSupported: boolean): 'rw' | 'ro' | 'rro' {
  if (mp.rw) {
    if (mp.readOnlyNonRecursive) throw invalidArgument('mount options conflict: !ReadOnly && BindOptions.ReadOnlyNonRecursive');
    if (mp.recursiveReadOnly) throw invalidArgument('mount options conflict: !ReadOnly && BindOptions.ReadOnlyForceRecursive');
    return 'rw';
  }
  if (mp.readOnlyNonRecursive && mp.recursiveReadOnly) throw invalidArgument('mount options conflict: ReadOnlyNonRecursive && BindOptions.ReadOnlyForceRecursive');
  if (mp.readOnlyNonRecursive) return 'ro';
  if (rroSupported) return 'rro';
  if (mp.recursiveReadOnly) throw invalidArgument('rro is not supported by the runtime or the kernel (needs runc >= 1.1 or crun >= 1.4, and kernel >= 5.12)');
  return 'ro';
}

function clean(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export class ContainerMounts {
  readonly #d: ContainerMountsDeps;

  constructor(deps: ContainerMountsDeps) {
    this.#d = deps;
  }

  /**
   * The mount points of a new container. `spec` is merged with the image (its
   * `volumes` include the image's VOLUMEs); `find` looks up `--volumes-from` containers.
   */
  async resolve(spec: ContainerSpec, find: (idOrName: string) => Container, owner = ''): Promise<MountPoint[]> {
    const byDest = new Map<string, MountPoint>();
    for (const from of spec.host.volumesFrom ?? []) {
      const { container, mode } = parseVolumesFrom(from);
      const other = find(container);
      for (const mp of other.mountPoints ?? []) {
        // An image mount's view is its container's own (it goes with it).
        if (mp.type === 'tmpfs' || mp.type === 'image') continue;
        // As dockerd: the mode text is not carried over, and `:rw` cannot make a read-only mount writable.
        byDest.set(mp.destination, { ...mp, rw: mp.rw && mode !== 'ro', mode: '' });
      }
    }
    const requests: MountRequest[] = [];
    const seen = new Set<string>();
    // Through API < 1.44 every read-only bind stays non-recursively read-only (dockerd's DefaultReadOnlyNonRecursive).
    const oldClient = (r: MountRequest): MountRequest => (spec.host.defaultReadOnlyNonRecursive && r.type === 'bind' && !r.rw ? { ...r, readOnlyNonRecursive: true } : r);
    for (const raw of spec.host.binds) {
      const r = oldClient(parseBind(raw));
      if (seen.has(r.destination)) throw invalidArgument(`Duplicate mount point: ${r.destination}`);
      seen.add(r.destination);
      requests.push(r);
    }
    for (const m of spec.host.mounts) {
      const r = oldClient(parseMountSpec(m));
      if (seen.has(r.destination)) throw invalidArgument(`Duplicate mount point: ${r.destination}`);
      seen.add(r.destination);
      if (r.type === 'bind') {
        // --mount never creates the host path (unlike -v).
        if (!(await access(r.source).then(() => true, () => false))) {
          throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${r.source}`);
        }
      }
      requests.push(r);
    }
    let images = 0;
    for (const r of requests) byDest.set(r.destination, r.type === 'image' ? await this.#image(owner, images++, r) : await this.#point(r));
    // Config.Volumes and the image's VOLUMEs not covered above get anonymous volumes.
    for (const v of spec.volumes) {
      const dest = clean(v);
      if (byDest.has(dest)) continue;
      byDest.set(dest, await this.#point({ type: 'volume', source: '', destination: dest, mode: '', rw: true, propagation: '', noCopy: false, createHostPath: false }));
    }
    return [...byDest.values()];
  }

  /** The image mount `r`, the `index`-th of container `owner` (the caller drops the views when the create fails). */
  #image(owner: string, index: number, r: MountRequest): Promise<MountPoint> {
    const images = this.#d.images;
    if (!images || owner === '') throw invalidArgument(`invalid mount config for type "image": image mounts are not supported here`);
    return images.make(owner, index, r);
  }

  async #point(r: MountRequest): Promise<MountPoint> {
    const base = { destination: r.destination, mode: r.mode, rw: r.rw, propagation: r.propagation, ...(r.noCopy ? { noCopy: true } : {}) };
    if (r.type === 'bind') {
      return { type: 'bind', source: r.source, ...base, ...(r.recursiveReadOnly ? { recursiveReadOnly: true } : {}), ...(r.readOnlyNonRecursive ? { readOnlyNonRecursive: true } : {}) };
    }
    if (r.type === 'tmpfs') return { type: 'tmpfs', source: '', ...base, tmpfsOptions: r.tmpfsOptions ?? [] };
    if (r.volumeDriver && r.volumeDriver !== 'local') throw invalidArgument(`error looking up volume plugin ${r.volumeDriver}: plugin "${r.volumeDriver}" not found`);
    const name = r.source || randomBytes(32).toString('hex');
    const labels = r.source ? (r.volumeLabels ?? {}) : { [anonymousLabel]: '', ...(r.volumeLabels ?? {}) };
    let vol;
    try {
      vol = await this.#d.store.create(name, { labels, ...(r.volumeDriverOptions ? { driverOptions: r.volumeDriverOptions } : {}) });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      vol = this.#d.store.get(name);
    }
    return { type: 'volume', source: vol.mountpoint, name, driver: 'local', ...base };
  }

  /** The OCI mounts for a start: creates missing bind sources, mounts and fills volumes. */
  async ociMounts(c: Container, rootfs: string): Promise<OciMount[]> {
    const out: OciMount[] = [];
    const points = c.mountPoints ?? [];
    // Asked once per start, and only when a bind is read-only.
    const rroSupported = points.some((mp) => mp.type !== 'tmpfs' && mp.type !== 'image' && !mp.rw) ? ((await this.#d.features?.())?.recursiveReadOnlyMounts ?? false) : false;
    for (const mp of points) {
      // `rro` (runc >= 1.1, crun >= 1.4, kernel >= 5.12) makes the submounts read-only too; `ro` only the top one.
      // Volumes take dockerd's default too (rro when it can): their submounts are rare, but dockerd does the same.
      const rw = mp.type === 'tmpfs' || mp.type === 'image' ? 'rw' : readOnlyOption(mp, rroSupported);
      if (mp.type === 'tmpfs') {
        out.push({ destination: mp.destination, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...(mp.rw ? [] : ['ro']), ...(mp.tmpfsOptions ?? [])] });
        continue;
      }
      if (mp.type === 'image') {
        const images = this.#d.images;
        if (!images) throw invalidArgument(`error while mounting image at '${mp.destination}': image mounts are not supported here`);
        // Read-only however it was asked, and not noexec: an image's programs may run from there.
        out.push({ destination: mp.destination, type: 'bind', source: await images.source(mp), options: ['rbind', 'ro', mp.propagation || 'rprivate'] });
        continue;
      }
      let source = mp.source;
      if (mp.type === 'bind') {
        // docker -v creates a missing host directory (--mount sources were checked at create); a file stays a file.
        if (!(await access(source).then(() => true, () => false))) await mkdir(source, { recursive: true });
      } else {
        const name = mp.name ?? '';
        if (!this.#d.store.has(name)) throw invalidArgument(`error while mounting volume '${mp.source}': volume ${name} does not exist`);
        source = await this.#d.store.acquire(name, c.id);
        // copyUp() fills only an empty volume, and first undoes or finishes a copy-up that a crash cut short.
        if (!mp.noCopy) await copyUp(rootfs, mp.destination, source);
      }
      out.push({ destination: mp.destination, type: 'bind', source, options: ['rbind', rw, mp.propagation || 'rprivate'] });
    }
    return out;
  }

  /** Re-takes the volumes of a container found running after a berthd restart. */
  async reacquire(c: Container): Promise<void> {
    for (const mp of c.mountPoints ?? []) {
      if (mp.type === 'volume' && mp.name && this.#d.store.has(mp.name)) {
        await this.#d.store.acquire(mp.name, c.id).catch((err: unknown) => this.#d.log.warn('re-mounting volume failed', { container: c.id, volume: mp.name, err }));
      }
    }
  }

  /** Lets go of the container's volumes (after it stopped, or its start failed). Best effort. */
  async release(c: Container): Promise<void> {
    for (const mp of c.mountPoints ?? []) {
      if (mp.type !== 'volume' || !mp.name) continue;
      await this.#d.store.release(mp.name, c.id).catch((err: unknown) => this.#d.log.warn('unmounting volume failed', { container: c.id, volume: mp.name, err }));
    }
  }

  /** Unmounts and removes the image views of a container (its removal, or a create that failed). */
  async dropImages(containerId: string): Promise<void> {
    await this.#d.images?.drop(containerId);
  }

  /** At berthd's start: removes the image views of containers that do not exist. */
  async sweepImages(exists: (containerId: string) => boolean): Promise<void> {
    await this.#d.images?.sweep(exists);
  }

  /** Removes the removed container's anonymous volumes that no other container uses. */
  async removeAnonymous(c: Container, inUse: (name: string) => boolean): Promise<void> {
    for (const mp of c.mountPoints ?? []) {
      if (mp.type !== 'volume' || !mp.name || inUse(mp.name)) continue;
      let anonymous: boolean;
      try {
        anonymous = this.#d.store.get(mp.name).labels[anonymousLabel] !== undefined;
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (!anonymous) continue;
      await this.#d.store.remove(mp.name).catch((err: unknown) => this.#d.log.warn('removing anonymous volume failed', { container: c.id, volume: mp.name, err }));
    }
  }
}
