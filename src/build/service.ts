// The build service the engine exposes: takes the context tar of `POST /build`
// (held in memory when small, else extracted under the data root: context.ts),
// finds the Dockerfile in it (Docker's rules: the given path, else
// `Dockerfile`, falling back to `dockerfile`), runs the executor and always
// removes whatever of the context went to disk. It knows the builds in
// flight: berthd's shutdown cancels them and waits for their RUN containers
// to go, and its start ends the RUN containers of builds a crash killed.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { treeSize } from '../store/index.ts';
import { errorMessage, invalidArgument, isNotFound } from '../core/errors.ts';
import { readContextDockerfile, removeIgnoredBuildFiles } from './classic-context.ts';
import { receiveContext } from './context.ts';
import { fetchRemoteContext, type RemoteContext, type RemoteProgress } from './remote-context.ts';
import { dockerfileErrorDetail } from './parser/errors.ts';
import type { BuildDeps, BuildEmit, BuildRequest, BuildResult } from './build-request.ts';
import { runBuild } from './run-build.ts';
import { sweepSecretMounts } from './secret-tmpfs.ts';
import { StepMarkers } from './step-markers.ts';
import { span } from '../lib/trace.ts';

export interface BuildOptions extends Omit<BuildRequest, 'dockerfile' | 'dockerfileName' | 'context'> {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  readonly dockerfile?: string;
  /** A URL or git repository to fetch the context from (the body is then not read). */
  readonly remote?: string;
  /** Download progress of a remote context, as dockerd's JSON messages. */
  readonly remoteProgress?: RemoteProgress;
}

export interface BuildService {
  /** Builds from a context tar; progress goes to `emit`. Throws the failing step's error. */
  build(context: AsyncIterable<Uint8Array>, options: BuildOptions, emit: BuildEmit): Promise<BuildResult>;
  /** `docker builder prune`: empties the RUN --mount=type=cache directories. */
  prune(): Promise<{ cachesDeleted: string[]; spaceReclaimed: number }>;
  /**
   * At start-up, once the containers are restored: ends and removes the RUN
   * containers of builds that berthd died in. Best effort, logged.
   */
  reapInterrupted(): Promise<string[]>;
  /** berthd stops: cancels the builds in flight and waits (up to `ms`) until they have removed their RUN containers. */
  close(ms?: number): Promise<void>;
}

/** A Dockerfile syntax error in the words of dockerd 20.10's classic builder. */
function classicParseError(err: unknown, name: string): unknown {
  const detail = dockerfileErrorDetail(err);
  if (detail === undefined) return err;
  // BuildKit's suggestion ("did you mean FROM?") is not the classic builder's.
  const reason = detail.reason.replace(/ \(did you mean [^)]*\)$/, '');
  return invalidArgument(detail.line > 0 && reason !== 'file with no instructions' ? `dockerfile parse error line ${detail.line}: ${reason}` : `failed to parse ${name}: ${reason}`, err);
}

export async function createBuildService(deps: BuildDeps): Promise<BuildService> {
  // Contexts of builds interrupted by a crash.
  await rm(deps.tmpDir, { recursive: true, force: true });
  await mkdir(deps.tmpDir, { recursive: true, mode: 0o700 });
  const cacheRoot = deps.cacheMountRoot ?? join(deps.tmpDir, '..', 'build-cache-mounts');
  // Secret mounts of steps a crash cut short before they were detached.
  const swept = await sweepSecretMounts(join(deps.runDir, 'secrets'));
  if (swept.length > 0) deps.log.warn('removed the secret mount points of interrupted builds', { count: swept.length });
  const markers = new StepMarkers(join(deps.runDir, 'steps'));
  const running = new Set<{ stop: AbortController; done: Promise<unknown> }>();
  // Contexts being removed after their build answered: the client need not wait for the removal
  // (start-up wipes tmpDir, so a crash meanwhile leaves nothing behind); close() waits for them.
  const disposing = new Set<Promise<void>>();
  const disposeLater = (ctx: RemoteContext) => {
    const p = ctx
      .dispose()
      .catch((err: unknown) => deps.log.warn('cannot remove a build context', { err: errorMessage(err) }))
      .finally(() => disposing.delete(p));
    disposing.add(p);
  };
  return {
    async reapInterrupted() {
      const ids = await markers.list();
      for (const id of ids) {
        deps.log.warn('removing the RUN container of a build berthd died in', { container: id });
        await deps.containers.remove(id, { force: true }).catch((err: unknown) => {
          if (!isNotFound(err)) deps.log.error('could not remove an interrupted build container', { container: id, err: errorMessage(err) });
        });
        await markers.remove(id);
      }
      return ids;
    },
    async close(ms = 15_000) {
      const builds = [...running];
      for (const r of builds) r.stop.abort(new Error('berthd is shutting down'));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([Promise.allSettled(builds.map((r) => r.done)).then(() => Promise.allSettled([...disposing])), late]);
      clearTimeout(timer);
    },
    async prune() {
      const names = await readdir(cacheRoot).catch(() => [] as string[]);
      let spaceReclaimed = 0;
      for (const n of names) {
        spaceReclaimed += await treeSize(join(cacheRoot, n));
        await rm(join(cacheRoot, n), { recursive: true, force: true });
      }
      return { cachesDeleted: names, spaceReclaimed };
    },
    async build(context, options, emit) {
      const stop = new AbortController();
      const done = buildOne(context, { ...options, signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal }, emit);
      const entry = { stop, done };
      running.add(entry);
      try {
        return await done;
      } finally {
        running.delete(entry);
      }
    },
  };

  async function buildOne(context: AsyncIterable<Uint8Array>, options: BuildOptions, emit: BuildEmit): Promise<BuildResult> {
    const signal = options.signal ? { signal: options.signal } : {};
    const ctx: RemoteContext = options.remote
      ? await fetchRemoteContext(options.remote, deps.tmpDir, { progress: options.remoteProgress ?? (() => undefined), ...signal })
      : await span('build: receive context', undefined, () => receiveContext(context, deps.tmpDir, { log: deps.log, ...signal }));
    try {
      // A plain Dockerfile at a URL comes with an empty context.
      const df = await span('build: read Dockerfile', undefined, async () => {
        const found = ctx.dockerfile !== undefined ? { text: ctx.dockerfile, path: 'Dockerfile' } : await readContextDockerfile(ctx.fs, ctx.root, options.dockerfile);
        if (ctx.dockerfile === undefined) await removeIgnoredBuildFiles(ctx.fs, ctx.root, found.path);
        return found;
      });
      const { dockerfile: _name, remote: _remote, remoteProgress: _progress, ...rest } = options;
      return await span('build: run', undefined, () => runBuild(deps, { ...rest, dockerfile: df.text, dockerfileName: posix.basename(df.path), context: ctx }, emit)).catch((err: unknown) => {
        throw classicParseError(err, options.dockerfile || 'Dockerfile');
      });
    } finally {
      disposeLater(ctx);
    }
  }
}
