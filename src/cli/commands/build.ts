// cli: `berth build` — sends the context (a directory, or a tar / Dockerfile on
// stdin) to `POST /build` with docker's flags and prints the classic builder's
// output; exits with the failing step's exit code, as docker does.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { readJsonMessages } from '../../client/json-stream.ts';
import { contextTar, extraDockerfileName } from '../build-context.ts';
import { ExitError, describeError, err, getClient, out } from '../session.ts';
import { loadDockerignore } from '../dockerignore-loader.ts';

export interface BuildCommandOptions {
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

export async function buildCommand(contextArg: string, opts: BuildCommandOptions): Promise<void> {
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
      body = contextTar(empty, { extraDockerfile: input, extraName: name });
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
    body = contextTar(dir, { ...(filter ? { filter } : {}), keep, ...(extra && extraName ? { extraDockerfile: extra, extraName } : {}) });
  }

  const buildArgs = keyValues(opts.buildArg, true);
  if (process.env['SOURCE_DATE_EPOCH'] !== undefined && !('SOURCE_DATE_EPOCH' in buildArgs)) buildArgs['SOURCE_DATE_EPOCH'] = process.env['SOURCE_DATE_EPOCH'];
  const labels = keyValues(opts.label, false);
  const query: Record<string, string | boolean | readonly string[]> = {
    t: opts.tag ?? [],
    q: !!opts.quiet,
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

  const client = await getClient();
  let res: Readable;
  try {
    res = await client.stream('POST', '/build', { query, body, headers: { 'Content-Type': 'application/x-tar' } });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  let id: string | undefined;
  let quietText = '';
  for await (const m of readJsonMessages(res)) {
    if (m.error !== undefined || m.errorDetail !== undefined) {
      if (opts.quiet && quietText !== '') err(quietText);
      const code = m.errorDetail?.code;
      throw new ExitError(code !== undefined && code > 0 ? code : 1, m.errorDetail?.message ?? m.error ?? 'build failed');
    }
    if (m.aux && typeof m.aux['ID'] === 'string') id = m.aux['ID'];
    if (m.stream !== undefined) {
      if (opts.quiet) quietText += m.stream;
      else out(m.stream);
    } else if (m.status !== undefined && !opts.quiet) out(`${m.status}\n`);
  }
  if (opts.quiet && id !== undefined) out(`${id}\n`);
  if (opts.iidfile && id !== undefined) await writeFile(opts.iidfile, id);
}
