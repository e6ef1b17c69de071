// RUN --mount (BuildKit's flags, on the classic builder): cache directories
// kept under the data root by id, tmpfs, binds of the context or of another
// stage or image, secrets from the build's --secret values (files, and
// variables read by the step's shell, on a tmpfs of the step's own: see
// secret-tmpfs.ts) and ssh agent sockets from --ssh. Each mount's target is
// left out of the step's layer; everything set up for a step is released
// after it.
import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { sha256 } from '../core/digest.ts';
import { errorMessage, invalidArgument } from '../core/errors.ts';
import type { MountSpec } from '../core/types.ts';
import { resolveInRoot } from '../runtime/index.ts';
import type { BuildSession } from './build-session.ts';
import type { StageState } from './build-state.ts';
import { cleanSource } from './copy.ts';
import { sourceRoot } from './layer-commit.ts';
import type { Mount as RunMount } from './parser/index.ts';
import { SecretTmpfs } from './secret-tmpfs.ts';

/** Where RUN --mount=type=secret,env=NAME values are mounted (left out of the layer). */
const secretEnvDir = '/.berth-secret-env';

/** A step's mounts, ready for its container. */
export interface RunMounts {
  readonly specs: MountSpec[];
  /** The mount points (without the leading `/`), left out of the layer. */
  readonly targets: string[];
  /** Names of secret variables (see withSecretEnv). */
  readonly env: string[];
  /** Variables that are no secret (SSH_AUTH_SOCK). */
  readonly plainEnv: string[];
  /** Once the step's container has started: the secrets stay only in its mount namespace (secret-tmpfs.ts). */
  detach(): Promise<void>;
  release(): Promise<void>;
}

/**
 * The step's command with secret variables set: a shell reads each from its
 * file and execs the command, so that the values appear in no stored spec.
 */
export function withSecretEnv(argv: readonly string[], names: readonly string[]): string[] {
  if (names.length === 0) return [...argv];
  const set = names.map((n) => `${n}="$(cat '${secretEnvDir}/${n}')"; export ${n}; `).join('');
  return ['/bin/sh', '-c', `${set}exec "$@"`, 'sh', ...argv];
}

/** Sets up a RUN step's --mount flags; on failure what was set up is released. */
export async function runMounts(b: BuildSession, st: StageState, mounts: readonly RunMount[]): Promise<RunMounts> {
  const x = b.expander(st);
  const workdir = st.config.config?.WorkingDir || '/';
  const env: string[] = [];
  const plainEnv: string[] = [];
  let sshCount = 0;
  const specs: MountSpec[] = [];
  const targets: string[] = [];
  const releases: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const r of releases.splice(0).reverse()) await r().catch((err: unknown) => b.d.log.warn('releasing a RUN mount failed', { err: errorMessage(err) }));
  };
  let tmpfs: SecretTmpfs | undefined;
  let files = 0;
  const secretDir = async (): Promise<SecretFiles> => {
    if (tmpfs === undefined) {
      const bytes = [...(b.r.secrets?.values() ?? [])].reduce((n, v) => n + v.length, 0);
      const made = await SecretTmpfs.create(join(b.d.runDir, 'secrets'), 2 * bytes, 2 * mounts.length);
      releases.push(() => made.release());
      tmpfs = made;
    }
    return { dir: tmpfs.dir, count: files++ };
  };
  try {
    for (const m of mounts) {
      if (m.type === 'secret') {
        const secret = await secretMount(b, m, x, workdir, secretDir);
        if (secret === undefined) continue;
        if (secret.env !== undefined) env.push(secret.env);
        for (const spec of secret.mounts) {
          specs.push(spec);
          targets.push(spec.target.replace(/^\/+/, ''));
        }
        continue;
      }
      if (m.type === 'ssh') {
        const ssh = await sshMount(b, m, x, workdir, sshCount++);
        if (ssh === undefined) continue;
        specs.push(ssh);
        targets.push(ssh.target.replace(/^\/+/, ''));
        if (!plainEnv.some((e) => e.startsWith('SSH_AUTH_SOCK='))) plainEnv.push(`SSH_AUTH_SOCK=${ssh.target}`);
        continue;
      }
      const rawTarget = x(m.target);
      const target = posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
      targets.push(target.replace(/^\/+/, ''));
      if (m.type === 'tmpfs') {
        specs.push({ type: 'tmpfs', source: '', target, readOnly: false, ...(m.sizeLimit > 0 ? { tmpfsSize: m.sizeLimit } : {}) });
      } else if (m.type === 'cache') {
        specs.push(await cacheMount(b, m, target));
      } else {
        const from = x(m.from);
        let root = from === '' ? await b.r.context.dir() : '';
        if (from !== '') {
          const src = await sourceRoot(b, from);
          releases.push(() => src.release());
          root = src.dir;
        }
        const rel = cleanSource(x(m.source || '.'), 'RUN --mount');
        const source = rel === '.' ? root : await resolveInRoot(root, rel);
        specs.push({ type: 'bind', source, target, readOnly: m.readOnly });
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  const detach = async () => {
    await tmpfs?.detach();
  };
  return { specs, targets, env, plainEnv, detach, release };
}

/** RUN --mount=type=cache: a directory kept by id (default: the target) across builds. */
async function cacheMount(b: BuildSession, m: RunMount, target: string): Promise<MountSpec> {
  const id = m.cacheId || target;
  const dir = join(b.d.cacheMountRoot ?? join(b.d.tmpDir, '..', 'build-cache-mounts'), sha256(id).slice(7, 31));
  const fresh = !(await stat(dir).then(() => true, () => false));
  await mkdir(dir, { recursive: true, mode: m.mode ?? 0o755 });
  if (fresh && (m.uid !== undefined || m.gid !== undefined)) await chown(dir, m.uid ?? 0, m.gid ?? 0);
  return { type: 'bind', source: dir, target, readOnly: false };
}

/**
 * RUN --mount=type=ssh: the client's agent socket forwarded for `id`
 * (default `default`), bind-mounted at the target (default
 * /run/buildkit/ssh_agent.<n>); the step's SSH_AUTH_SOCK names it. A missing
 * one fails the step when `required`, else the mount is skipped.
 */
async function sshMount(b: BuildSession, m: RunMount, x: (w: string) => string, workdir: string, n: number): Promise<MountSpec | undefined> {
  const id = x(m.cacheId) || 'default';
  const socket = b.r.ssh?.get(id);
  if (socket === undefined) {
    if (m.required) throw invalidArgument(`no SSH key ${JSON.stringify(id)} forwarded from the client`);
    return undefined;
  }
  const st = await stat(socket).catch(() => undefined);
  if (!st?.isSocket()) throw invalidArgument(`ssh ${id}: ${socket} is not an agent socket on the daemon's host`);
  const rawTarget = x(m.target);
  const target = rawTarget === '' ? `/run/buildkit/ssh_agent.${n}` : posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
  return { type: 'bind', source: socket, target, readOnly: false };
}

interface SecretMount {
  env?: string;
  mounts: MountSpec[];
}

/** The step's secret tmpfs and a number for the next file in it. */
type SecretFiles = { dir: string; count: number };

/**
 * RUN --mount=type=secret (BuildKit's rules): the secret `id` (default: the
 * target's base name) from the build's secrets, as a read-only file at the
 * target (default /run/secrets/<id>) and/or as the variable `env=`. The file
 * lives on the step's secret tmpfs only while the step runs; its mount point
 * is left out of the layer. A missing secret fails the step when `required`,
 * else the mount is skipped.
 */
async function secretMount(b: BuildSession, m: RunMount, x: (w: string) => string, workdir: string, files: () => Promise<SecretFiles>): Promise<SecretMount | undefined> {
  const rawTarget = x(m.target);
  const id = x(m.cacheId) || x(m.source) || (rawTarget !== '' ? posix.basename(rawTarget) : '');
  const data = b.r.secrets?.get(id);
  if (data === undefined) {
    if (m.required) throw invalidArgument(`secret ${id} not found`);
    return undefined;
  }
  const out: SecretMount = { mounts: [] };
  const envName = m.env !== undefined && m.env !== '' ? x(m.env) : undefined;
  if (envName !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) throw invalidArgument(`invalid secret env name ${JSON.stringify(envName)}`);
    // The value never goes into the container's spec (which is stored): the step's shell reads it from a file.
    out.env = envName;
    out.mounts.push(await secretFile(await files(), data, `${secretEnvDir}/${envName}`, 0o400, 0, 0));
  }
  if (rawTarget !== '' || envName === undefined) {
    const target = rawTarget === '' ? `/run/secrets/${id}` : posix.isAbsolute(rawTarget) ? posix.normalize(rawTarget) : posix.join(workdir, rawTarget);
    out.mounts.push(await secretFile(await files(), data, target, m.mode ?? 0o400, m.uid ?? 0, m.gid ?? 0));
  }
  return out;
}

/** A secret's value in a file on the step's tmpfs, bind-mounted read-only at `target` while the step runs. */
async function secretFile(at: SecretFiles, data: Buffer, target: string, mode: number, uid: number, gid: number): Promise<MountSpec> {
  const file = join(at.dir, String(at.count));
  await writeFile(file, data, { mode: 0o400 });
  await chmod(file, mode);
  await chown(file, uid, gid);
  return { type: 'bind', source: file, target, readOnly: true };
}
