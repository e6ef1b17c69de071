// One stage of a build: its FROM, then each instruction as a numbered step
// (`Step 2/5 : RUN …`), stopping when the build is cancelled or another
// stage failed; and the build's --label steps that end the last stage.
import type { BuildSession } from './build-session.ts';
import type { StageState } from './build-state.ts';
import type { Stage } from './parser/index.ts';
import { dispatchStep } from './steps/dispatch.ts';
import { fromStep } from './steps/from.ts';
import { metaStep } from './steps/meta-step.ts';
import { markFailedStep } from './step-error.ts';
import { span } from '../lib/trace.ts';

export async function runStage(b: BuildSession, index: number, stage: Stage, say: (text: string) => void, firstStep: number): Promise<StageState> {
  const st = await span('build: step', { kind: 'FROM' }, () => fromStep(b, index, stage, say, firstStep));
  for (const cmd of stage.commands) {
    b.r.signal?.throwIfAborted();
    b.abort.signal.throwIfAborted();
    const stepLine = `Step ${st.step++}/${b.total} : ${cmd.original}`;
    st.say(stepLine);
    st.say('\n');
    try {
      await span('build: step', { kind: cmd.kind }, () => dispatchStep(b, st, cmd));
    } catch (err) {
      markFailedStep(err, stepLine);
      throw err;
    }
  }
  return st;
}

/** The build's labels: one LABEL step each, by key, at the end of the last stage (as dockerd adds them). */
export async function buildLabelSteps(b: BuildSession, st: StageState): Promise<void> {
  for (const [key, value] of Object.entries(b.r.labels).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))) {
    b.r.signal?.throwIfAborted();
    const text = `LABEL ${key}=${value}`;
    st.say(`Step ${st.step++}/${b.total} : ${text}`);
    st.say('\n');
    await metaStep(b, st, text, (c) => {
      c.Labels = { ...(c.Labels ?? {}), [key]: value };
    });
  }
}
