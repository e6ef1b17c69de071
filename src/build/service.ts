// The build service the engine exposes: takes the context tar of `POST /build`,
// extracts it under the data root, finds the Dockerfile in it (Docker's rules:
// the given path, else `Dockerfile`, falling back to `dockerfile`), runs the
// executor and always removes the extracted context.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { treeSize } from '../store/index.ts';
import { invalidArgument } from '../core/errors.ts';
import { readContextDockerfile, removeIgnoredBuildFiles } from './classic-context.ts';
import { extractContext } from './context.ts';
import { fetchRemoteContext, type RemoteContext, type RemoteProgress } from './remote-context.ts';
import { dockerfileErrorDetail } from './parser/errors.ts';
import type { BuildDeps, BuildEmit, BuildRequest, BuildResult } from './build-request.ts';
import { runBuild } from './run-build.ts';

export interface BuildOptions extends Omit<BuildRequest, 'dockerfile' | 'dockerfileName' | 'contextDir'> {
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
  return {
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
      const signal = options.signal ? { signal: options.signal } : {};
      const ctx: RemoteContext = options.remote
        ? await fetchRemoteContext(options.remote, deps.tmpDir, { progress: options.remoteProgress ?? (() => undefined), ...signal })
        : await extractContext(context, deps.tmpDir, { log: deps.log, ...signal });
      try {
        // A plain Dockerfile at a URL comes with an empty context.
        const df = ctx.dockerfile !== undefined ? { text: ctx.dockerfile, path: 'Dockerfile' } : await readContextDockerfile(ctx.dir, options.dockerfile);
        if (ctx.dockerfile === undefined) await removeIgnoredBuildFiles(ctx.dir, df.path);
        const { dockerfile: _name, remote: _remote, remoteProgress: _progress, ...rest } = options;
        return await runBuild(deps, { ...rest, dockerfile: df.text, dockerfileName: posix.basename(df.path), contextDir: ctx.dir }, emit).catch((err: unknown) => {
          throw classicParseError(err, options.dockerfile || 'Dockerfile');
        });
      } finally {
        await ctx.dispose();
      }
    },
  };
}
