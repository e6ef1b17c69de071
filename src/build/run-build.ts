// runBuild: runs a parsed Dockerfile the way Docker's classic builder does.
// Stages are planned as a graph (only those the target needs are built) and
// run as soon as the stages they depend on are done; each instruction is one
// step (./stage-runner.ts, ./steps/) that commits an intermediate image
// (metadata steps add an empty_layer history entry; RUN runs a container and
// COPY/ADD write into a mounted snapshot, each then diffed into a layer),
// every step is first looked up in the build cache, and progress is reported
// as the classic builder's text lines (`Step 2/5 : RUN …`, ` ---> Using cache`, …).
import { BerthError, errorMessage, invalidArgument } from '../core/errors.ts';
import { familiarName, normalizeTagged, parseReference } from '../core/reference.ts';
import type { BuildDeps, BuildEmit, BuildRequest, BuildResult } from './build-request.ts';
import { BuildSession } from './build-session.ts';
import { proxyArgs, type StageState } from './build-state.ts';
import { commitStage } from './layer-commit.ts';
import { parseInstructions, type Stage } from './parser/index.ts';
import { buildLabelSteps, runStage } from './stage-runner.ts';
import { planStages, stageDependencies } from './stage-graph.ts';
import { spanSync } from '../lib/trace.ts';

/** Runs one build; throws the step's error (StepFailedError for a failing RUN). */
export async function runBuild(deps: BuildDeps, req: BuildRequest, emit: BuildEmit): Promise<BuildResult> {
  const b = new BuildSession(deps, req, emit);
  try {
    return await build(b);
  } catch (err) {
    if (err instanceof Error && !(err instanceof BerthError)) throw invalidArgument(errorMessage(err), err);
    throw err;
  } finally {
    b.lease.release();
  }
}

async function build(b: BuildSession): Promise<BuildResult> {
  b.instructions = spanSync('build: parse', undefined, () => parseInstructions(b.r.dockerfile, { file: b.r.dockerfileName }));
  b.escape = b.instructions.directives.escape;
  const stages = b.instructions.stages;
  if (stages.length === 0) throw invalidArgument('the Dockerfile (Dockerfile) cannot be empty');

  // Global scope: platform args, then ARGs before the first FROM.
  for (const [k, v] of Object.entries(b.platformArgs())) b.globalArgs.set(k, v);
  for (const meta of b.instructions.metaArgs) {
    for (const a of meta.args) {
      const given = b.buildArg(a.key);
      const value = given ?? (a.value !== undefined ? b.expand(a.value, b.globalArgs) : undefined);
      if (value !== undefined) b.globalArgs.set(a.key, value);
    }
  }

  const plan = planStages(stages, { ...(b.r.target ? { target: b.r.target } : {}), expand: (w) => b.expand(w, b.globalArgs) });
  b.total = plan.reduce((n, i) => n + 1 + (stages[i] as Stage).commands.length, 0) + Object.keys(b.r.labels).length;

  const last = await runStages(b, plan);
  const id = last.imageId ?? (await commitStage(b, last));

  const unused = Object.keys(b.r.buildArgs).filter((k) => !b.usedArgs.has(k) && !proxyArgs.has(k) && k !== 'SOURCE_DATE_EPOCH');
  if (unused.length > 0) b.say(`[Warning] One or more build-args [${unused.sort().join(' ')}] were not consumed\n`);

  const tags: string[] = [];
  for (const t of b.r.tags) {
    const ref = normalizeTagged(t);
    // A rebuild that changed nothing leaves the tag as it is (no metadata write).
    if (b.d.meta.resolveTag(ref) !== id) await b.d.images.tag(id, ref);
    tags.push(familiarName(parseReference(ref)));
  }
  return { id, tags };
}

/**
 * Runs the planned stages, each as soon as the stages it depends on are done
 * (independent stages in parallel). Output keeps Dockerfile order: a stage
 * prints live while it is the earliest unfinished one, else into a buffer
 * that is flushed when its turn comes. Each stage ends with its image id
 * as an `aux` message, as the classic builder's do.
 */
async function runStages(b: BuildSession, plan: readonly number[]): Promise<StageState> {
  const stages = b.instructions.stages;
  const deps = stageDependencies(stages, (w) => b.expand(w, b.globalArgs));
  type Message = Parameters<BuildEmit>[0];
  const buffers = plan.map(() => [] as Message[]);
  const done = plan.map(() => false);
  let turn = 0;
  const advance = () => {
    while (turn < plan.length && done[turn]) {
      turn++;
      if (turn < plan.length) for (const m of (buffers[turn] as Message[]).splice(0)) b.emit(m);
    }
  };
  const results = new Map<number, Promise<StageState>>();
  let firstStep = 1;
  for (let k = 0; k < plan.length; k++) {
    const index = plan[k] as number;
    const stage = stages[index] as Stage;
    const emit = (m: Message) => {
      if (turn === k) b.emit(m);
      else (buffers[k] as Message[]).push(m);
    };
    const say = (text: string) => emit({ stream: text });
    const start = firstStep;
    firstStep += 1 + stage.commands.length;
    const isLast = k === plan.length - 1;
    const waitFor = (deps[index] ?? []).map((i) => results.get(i)).filter((p): p is Promise<StageState> => p !== undefined);
    const p = (async () => {
      await Promise.all(waitFor);
      const st = await runStage(b, index, stage, say, start);
      if (isLast) await buildLabelSteps(b, st);
      if (st.imageId !== undefined) emit({ aux: { ID: st.imageId } });
      b.stageImages.set(index, st.imageId);
      b.stageConfigs.set(index, st.config);
      return st;
    })();
    // One failing stage stops the others at their next step.
    p.catch((err: unknown) => b.abort.abort(err));
    p.then(
      () => {
        done[k] = true;
        advance();
      },
      () => undefined,
    );
    results.set(index, p);
  }
  const settled = await Promise.allSettled([...results.values()]);
  // A stage's own failure comes before the aborts it caused in the others.
  const failure = b.abort.signal.aborted ? b.abort.signal.reason : undefined;
  if (failure !== undefined) {
    for (let k = turn; k < plan.length; k++) for (const m of (buffers[k] as Message[]).splice(0)) b.emit(m);
    throw failure;
  }
  const lastResult = settled[settled.length - 1];
  if (lastResult?.status !== 'fulfilled') throw invalidArgument('nothing to build');
  return lastResult.value;
}
