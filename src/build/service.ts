// The build service the engine exposes: takes the context tar of `POST /build`,
// extracts it under the data root, finds the Dockerfile in it (Docker's rules:
// the given path, else `Dockerfile`, falling back to `dockerfile`), runs the
// executor and always removes the extracted context.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { treeSize } from '../store/index.ts';
import { invalidArgument } from '../core/errors.ts';
import { resolveInRoot } from '../runtime/index.ts';
import { extractContext } from './context.ts';
import { runBuild, type BuildDeps, type BuildEmit, type BuildRequest, type BuildResult } from './executor.ts';

export interface BuildOptions extends Omit<BuildRequest, 'dockerfile' | 'dockerfileName' | 'contextDir'> {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  readonly dockerfile?: string;
}

export interface BuildService {
  /** Builds from a context tar; progress goes to `emit`. Throws the failing step's error. */
  build(context: AsyncIterable<Uint8Array>, options: BuildOptions, emit: BuildEmit): Promise<BuildResult>;
  /** `docker builder prune`: empties the RUN --mount=type=cache directories. */
  prune(): Promise<{ cachesDeleted: string[]; spaceReclaimed: number }>;
}

async function readDockerfile(dir: string, name: string | undefined): Promise<{ text: string; name: string }> {
  const wanted = name && name !== '' ? name : 'Dockerfile';
  const candidates = name && name !== '' ? [wanted] : ['Dockerfile', 'dockerfile'];
  for (const c of candidates) {
    const rel = posix.normalize(`/${c}`).slice(1);
    try {
      return { text: await readFile(await resolveInRoot(dir, rel), 'utf8'), name: posix.basename(c) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw err;
    }
  }
  throw invalidArgument(`Cannot locate specified Dockerfile: ${wanted}`);
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
      const ctx = await extractContext(context, deps.tmpDir, { log: deps.log, ...(options.signal ? { signal: options.signal } : {}) });
      try {
        const df = await readDockerfile(ctx.dir, options.dockerfile);
        const { dockerfile: _name, ...rest } = options;
        return await runBuild(deps, { ...rest, dockerfile: df.text, dockerfileName: df.name, contextDir: ctx.dir }, emit);
      } finally {
        await ctx.dispose();
      }
    },
  };
}
