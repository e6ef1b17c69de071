// A step that changes only the image config (ENV, LABEL, CMD, ARG, …): looked
// up in the cache, else the change is applied and committed with one
// empty_layer history entry, as the classic builder does.
import { shortId } from '../../core/ids.ts';
import type { OciContainerConfig } from '../../image/index.ts';
import type { BuildSession } from '../build-session.ts';
import { clone, nop, type StageState } from '../build-state.ts';
import { commitStage } from '../layer-commit.ts';
import { tryCache } from '../step-cache.ts';

export async function metaStep(b: BuildSession, st: StageState, text: string, mutate: (c: OciContainerConfig) => void, author?: string): Promise<void> {
  // Docker's metadata steps join "#(nop) " and the text as two words (two spaces); WORKDIR, COPY and ADD use one.
  // After the change: a SHELL step's own line already shows the new shell, as in docker.
  const changed = clone(st.config.config ?? {});
  mutate(changed);
  const createdBy = nop(` ${text}`, changed.Shell);
  const key = b.cache.key([st.imageId ?? JSON.stringify(st.config), createdBy]);
  if (await tryCache(b, st, key, createdBy, mutate)) return;
  const c = clone(st.config.config ?? {});
  mutate(c);
  st.config.config = c;
  if (author !== undefined) st.config.author = author;
  st.config.history = [...(st.config.history ?? []), { created: b.now(), created_by: createdBy, empty_layer: true }];
  const id = await commitStage(b, st);
  b.cache.put(key, id);
  st.say(` ---> ${shortId(id)}\n`);
}
