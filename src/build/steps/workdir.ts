// WORKDIR: sets the config's working directory and, as Docker does, creates
// it (a layer) when the image lacks it; otherwise the step is config-only.
import { mkdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Digest } from '../../core/digest.ts';
import { shortId } from '../../core/ids.ts';
import { diffToLayer } from '../../image/index.ts';
import { resolveInRoot } from '../../runtime/index.ts';
import type { BuildSession } from '../build-session.ts';
import { clone, nop, type StageState } from '../build-state.ts';
import { commitStage, mountLayers } from '../layer-commit.ts';
import type { WorkdirCommand } from '../parser/index.ts';
import { tryCache } from '../step-cache.ts';

export async function workdirStep(b: BuildSession, st: StageState, cmd: WorkdirCommand, x: (word: string) => string): Promise<void> {
  const given = x(cmd.path);
  const cur = st.config.config?.WorkingDir || '/';
  const dir = posix.isAbsolute(given) ? posix.normalize(given) : posix.join(cur, given);
  const createdBy = nop(`WORKDIR ${dir}`, st.config.config?.Shell);
  const key = b.cache.key([st.imageId ?? JSON.stringify(st.config), createdBy]);
  if (await tryCache(b, st, key, createdBy, (cc) => { cc.WorkingDir = dir; })) return;
  const c = clone(st.config.config ?? {});
  c.WorkingDir = dir;
  st.config.config = c;
  const mount = await mountLayers(b, st.config.rootfs.diff_ids);
  let diffId: Digest | undefined;
  try {
    const host = await resolveInRoot(mount.merged, dir);
    if (!(await stat(host).then((s) => s.isDirectory(), () => false))) {
      await mkdir(host, { recursive: true, mode: 0o755 });
      await b.d.snapshotter.unmountRootfs(mount.id);
      diffId = (await diffToLayer(mount.upper, b.d.blobs, { overlay: true, lease: b.lease, ...(b.epoch !== undefined ? { epoch: b.epoch } : {}) })).diffId;
    }
  } finally {
    await b.d.snapshotter.removeRootfs(mount.id);
  }
  if (diffId !== undefined) st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diffId] };
  st.config.history = [...(st.config.history ?? []), { created: b.now(), created_by: createdBy, ...(diffId === undefined ? { empty_layer: true } : {}) }];
  const id = await commitStage(b, st);
  b.cache.put(key, id);
  st.say(` ---> ${shortId(id)}\n`);
}
