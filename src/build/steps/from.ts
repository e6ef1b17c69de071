// FROM: a stage starts from an earlier stage's result, from scratch, or from
// an image (pulled when needed), whose ONBUILD triggers then run as this
// stage's first steps.
import { invalidArgument } from '../../core/errors.ts';
import { shortId } from '../../core/ids.ts';
import type { OciContainerConfig, OciImageConfig } from '../../image/index.ts';
import type { BuildSession } from '../build-session.ts';
import { clone, configOf, defaultPath, type StageState } from '../build-state.ts';
import { parseInstructions, type Stage } from '../parser/index.ts';
import { dispatchStep } from './dispatch.ts';

export async function fromStep(b: BuildSession, index: number, stage: Stage, say: (text: string) => void, firstStep: number): Promise<StageState> {
  const text = `${stage.origCmd || 'FROM'} ${stage.platform ? `--platform=${stage.platform} ` : ''}${stage.baseName}${stage.name ? ` AS ${stage.name}` : ''}`;
  say(`Step ${firstStep}/${b.total} : ${text}`);
  say('\n');
  const step = firstStep + 1;
  const base = b.expand(stage.baseName, b.globalArgs);
  const args = new Map<string, string | undefined>();
  const fromStage = b.stageByName(base, index);
  if (fromStage !== undefined) {
    const config = b.stageConfigs.get(fromStage);
    if (config === undefined) throw invalidArgument(`stage ${base} was not built`);
    const imageId = b.stageImages.get(fromStage);
    say(` ---> ${imageId ? shortId(imageId) : ''}\n`);
    return { imageId, config: clone(config), args, cmdSet: false, say, step };
  }
  if (base.toLowerCase() === 'scratch') {
    const config: OciImageConfig = {
      architecture: b.platform.arch,
      os: b.platform.os,
      config: { Env: [defaultPath] },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    };
    say(' ---> \n');
    return { imageId: undefined, config, args, cmdSet: false, say, step };
  }
  const image = await b.baseImage(base);
  say(` ---> ${shortId(image.id)}\n`);
  const st: StageState = { imageId: image.id, config: configOf(image), args, cmdSet: false, say, step };
  // As dockerd's beginStage: a base image without PATH gets the default one.
  const env = st.config.config?.Env ?? [];
  if (!env.some((e) => e.startsWith('PATH='))) (st.config.config as OciContainerConfig).Env = [...env, defaultPath];
  await onbuildTriggers(b, st);
  return st;
}

/** Runs the base image's ONBUILD triggers, then clears them (as Docker does). */
async function onbuildTriggers(b: BuildSession, st: StageState): Promise<void> {
  const triggers = st.config.config?.OnBuild ?? [];
  if (triggers.length === 0) return;
  st.say(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
  const parsed = parseInstructions(`FROM scratch\n${triggers.join('\n')}\n`, { file: 'ONBUILD' });
  (st.config.config as OciContainerConfig).OnBuild = null;
  for (const cmd of parsed.stages[0]?.commands ?? []) await dispatchStep(b, st, cmd);
}
