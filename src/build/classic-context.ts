// What dockerd's classic builder does with a build context before the build
// (builder/remotecontext detect.go): find the Dockerfile (the given path, else
// `Dockerfile`, falling back to `dockerfile`), refuse an empty one, and remove
// the `.dockerignore` and the Dockerfile from the context when the
// `.dockerignore` it carries matches them. Nothing else is filtered on the
// server: leaving out ignored files is the client's job (docker-py, the CLI).
import { internal, invalidArgument } from '../core/errors.ts';
import { cleanPath, dockerignoreMatcher } from '../core/dockerignore.ts';
import { fsError, type SourceFs } from './context-fs.ts';

export interface ContextDockerfile {
  /** The Dockerfile's text. */
  readonly text: string;
  /** Its path in the context as found (`Dockerfile`, `dockerfile`, `sub/app.Dockerfile`). */
  readonly path: string;
}

/** A file's text, `path` resolved in `root` (as readFile of resolveInRoot's path). */
async function readText(fs: SourceFs, root: string, path: string): Promise<string> {
  const p = await fs.resolve(root, path);
  const st = await fs.stat(p);
  if (st.isDirectory()) throw fsError('EISDIR', 'read', p);
  const parts: Uint8Array[] = [];
  for await (const c of fs.content(p, st.size)) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

const notThere = (err: unknown) => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** Reads the Dockerfile at `name` in the context (`root` in `fs`), with dockerd's errors. */
export async function readContextDockerfile(fs: SourceFs, root: string, name: string | undefined): Promise<ContextDockerfile> {
  const wanted = name === undefined || name === '' ? 'Dockerfile' : name;
  const clean = cleanPath(wanted.replace(/^\/+/, ''));
  if (clean === '..' || clean.startsWith('../')) throw internal(`forbidden path outside the build context: ${wanted} ()`);
  // Only the default name falls back to its lower-case form.
  for (const path of wanted === 'Dockerfile' ? ['Dockerfile', 'dockerfile'] : [clean]) {
    let text: string;
    try {
      text = await readText(fs, root, path);
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
export async function removeIgnoredBuildFiles(fs: SourceFs, root: string, dockerfilePath: string): Promise<void> {
  let ignore: string;
  try {
    ignore = await readText(fs, root, '.dockerignore');
  } catch (err) {
    if (notThere(err)) return;
    throw err;
  }
  const matcher = dockerignoreMatcher(ignore);
  for (const path of ['.dockerignore', dockerfilePath]) {
    if (matcher.matches(path)) await fs.remove(await fs.resolve(root, path));
  }
}
