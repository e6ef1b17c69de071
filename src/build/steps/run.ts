// RUN: the command runs in a container of the stage's image (its --mount
// flags set up, the build's network, limits and extra hosts), its output is
// streamed as the classic builder does, and its upper directory becomes the
// step's layer.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.ts';
import { shortId } from '../../core/ids.ts';
import { crashPoint, holdPoint } from '../../lib/crash-point.ts';
import { diffToLayer, runtimeMountPoints } from '../../image/index.ts';
import type { BuildSession } from '../build-session.ts';
import { defaultPath, defaultShell, envMap, proxyArgs, type StageState } from '../build-state.ts';
import { checkExtraHosts } from '../extra-hosts.ts';
import { commitStage, ensureImage } from '../layer-commit.ts';
import type { Mount as RunMount, RunCommand } from '../parser/index.ts';
import { checkRunLimits, checkRunShares } from '../run-limits.ts';
import { runMounts, withSecretEnv } from '../run-mounts.ts';
import { runStep } from '../run-step.ts';
import { StepMarkers } from '../step-markers.ts';
import { StepFailedError } from '../step-error.ts';
import { tryCache } from '../step-cache.ts';

/**
 * The network a RUN step's container joins: `RUN --network=none|host` wins,
 * else the build's `--network`; `default` (or nothing) is the default bridge,
 * as with docker's classic builder — its own netns, released when the step exits.
 */
export function runNetworkMode(step: string, build: string | undefined): string {
  if (step === 'none' || step === 'host') return step;
  return build === undefined || build === '' || build === 'default' ? 'bridge' : build;
}

function withHeredocs(line: string, files: readonly { name: string; data: string }[]): string {
  if (files.length === 0) return line;
  // `RUN <<EOF` alone: the heredoc is the script (BuildKit runs it with the shell).
  if (files.length === 1 && /^<<-?\s*["']?[^"'\s]+["']?$/.test(line.trim())) return (files[0] as { data: string }).data;
  return `${line}\n${files.map((f) => `${f.data}${f.name}\n`).join('')}`;
}

/** Build args passed to RUN as environment: declared ARGs with values not shadowed by ENV, plus given proxy args. */
function runArgs(b: BuildSession, st: StageState): string[] {
  const env = envMap(st.config.config?.Env);
  const out: string[] = [];
  for (const [k, v] of st.args) if (v !== undefined && !env.has(k)) out.push(`${k}=${v}`);
  for (const k of proxyArgs) {
    const v = b.r.buildArgs[k];
    if (typeof v === 'string' && !st.args.has(k)) {
      b.usedArgs.add(k);
      out.push(`${k}=${v}`);
    }
  }
  return out.sort();
}

export function runStepCommand(b: BuildSession, st: StageState, cmd: RunCommand): Promise<void> {
  const argv = cmd.prependShell ? [...(st.config.config?.Shell ?? defaultShell), withHeredocs(cmd.cmdLine.join(' '), cmd.files)] : [...cmd.cmdLine];
  return runCommand(b, st, argv, cmd.network, cmd.mounts);
}

async function runCommand(b: BuildSession, st: StageState, argv: string[], network: string, mounts: readonly RunMount[] = []): Promise<void> {
  const args = runArgs(b, st);
  const createdBy = [...(args.length > 0 ? [`|${args.length}`, ...args] : []), ...argv].join(' ');
  const key = b.cache.key([st.imageId ?? JSON.stringify(st.config), 'RUN', createdBy, ...(mounts.length > 0 ? [JSON.stringify(mounts)] : [])]);
  if (await tryCache(b, st, key, createdBy)) return;
  // dockerd checks the hosts when it creates the step's container.
  checkExtraHosts(b.r.extraHosts ?? []);
  if (b.r.runLimits) checkRunLimits(b.r.runLimits, availableParallelism());
  const image = await ensureImage(b, st);
  const c = st.config.config ?? {};
  let containerId: string | undefined;
  let ok = false;
  const mounted = await runMounts(b, st, mounts);
  const markers = new StepMarkers(join(b.d.runDir, 'steps'));
  try {
    const result = await runStep(
      b.d.containers,
      {
        image,
        argv: withSecretEnv(argv, mounted.env),
        env: [...(c.Env ?? [defaultPath]), ...args, ...mounted.plainEnv],
        workingDir: c.WorkingDir ?? '',
        user: c.User ?? '',
        networkMode: runNetworkMode(network, b.r.networkMode),
        mounts: mounted.specs,
        ...(b.r.runLimits ? { limits: b.r.runLimits } : {}),
        ...(b.r.extraHosts ? { extraHosts: b.r.extraHosts } : {}),
      },
      {
        onCreated: async (id) => {
          containerId = id;
          // Before it starts: should berthd die during the step, its next start ends this container.
          await markers.add(id);
          st.say(` ---> Running in ${shortId(id)}\n`);
          if (b.r.runLimits) checkRunShares(b.r.runLimits);
        },
        onStarted: async () => {
          await mounted.detach();
          crashPoint('build.run-started');
        },
        // The classic builder shows the step's stderr in red (ANSI 91), as docker's clients expect.
        onOutput: (text, stream) => st.say(stream === 'stderr' ? `\x1b[91m${text}\x1b[0m` : text),
        ...(b.r.signal ? { signal: b.r.signal } : {}),
      },
    );
    if (result.exitCode !== 0) {
      throw new StepFailedError(`The command '${argv.join(' ')}' returned a non-zero code: ${result.exitCode}`, result.exitCode);
    }
    const upper = b.d.snapshotter.rootfsPaths(result.id, []).upper;
    const exclude = new Set([...runtimeMountPoints, ...mounted.targets]);
    const diff = await diffToLayer(upper, b.d.blobs, { overlay: true, exclude, lease: b.lease, ...(b.epoch !== undefined ? { epoch: b.epoch } : {}) });
    crashPoint('build.layer-written');
    await holdPoint('build.layer-written');
    st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, diff.diffId] };
    st.config.history = [...(st.config.history ?? []), { created: b.now(), created_by: createdBy }];
    const id = await commitStage(b, st);
    b.cache.put(key, id);
    ok = true;
    if (b.r.rm) {
      st.say(`Removing intermediate container ${shortId(result.id)}\n`);
      await b.d.containers.remove(result.id, { force: true });
    }
    st.say(` ---> ${shortId(id)}\n`);
  } finally {
    await mounted.release();
    // A cancelled build (client gone) leaves no running step behind.
    if (!ok && containerId !== undefined && (b.r.forceRm || b.r.signal?.aborted === true)) {
      if (b.r.forceRm) st.say(`Removing intermediate container ${shortId(containerId)}\n`);
      await b.d.containers.remove(containerId, { force: true }).catch((err: unknown) => b.d.log.warn('removing a failed build container failed', { container: containerId, err: errorMessage(err) }));
    }
    if (containerId !== undefined) await markers.remove(containerId).catch((err: unknown) => b.d.log.warn('removing a build step marker failed', { container: containerId, err: errorMessage(err) }));
  }
}
