// ARG inside a stage: each name takes the build arg given for it, else its
// default (expanded with the stage's variables so far), else the global ARG
// of that name; the step itself is config-only.
import type { BuildSession } from '../build-session.ts';
import type { StageState } from '../build-state.ts';
import type { ArgCommand } from '../parser/index.ts';
import { metaStep } from './meta-step.ts';

export async function argStep(b: BuildSession, st: StageState, cmd: ArgCommand): Promise<void> {
  const texts: string[] = [];
  for (const a of cmd.args) {
    const given = b.buildArg(a.key);
    let value: string | undefined = given;
    if (value === undefined && a.value !== undefined) value = b.expand(a.value, b.vars(st));
    if (value === undefined && b.globalArgs.has(a.key)) value = b.globalArgs.get(a.key);
    st.args.set(a.key, value);
    texts.push(a.value !== undefined ? `${a.key}=${a.value}` : a.key);
  }
  await metaStep(b, st, `ARG ${texts.join(' ')}`, () => undefined);
}
