// Image mounts (Kubernetes' image volumes, docker's `--mount type=image`): an
// image's filesystem, read-only, at a path of the container. At create the
// image is looked up in the store, its layers unpacked, and a read-only
// overlay of them (the snapshotter's view, no upper dir) mounted under the
// data root, one view per mount of each container; a subpath must be a
// directory of the image, looked up with the view as `/`. At start the
// container binds the view (or that directory of it) read-only. The view
// stays mounted while the container exists (a start after a reboot mounts it
// again) and goes with the container's removal; views whose container is gone
// (berthd died between the mount and the record, or in a removal) are removed
// at berthd's start. While a container mounts an image, the image counts as
// used by it and its layers as in use (registry.ts), as for its own image.
import { lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import { BerthError, ErrorKind, errorMessage, invalidArgument, isBerthError, isFailedPrecondition, isNotFound } from '../../core/errors.ts';
import type { MountPoint } from '../../core/types.ts';
import type { LocalImageStore } from '../../image/index.ts';
import { crashPoint } from '../../lib/crash-point.ts';
import { hostPathInRoot, isSymlinkLoop } from '../../lib/in-root-path.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Snapshotter } from '../../store/index.ts';
import type { MountRequest } from '../../volume/index.ts';

export interface ImageMountsDeps {
  readonly images: Pick<LocalImageStore, 'resolve' | 'ensureUnpacked'>;
  readonly snapshotter: Pick<Snapshotter, 'mountView' | 'removeView' | 'listViews'>;
  readonly log: Logger;
}

/** The view key of a container's `index`-th image mount. */
export function viewKey(containerId: string, index: number): string {
  return `${containerId}-${index}`;
}

/** The container a view key belongs to. */
export function viewOwner(key: string): string {
  const i = key.lastIndexOf('-');
  return i < 0 ? key : key.slice(0, i);
}

/**
 * A failure to make an image mount, of the kind of its cause (NotFound for an
 * image not in the store…): a front door can tell it apart and say so in its
 * own words (the CRI's "ImageVolumeMountFailed").
 */
export class ImageMountError extends BerthError {
  constructor(cause: unknown) {
    super(isBerthError(cause) ? cause.code : ErrorKind.Internal, errorMessage(cause), { cause });
    this.name = 'ImageMountError';
  }
}

export function isImageMountError(err: unknown): err is ImageMountError {
  return err instanceof ImageMountError;
}

export class ImageMounts {
  readonly #d: ImageMountsDeps;

  constructor(deps: ImageMountsDeps) {
    this.#d = deps;
  }

  /**
   * Mounts the image of `r` for container `containerId` (its `index`-th image
   * mount) and returns the mount point. An ImageMountError: NotFound for an
   * image not in the store, InvalidArgument for a subpath that is not a
   * directory of the image.
   */
  async make(containerId: string, index: number, r: MountRequest): Promise<MountPoint> {
    if (r.type !== 'image') throw invalidArgument(`not an image mount: ${r.type}`);
    try {
      return await this.#make(containerId, index, r);
    } catch (err) {
      throw new ImageMountError(err);
    }
  }

  async #make(containerId: string, index: number, r: MountRequest): Promise<MountPoint> {
    const image = await this.#d.images.resolve(r.source);
    await this.#d.images.ensureUnpacked(image.id);
    const layers = [...image.chain].reverse();
    const key = viewKey(containerId, index);
    const root = await this.#d.snapshotter.mountView(key, layers);
    const subpath = r.imageSubpath ?? '';
    let source = root;
    try {
      if (subpath !== '') source = await directoryIn(root, subpath, r.source);
    } catch (err) {
      await this.#d.snapshotter.removeView(key).catch((e: unknown) => this.#d.log.warn('removing an image view failed', { view: key, err: errorMessage(e) }));
      throw err;
    }
    this.#d.log.info('image view mounted', { container: containerId, image: image.id, view: key });
    crashPoint('container.create.image-view-mounted');
    return {
      type: 'image',
      source,
      destination: r.destination,
      mode: r.mode,
      rw: false,
      propagation: r.propagation,
      image: { ref: r.source, id: image.id, layers, view: key, subpath },
    };
  }

  /** The host path a start binds for `mp`: its view is mounted again if it is not (a reboot). */
  async source(mp: MountPoint): Promise<string> {
    const img = mp.image;
    if (mp.type !== 'image' || !img) throw invalidArgument(`not an image mount: ${mp.destination}`);
    try {
      await this.#d.snapshotter.mountView(img.view, img.layers);
    } catch (err) {
      if (!isFailedPrecondition(err)) throw err;
      // After a crash a layer may be missing its snapshot; the image (if still there) can redo it.
      await this.#d.images.ensureUnpacked(img.id).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      await this.#d.snapshotter.mountView(img.view, img.layers);
    }
    return mp.source;
  }

  /** Unmounts and removes every view of the container (its removal, or a create that failed). */
  async drop(containerId: string): Promise<void> {
    for (const key of await this.#d.snapshotter.listViews()) {
      if (viewOwner(key) === containerId) await this.#d.snapshotter.removeView(key);
    }
  }

  /** At berthd's start: removes the views of containers that do not exist; returns their keys. */
  async sweep(exists: (containerId: string) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const key of await this.#d.snapshotter.listViews()) {
      if (exists(viewOwner(key))) continue;
      try {
        await this.#d.snapshotter.removeView(key);
        removed.push(key);
      } catch (err) {
        this.#d.log.warn('removing a leftover image view failed', { view: key, err: errorMessage(err) });
      }
    }
    if (removed.length > 0) this.#d.log.warn('removed image views of containers that are gone', { views: removed });
    return removed;
  }
}

/**
 * The host path of directory `subpath` of the (read-only, unchanging) view at
 * `root`, symlinks followed with `root` as `/`; InvalidArgument when it is not
 * there or not a directory (mounting a single file is a non-goal of
 * Kubernetes' image volumes, and containerd refuses it too).
 */
async function directoryIn(root: string, subpath: string, ref: string): Promise<string> {
  let host: string;
  try {
    host = await hostPathInRoot(root, posix.normalize(`/${subpath}`));
  } catch (err) {
    if (isSymlinkLoop(err)) throw invalidArgument(`image subpath "${subpath}" of image "${ref}": too many links`, err);
    throw err;
  }
  const st = await lstat(host).catch(() => undefined);
  if (!st) throw invalidArgument(`image subpath "${subpath}" does not exist in image "${ref}"`);
  if (!st.isDirectory()) throw invalidArgument(`image subpath "${subpath}" of image "${ref}" is not a directory`);
  return host;
}
