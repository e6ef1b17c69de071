// cli: `berth build` — sends the context (a directory, or a tar / Dockerfile on
// stdin) to `POST /build` with docker's flags and prints the classic builder's
// output; exits with the failing step's exit code, as docker does.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { buildResourceQuery, type BuildResourceFlags } from '../build-flags.ts';
import { requireDaemon } from '../daemon-requirements.ts';
import { readJsonMessages } from '../../client/index.ts';
import { contextTar, extraDockerfileName, ExitError, describeError, err, getClient, isTerminal, out, loadDockerignore, registryConfigHeader, stdoutStream } from '../../cli-kit/index.ts';
import { encodeBuildSecrets, encodeBuildSsh } from '../../core/build-secrets.ts';
import { plainProgress, progressMode, ttyProgress, type ProgressMode } from './build-progress.ts';

export interface BuildCommandOptions extends BuildResourceFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  platform?: string;
  iidfile?: string;
  network?: string;
  rm?: boolean;
  forceRm?: boolean;
  progress?: string;
  secret?: string[];
  cacheFrom?: string[];
  ssh?: string[];
}

/** `--ssh default|id[=socket]`: agent sockets by id; without a path, $SSH_AUTH_SOCK. */
function sshSockets(list: readonly string[] | undefined): Map<string, string> {
  const outMap = new Map<string, string>();
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    const id = i < 0 ? item : item.slice(0, i);
    const path = i < 0 ? process.env['SSH_AUTH_SOCK'] : item.slice(i + 1);
    if (id === '') throw new ExitError(1, `invalid ssh ${JSON.stringify(item)}`);
    if (path === undefined || path === '') throw new ExitError(1, `invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set (for --ssh ${item})`);
    if (path.includes(',')) throw new ExitError(1, `--ssh ${item}: berth forwards one agent socket per id, not key files`);
    outMap.set(id, resolve(path));
  }
  return outMap;
}

/**
 * `--secret id=x[,src=file|,env=VAR][,type=file|env]` (buildx's syntax): the
 * values by id, read here and sent to berthd in a request header
 * (core/build-secrets.ts), never in the context.
 */
async function readSecrets(list: readonly string[] | undefined): Promise<Map<string, Buffer>> {
  const outMap = new Map<string, Buffer>();
  for (const item of list ?? []) {
    const fields = new Map<string, string>();
    for (const f of item.split(',')) {
      const i = f.indexOf('=');
      if (i < 0) throw new ExitError(1, `invalid secret ${JSON.stringify(item)}: field ${JSON.stringify(f)} must be a key=value pair`);
      fields.set(f.slice(0, i).trim().toLowerCase(), f.slice(i + 1));
    }
    const type = fields.get('type') ?? '';
    if (type !== '' && type !== 'file' && type !== 'env') throw new ExitError(1, `invalid secret ${JSON.stringify(item)}: unsupported type ${JSON.stringify(type)}`);
    const src = fields.get('src') ?? fields.get('source');
    const envName = fields.get('env');
    const id = fields.get('id') ?? (src !== undefined && type !== 'env' ? src.split('/').pop() ?? '' : envName ?? src ?? '');
    if (id === '') throw new ExitError(1, `invalid secret ${JSON.stringify(item)}: no id`);
    if (type === 'env' || (envName !== undefined && src === undefined)) {
      const name = envName ?? src ?? id;
      const v = process.env[name];
      if (v === undefined) throw new ExitError(1, `secret ${id}: environment variable ${name} is not set`);
      outMap.set(id, Buffer.from(v));
    } else {
      const file = src ?? id;
      try {
        outMap.set(id, await readFile(file));
      } catch (e) {
        throw new ExitError(1, `failed to read secret ${id} from ${file}: ${(e as Error).message}`);
      }
    }
  }
  return outMap;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function looksLikeArchive(b: Buffer): boolean {
  if (b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b) return true; // gzip
  if (b.length >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (b.length >= 6 && b[0] === 0xfd && b.subarray(1, 6).toString('latin1') === '7zXZ\0') return true;
  return b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
}

function keyValues(list: readonly string[] | undefined, fromEnv: boolean): Record<string, string | null> {
  const outMap: Record<string, string | null> = {};
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i >= 0) outMap[item.slice(0, i)] = item.slice(i + 1);
    else outMap[item] = fromEnv ? (process.env[item] ?? null) : '';
  }
  return outMap;
}

/**
 * A context of at most `limit` bytes as one buffer: the client then sends it
 * without the version ping that a streamed body needs first (one round trip
 * less on every build); a larger one stays a stream.
 */
async function smallAsBuffer(body: Readable, limit: number): Promise<Buffer | Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = body[Symbol.asyncIterator]();
  for (;;) {
    const next = (await it.next()) as IteratorResult<Buffer>;
    if (next.done) return Buffer.concat(chunks, size);
    chunks.push(next.value);
    size += next.value.length;
    if (size > limit) break;
  }
  return Readable.from((async function* () {
    yield* chunks;
    for (;;) {
      const next = (await it.next()) as IteratorResult<Buffer>;
      if (next.done) return;
      yield next.value;
    }
  })());
}

export async function buildCommand(contextArg: string, opts: BuildCommandOptions): Promise<void> {
  let mode: ProgressMode;
  try {
    mode = progressMode(opts.progress, !!opts.quiet, isTerminal(1));
  } catch (e) {
    throw new ExitError(1, (e as Error).message);
  }
  const secrets = await readSecrets(opts.secret);
  let body: Readable;
  let dockerfileName: string | undefined;
  if (contextArg === '-') {
    if (opts.file === '-') throw new ExitError(1, 'invalid argument: can\'t use stdin for both build context and dockerfile');
    const input = await readStdin();
    if (looksLikeArchive(input)) {
      body = Readable.from([input]);
      if (opts.file) dockerfileName = opts.file;
    } else {
      // Not an archive: stdin is the Dockerfile and the context is empty.
      const name = extraDockerfileName();
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const empty = await mkdtemp(`${tmpdir()}${sep}berth-ctx-`);
      body = await contextTar(empty, { extraDockerfile: input, extraName: name });
      body.once('end', () => void rm(empty, { recursive: true, force: true }));
      dockerfileName = name;
    }
  } else {
    const dir = resolve(contextArg);
    try {
      if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new ExitError(1, `unable to prepare context: path "${contextArg}" not found`);
    }
    let extra: Buffer | undefined;
    let extraName: string | undefined;
    const keep = ['.dockerignore'];
    if (opts.file === '-') {
      extra = await readStdin();
      extraName = extraDockerfileName();
      dockerfileName = extraName;
    } else {
      const file = opts.file !== undefined ? resolve(opts.file) : resolve(dir, 'Dockerfile');
      const rel = relative(dir, file);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        try {
          extra = await readFile(file);
        } catch {
          throw new ExitError(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${file}: no such file or directory`);
        }
        extraName = extraDockerfileName();
        dockerfileName = extraName;
      } else {
        dockerfileName = rel.split(sep).join('/');
        keep.push(dockerfileName);
      }
    }
    const filter = await loadDockerignore(dir);
    body = await contextTar(dir, { ...(filter ? { filter } : {}), keep, ...(extra && extraName ? { extraDockerfile: extra, extraName } : {}) });
  }

  const buildArgs = keyValues(opts.buildArg, true);
  if (process.env['SOURCE_DATE_EPOCH'] !== undefined && !('SOURCE_DATE_EPOCH' in buildArgs)) buildArgs['SOURCE_DATE_EPOCH'] = process.env['SOURCE_DATE_EPOCH'];
  const labels = keyValues(opts.label, false);
  const query: Record<string, string | boolean | readonly string[]> = {
    t: opts.tag ?? [],
    q: mode === 'quiet',
    nocache: !!opts.noCache,
    pull: !!opts.pull,
    rm: opts.rm !== false,
    forcerm: !!opts.forceRm,
    buildargs: JSON.stringify(buildArgs),
    labels: JSON.stringify(labels),
  };
  if (dockerfileName !== undefined) query['dockerfile'] = dockerfileName;
  if (opts.target) query['target'] = opts.target;
  if (opts.platform) query['platform'] = opts.platform;
  if (opts.network) query['networkmode'] = opts.network;
  if (opts.cacheFrom && opts.cacheFrom.length > 0) query['cachefrom'] = JSON.stringify(opts.cacheFrom);
  if (opts.squash) await requireDaemon('--squash', { experimental: true });
  try {
    Object.assign(query, buildResourceQuery(opts));
  } catch (e) {
    throw new ExitError(125, e instanceof Error ? e.message : String(e));
  }
  // --compress: the context goes gzipped, as the docker CLI sends it (the daemon detects it)
  // (zlib loads only then: a build without --compress does not pay for it at start-up)
  if (opts.compress) body = body.pipe((await import('node:zlib')).createGzip());
  const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
  if (secrets.size > 0) headers['X-Berth-Build-Secrets'] = encodeBuildSecrets(secrets);
  const ssh = sshSockets(opts.ssh);
  if (ssh.size > 0) headers['X-Berth-Build-Ssh'] = encodeBuildSsh(ssh);
  // As docker's classic builder client does: every stored credential, for FROM pulls.
  headers['X-Registry-Config'] = await registryConfigHeader();

  const client = await getClient();
  let res: Readable;
  try {
    res = await client.stream('POST', '/build', { query, body: await smallAsBuffer(body, 16 << 20), headers });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const quiet = mode === 'quiet';
  const view = mode === 'tty' ? ttyProgress(out, () => stdoutStream().columns || 80) : plainProgress(out);
  let id: string | undefined;
  let quietText = '';
  // The step a failure belongs to: the last `Step n/m : …` line (berthd writes it as one message, as dockerd does).
  let lastStep: string | undefined;
  for await (const m of readJsonMessages(res)) {
    if (m.error !== undefined || m.errorDetail !== undefined) {
      view.finish(true);
      if (quiet && quietText !== '') err(quietText);
      const code = m.errorDetail?.code;
      const message = m.errorDetail?.message ?? m.error ?? 'build failed';
      throw new ExitError(code !== undefined && code > 0 ? code : 1, lastStep !== undefined ? `${message}\n(at ${lastStep})` : message);
    }
    if (m.aux && typeof m.aux['ID'] === 'string') id = m.aux['ID'];
    if (m.stream !== undefined) {
      if (/^Step \d+\/\d+ : /.test(m.stream)) lastStep = m.stream.replace(/\n$/, '');
      if (quiet) quietText += m.stream;
      else view.text(m.stream);
    } else if (m.status !== undefined && !quiet) view.text(`${m.status}\n`);
  }
  view.finish(false);
  // With q=1 the daemon sends no aux, only the id as the stream's text (dockerd and berthd alike).
  if (quiet) id ??= /^(sha256:[0-9a-f]{64})\s*$/.exec(quietText)?.[1];
  if (quiet && id !== undefined) out(`${id}\n`);
  if (opts.iidfile && id !== undefined) await writeFile(opts.iidfile, id);
}
