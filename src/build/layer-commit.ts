// Committing a stage's config as an image (each step's intermediate image,
// linked to its parent) and mounting layers for a step to write into or
// read from (COPY --from, RUN --mount=from=…).
import { chainIds, type Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { mediaTypes, type OciImageConfig } from '../image/index.ts';
import type { BuildSession } from './build-session.ts';
import { clone, type StageState } from './build-state.ts';

/** Writes the stage's current config as an image (its layers already in the store). */
export async function commitStage(b: BuildSession, st: StageState): Promise<Digest> {
  const created = b.now();
  const config: OciImageConfig = { ...clone(st.config), created };
  const layers = config.rootfs.diff_ids.map((d) => ({ blob: d, mediaType: mediaTypes.ociLayer }));
  const image = await b.d.images.create(config, layers);
  if (st.imageId !== undefined) b.parents.set(image.id, st.imageId);
  st.imageId = image.id;
  st.config = config;
  return image.id;
}

/** The stage's image, committed first when it has none yet (`FROM scratch`). */
export async function ensureImage(b: BuildSession, st: StageState): Promise<Digest> {
  return st.imageId ?? commitStage(b, st);
}

/** Mounts an overlay over the given layers (bottom first) under a build-only id. */
export async function mountLayers(b: BuildSession, diffIds: readonly Digest[]): Promise<{ id: string; merged: string; upper: string }> {
  const id = `build-${newId().slice(0, 24)}`;
  const lower = chainIds(diffIds).reverse();
  try {
    const merged = await b.d.snapshotter.mountRootfs(id, lower);
    return { id, merged, upper: b.d.snapshotter.rootfsPaths(id, lower).upper };
  } catch (err) {
    await b.d.snapshotter.removeRootfs(id).catch(() => undefined);
    throw err;
  }
}

/** The root of `COPY --from`: an earlier stage's result or an image, mounted for reading. */
export async function sourceRoot(b: BuildSession, from: string): Promise<{ dir: string; release(): Promise<void> }> {
  const stageIndex = b.stageByName(from, b.instructions.stages.length);
  let diffIds: readonly Digest[];
  if (stageIndex !== undefined) {
    const config = b.stageConfigs.get(stageIndex);
    if (config === undefined) throw invalidArgument(`COPY --from=${from}: stage ${from} is not built before this one`);
    diffIds = config.rootfs.diff_ids;
  } else {
    diffIds = (await b.baseImage(from)).config.rootfs.diff_ids;
  }
  const m = await mountLayers(b, diffIds);
  return {
    dir: m.merged,
    release: () => b.d.snapshotter.removeRootfs(m.id),
  };
}
