// A step's cache lookup: first the build cache (a step key → the image that
// step made before), then, with --cache-from, the history of the cache-from
// images. On a hit the stage moves on to that image and ` ---> Using cache`
// is printed.
import { isNotFound } from '../core/errors.ts';
import { shortId } from '../core/ids.ts';
import type { OciContainerConfig, OciHistory, OciImageConfig } from '../image/index.ts';
import type { BuildSession } from './build-session.ts';
import { clone, configOf, type StageState } from './build-state.ts';
import { commitStage } from './layer-commit.ts';

/**
 * Looks the step up in the build cache, then (with --cache-from) in the
 * history of the cache-from images; true on a hit.
 */
export async function tryCache(b: BuildSession, st: StageState, key: string, createdBy?: string, mutate?: (c: OciContainerConfig) => void): Promise<boolean> {
  if (b.r.noCache) return false;
  const fromSources = () => (createdBy === undefined || !b.cacheFrom.given ? false : tryCacheFrom(b, st, key, createdBy, mutate));
  const hit = b.cache.get(key);
  if (hit === undefined) return fromSources();
  // With --cache-from, dockerd takes a local hit only when it is in a cache-from image's ancestry.
  if (b.cacheFrom.given && !(await b.cacheFrom.ancestry()).has(hit)) return fromSources();
  let config: OciImageConfig;
  try {
    // Its config alone: the step goes on from it, and needs neither its layers' sizes nor its tags.
    config = await b.d.images.config(hit);
  } catch (err) {
    // The image of an earlier build is gone (rmi).
    if (isNotFound(err)) return fromSources();
    throw err;
  }
  st.imageId = hit;
  st.config = configOf(config);
  st.say(' ---> Using cache\n');
  st.say(` ---> ${shortId(hit)}\n`);
  return true;
}

/**
 * The classic builder's --cache-from: a step is a hit when a cache-from
 * image's layers and history start with the stage's so far and its next
 * history entry was made by the same instruction. The stage then takes that
 * entry (and its layer, already in the store) and the step's config change.
 */
async function tryCacheFrom(b: BuildSession, st: StageState, key: string, createdBy: string, mutate?: (c: OciContainerConfig) => void): Promise<boolean> {
  const history = st.config.history ?? [];
  const diffIds = st.config.rootfs.diff_ids;
  const same = (a: OciHistory, c: OciHistory) => (a.created_by ?? '') === (c.created_by ?? '') && !!a.empty_layer === !!c.empty_layer && (a.comment ?? '') === (c.comment ?? '');
  for (const src of await b.cacheFrom.configs()) {
    const sh = src.history ?? [];
    const sd = src.rootfs.diff_ids;
    const next = sh[history.length];
    if (next === undefined || (next.created_by ?? '') !== createdBy) continue;
    if (!history.every((h, i) => same(h, sh[i] as OciHistory)) || !diffIds.every((d, i) => sd[i] === d)) continue;
    const layer = next.empty_layer ? undefined : sd[diffIds.length];
    if (!next.empty_layer && layer === undefined) continue;
    const c = clone(st.config.config ?? {});
    mutate?.(c);
    st.config.config = c;
    if (layer !== undefined) st.config.rootfs = { type: 'layers', diff_ids: [...diffIds, layer] };
    st.config.history = [...history, clone(next)];
    const id = await commitStage(b, st);
    b.cache.put(key, id);
    st.say(' ---> Using cache\n');
    st.say(` ---> ${shortId(id)}\n`);
    return true;
  }
  return false;
}
