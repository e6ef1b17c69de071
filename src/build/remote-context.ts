// `POST /build?remote=…`: a context the daemon fetches itself, as dockerd's
// classic builder does (builder/remotecontext): a git repository
// (`git://`, `git@`, `github.com/`, or an http(s) URL ending in `.git`, with
// `#ref:subdir`), cloned with git; or an http(s) URL whose body is a context
// tar (any compression) or, when it is text, the Dockerfile itself.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError, ErrorKind, errorMessage, internal, notFound } from '../core/errors.ts';
import { resolveInRoot } from '../runtime/index.ts';
import { diskContext, receiveContext, type BuildContext } from './context.ts';

export interface RemoteContext extends BuildContext {
  /** The Dockerfile's text when the URL was a plain Dockerfile (the context is then empty). */
  readonly dockerfile?: string;
}

/** Progress of a download, in the shape dockerd sends (its `id` and `status` are swapped). */
export type RemoteProgress = (m: Record<string, unknown>) => void;

const isUrl = (s: string) => s.startsWith('http://') || s.startsWith('https://');

/** dockerd's urlutil.IsGitURL. */
export function isGitUrl(s: string): boolean {
  if (isUrl(s) && /.git(?:#.+)?$/.test(s)) return true;
  return s.startsWith('git://') || s.startsWith('github.com/') || s.startsWith('git@');
}

/** docker's units.HumanSize: four significant digits, decimal units. */
function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

function git(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Clones `url` (`repo#ref:subdir`) the way dockerd's gitutils.Clone does. */
async function cloneGit(url: string, tmpRoot: string): Promise<BuildContext> {
  const hash = url.indexOf('#');
  let remote = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash + 1);
  const [ref = '', subdir = ''] = fragment.split(':');
  if (remote.startsWith('github.com/')) remote = `https://${remote}`;
  const base = await mkdtemp(join(tmpRoot, 'git-'));
  const dispose = () => rm(base, { recursive: true, force: true });
  try {
    const root = join(base, 'ctx');
    await mkdir(root);
    const step = async (args: string[], what: (out: string) => string) => {
      const r = await git(args, root);
      if (r.code !== 0) throw internal(`${what(r.output)}: exit status ${r.code}`);
    };
    await step(['init'], (o) => `failed to init repo at ${root}: ${o}`);
    await step(['remote', 'add', 'origin', remote], (o) => `failed add origin repo at ${root}: ${o}`);
    // A shallow fetch needs git's smart protocol; a dumb http server answers only a full one.
    const shallow = !isUrl(remote) || (await smartHttp(remote));
    await step(['fetch', ...(shallow ? ['--depth', '1'] : []), 'origin', ref || 'master'], (o) => `error fetching: ${o}`);
    const co = await git(['checkout', ref || 'master'], root);
    if (co.code !== 0 && (await git(['checkout', 'FETCH_HEAD'], root)).code !== 0) throw internal(`error checking out ${ref || 'master'}: ${co.output}: exit status ${co.code}`);
    await git(['submodule', 'update', '--init', '--recursive', '--depth=1'], root);
    let dir = root;
    if (subdir !== '') {
      dir = await resolveInRoot(root, subdir);
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw internal(`error setting git context, not a directory: ${dir}`);
    }
    return diskContext(dir, dispose);
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function smartHttp(remote: string): Promise<boolean> {
  try {
    const res = await fetch(`${remote}/info/refs?service=git-upload-pack`);
    await res.arrayBuffer();
    return res.headers.get('content-type') === 'application/x-git-upload-pack-advertisement';
  } catch {
    return false;
  }
}

/** dockerd's GetWithStatusError: the status decides the error kind. */
async function getWithStatus(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; address?: string; port?: number; hostname?: string } }).cause;
    // Go's net/http words for the usual failures.
    const why =
      cause?.code === 'ECONNREFUSED' ? `dial tcp ${cause.address}:${cause.port}: connect: connection refused`
      : cause?.code === 'ENOTFOUND' ? `dial tcp: lookup ${cause.hostname ?? new URL(url).hostname}: no such host`
      : errorMessage(cause ?? err);
    const text = `Get ${JSON.stringify(url)}: ${why}`;
    throw cause?.code === 'ENOTFOUND' ? notFound(text, err) : internal(text, err);
  }
  if (res.status < 400) return res;
  const body = (await res.text().catch(() => '')).trim();
  const msg = `failed to GET ${url} with status ${res.status} ${res.statusText}: ${body}`;
  const kind = { 404: ErrorKind.NotFound, 400: ErrorKind.InvalidArgument, 401: ErrorKind.Unauthenticated, 403: ErrorKind.PermissionDenied }[res.status] ?? ErrorKind.Internal;
  throw new BerthError(kind, msg);
}

/** Whether the first bytes look like text (Go's http.DetectContentType would say text/plain). */
function looksLikeText(b: Buffer): boolean {
  if (b[0] === 0x1f && b[1] === 0x8b) return false;
  for (const c of b) if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) return false;
  return true;
}

async function download(url: string, tmpRoot: string, progress: RemoteProgress, signal?: AbortSignal): Promise<RemoteContext> {
  const wrap = (err: unknown) => (err instanceof BerthError ? new BerthError(err.code, `error downloading remote context ${url}: ${err.message}`, { cause: err }) : err);
  const res = await getWithStatus(url).catch((err: unknown) => Promise.reject(wrap(err)));
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length === 0) throw internal(`error detecting content type for remote ${url}: empty response`);
  let type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === '' || type === 'application/octet-stream') type = looksLikeText(body.subarray(0, 100)) ? 'text/plain' : 'application/octet-stream';
  if (type !== 'text/plain' && !/(?:(?:x-)?tar|octet-stream|gzip|x-bzip2|x-xz|xz)$/.test(type)) {
    throw internal(`error detecting content type for remote ${url}: unsupported Content-Type ${JSON.stringify(res.headers.get('content-type') ?? '')}`);
  }
  // dockerd reports the download when its reader sees the end of the body: always for a Dockerfile
  // (read to the end), for an archive only when the length was known (else the extractor stops first).
  const reported = type === 'text/plain' || res.headers.get('content-length') !== null;
  if (reported) progress({ status: url, progressDetail: { current: body.length }, progress: humanSize(body.length).padStart(8), id: 'Downloading context' });
  if (type === 'text/plain') {
    progress({});
    const base = await mkdtemp(join(tmpRoot, 'ctx-'));
    await mkdir(join(base, 'ctx'));
    return { ...diskContext(join(base, 'ctx'), () => rm(base, { recursive: true, force: true })), dockerfile: body.toString('utf8') };
  }
  return receiveContext(Readable.from([body]), tmpRoot, signal ? { signal } : {});
}

/** Fetches the context `remote` names into a fresh directory under `tmpRoot`. */
export async function fetchRemoteContext(remote: string, tmpRoot: string, options: { progress: RemoteProgress; signal?: AbortSignal }): Promise<RemoteContext> {
  if (isGitUrl(remote)) return cloneGit(remote, tmpRoot);
  if (isUrl(remote)) return download(remote, tmpRoot, options.progress, options.signal);
  throw internal(`remoteURL (${remote}) could not be recognized as URL`);
}
