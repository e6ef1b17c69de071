// What dockerd's classic builder does with a build context before the build
// (builder/remotecontext detect.go): find the Dockerfile (the given path, else
// `Dockerfile`, falling back to `dockerfile`), refuse an empty one, and remove
// the `.dockerignore` and the Dockerfile from the context when the
// `.dockerignore` it carries matches them. Nothing else is filtered on the
// server: leaving out ignored files is the client's job (docker-py, the CLI).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { internal, invalidArgument } from '../core/errors.ts';
import { resolveInRoot } from '../runtime/index.ts';
import { cleanPath, dockerignoreMatcher } from '../core/dockerignore.ts';

export interface ContextDockerfile {
  /** The Dockerfile's text. */
  readonly text: string;
  /** Its path in the context as found (`Dockerfile`, `dockerfile`, `sub/app.Dockerfile`). */
  readonly path: string;
}

const notThere = (err: unknown) => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** Reads the Dockerfile at `name` in the context `dir`, with dockerd's errors. */
export async function readContextDockerfile(dir: string, name: string | undefined): Promise<ContextDockerfile> {
  const wanted = name === undefined || name === '' ? 'Dockerfile' : name;
  const clean = cleanPath(wanted.replace(/^\/+/, ''));
  if (clean === '..' || clean.startsWith('../')) throw internal(`forbidden path outside the build context: ${wanted} ()`);
  // Only the default name falls back to its lower-case form.
  for (const path of wanted === 'Dockerfile' ? ['Dockerfile', 'dockerfile'] : [clean]) {
    let text: string;
    try {
      text = await readFile(await resolveInRoot(dir, path), 'utf8');
    } catch (err) {
      if (notThere(err)) continue;
      throw err;
    }
    if (text === '') throw invalidArgument(`the Dockerfile (${path === clean ? wanted : path}) cannot be empty`);
    return { text, path };
  }
  throw internal(`Cannot locate specified Dockerfile: ${wanted}`);
}

/** Removes `.dockerignore` and the Dockerfile from the context when its .dockerignore matches them. */
export async function removeIgnoredBuildFiles(dir: string, dockerfilePath: string): Promise<void> {
  let ignore: string;
  try {
    ignore = await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch (err) {
    if (notThere(err)) return;
    throw err;
  }
  const matcher = dockerignoreMatcher(ignore);
  for (const path of ['.dockerignore', dockerfilePath]) {
    if (matcher.matches(path)) await rm(await resolveInRoot(dir, path), { recursive: true, force: true });
  }
}
