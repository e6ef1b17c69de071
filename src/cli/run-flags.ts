// cli: turns `berth run`/`create` flags into the Engine API create body, with
// docker's rules: `-e NAME` takes the value from the environment or is dropped,
// --env-file lines, `-m 512m`, `--cpus 1.5` → NanoCpus, `-l k=v`, `-p` specs.
import { readFileSync } from 'node:fs';
import type { ContainerCreateBody, HostConfigBody } from '../client/index.ts';
import { parseRamBytes } from '../cli-kit/index.ts';
import { mountBodyParts } from './mount-flags.ts';
import { FlagError } from './flag-error.ts';
import { relativeMs } from '../lib/timestamp.ts';
import { lifecycleBodyParts, type LifecycleFlags } from './run-flags-lifecycle.ts';
import { logConfigBody, type LoggingFlags } from './run-flags-logging.ts';
import { extraBodyParts, type ExtraRunFlags } from './run-flags-extra.ts';
import { networkParts, parseNetworkValues, type NetworkFlags } from './run-flags-networks.ts';

export interface RunFlags extends LifecycleFlags, LoggingFlags, ExtraRunFlags, NetworkFlags {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  hostname?: string;
  label?: string[];
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  network?: string[];
  networkAlias?: string[];
  ip?: string;
  publishAll?: boolean;
  expose?: string[];
  runtime?: string;
  publish?: string[];
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
  /** Attach only: docker's --detach-keys and --sig-proxy. */
  detachKeys?: string;
  sigProxy?: boolean | string;
}

export { FlagError };

/** Resolves `-e` values: `A=1` as is, `A` from `env` or dropped. */
export function resolveEnv(values: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.includes('=')) {
      if (v.startsWith('=')) throw new FlagError(`invalid argument "${v}" for "-e, --env" flag: invalid environment variable: ${v}`);
      out.push(v);
    } else if (env[v] !== undefined) {
      out.push(`${v}=${env[v]}`);
    }
  }
  return out;
}

/** Reads an --env-file (`path` names it in errors): `#` comments and blank lines skipped, lines as `-e`. */
export function parseEnvFile(text: string, env: NodeJS.ProcessEnv = process.env, path = ''): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^\s+/, '')).filter((l) => l !== '' && !l.startsWith('#'));
  const nameless = lines.find((l) => l.startsWith('='));
  if (nameless !== undefined) throw new FlagError(`invalid env file (${path}): no variable name on line '${nameless}'`);
  return resolveEnv(lines, env);
}

export function parseCpus(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new FlagError(`invalid argument "${text}" for "--cpus" flag: failed to parse ${text} as a rational number`);
  return Math.round(n * 1e9);
}

export function parseMemory(text: string): number {
  try {
    return parseRamBytes(text);
  } catch (err) {
    throw new FlagError(`invalid argument "${text}" for "-m, --memory" flag: ${(err as Error).message}`);
  }
}

export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 0) out[v] = '';
    else out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** `[ip:][hostPort:]containerPort[/proto]` → exposed ports and bindings. */
export function parsePublish(values: readonly string[]): Pick<ContainerCreateBody, 'ExposedPorts'> & Pick<HostConfigBody, 'PortBindings'> {
  const ExposedPorts: Record<string, Record<string, never>> = {};
  const PortBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const v of values) {
    const [spec, proto = 'tcp'] = v.split('/') as [string, string?];
    const parts = spec.split(':');
    const container = parts.pop() ?? '';
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.join(':').replace(/^\[|\]$/g, '');
    if (!/^\d+(-\d+)?$/.test(container)) throw new FlagError(`invalid containerPort: ${container}`);
    if (hostPort !== '' && !/^\d+(-\d+)?$/.test(hostPort)) throw new FlagError(`invalid hostPort: ${hostPort}`);
    // docker splits ranges into one binding per port: 5000-5002:5000-5002 → 5000:5000, 5001:5001, 5002:5002.
    const [cFirst = 0, cLast = cFirst] = container.split('-').map(Number);
    const [hFirst, hLast] = hostPort === '' ? [undefined, undefined] : hostPort.split('-').map(Number);
    const count = cLast - cFirst + 1;
    if (count < 1) throw new FlagError(`invalid range specified for container port: ${container}`);
    if (hFirst !== undefined && hLast !== undefined && count > 1 && hLast - hFirst + 1 !== count) throw new FlagError(`invalid ranges specified for container and host Ports: ${container} and ${hostPort}`);
    for (let k = 0; k < count; k++) {
      const key = `${cFirst + k}/${proto}`;
      const hp = hFirst === undefined ? '' : count > 1 ? String(hFirst + k) : hostPort;
      ExposedPorts[key] = {};
      (PortBindings[key] ??= []).push({ HostIp: hostIp, HostPort: hp });
    }
  }
  return { ExposedPorts, PortBindings };
}

/** Builds the create body for `image` and its command from the parsed flags. */
export function buildCreateBody(image: string, command: readonly string[], flags: RunFlags, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): ContainerCreateBody {
  const env: string[] = [];
  for (const f of flags.envFile ?? []) {
    let text: string;
    try {
      text = readFile(f);
    } catch {
      throw new FlagError(`open ${f}: no such file or directory`);
    }
    env.push(...parseEnvFile(text, process.env, f));
  }
  env.push(...resolveEnv(flags.env ?? []));
  const attach = !flags.detach;
  // pflag reads each --network value as it parses the flags, before any other check.
  const attachments = parseNetworkValues(flags);
  const host: HostConfigBody = { NetworkMode: attachments[0]?.target ?? 'default' };
  if (flags.rm) host.AutoRemove = true;
  if (flags.runtime !== undefined) host.Runtime = flags.runtime;
  if (flags.memory !== undefined) host.Memory = parseMemory(flags.memory);
  if (flags.cpus !== undefined) host.NanoCpus = parseCpus(flags.cpus);
  if (flags.pidsLimit !== undefined) {
    const n = Number(flags.pidsLimit);
    if (!Number.isInteger(n)) throw new FlagError(`invalid argument "${flags.pidsLimit}" for "--pids-limit" flag: strconv.ParseInt: parsing "${flags.pidsLimit}": invalid syntax`);
    host.PidsLimit = n;
  }
  const body: ContainerCreateBody = {
    Image: image,
    AttachStdin: !!flags.interactive && attach,
    AttachStdout: attach,
    AttachStderr: attach,
    Tty: !!flags.tty,
    OpenStdin: !!flags.interactive,
    StdinOnce: !!flags.interactive && attach,
    Env: env,
    Labels: parseLabels(flags.label ?? []),
    HostConfig: host,
  };
  if (command.length > 0) body.Cmd = [...command];
  if (flags.entrypoint !== undefined) body.Entrypoint = [flags.entrypoint];
  if (flags.workdir !== undefined) body.WorkingDir = flags.workdir;
  if (flags.user !== undefined) body.User = flags.user;
  if (flags.hostname !== undefined) body.Hostname = flags.hostname;
  const mounts = mountBodyParts(flags);
  if (mounts.Volumes) body.Volumes = mounts.Volumes;
  if (mounts.Binds) host.Binds = mounts.Binds;
  if (mounts.Mounts) host.Mounts = mounts.Mounts;
  if (mounts.Tmpfs) host.Tmpfs = mounts.Tmpfs;
  if (mounts.VolumesFrom) host.VolumesFrom = mounts.VolumesFrom;
  if ((flags.publish ?? []).length > 0) {
    const p = parsePublish(flags.publish ?? []);
    if (p.ExposedPorts) body.ExposedPorts = p.ExposedPorts;
    if (p.PortBindings) host.PortBindings = p.PortBindings;
  }
  for (const e of flags.expose ?? []) {
    const [port = '', proto = 'tcp'] = e.split('/');
    if (!/^\d+$/.test(port)) throw new FlagError(`invalid range format for --expose: ${e}, error: strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`);
    body.ExposedPorts = { ...(body.ExposedPorts ?? {}), [`${port}/${proto}`]: {} };
  }
  if (flags.publishAll) host.PublishAllPorts = true;
  try {
    const lifecycle = lifecycleBodyParts(flags, readFile);
    Object.assign(body, lifecycle.config);
    Object.assign(host, lifecycle.host);
    Object.assign(host, logConfigBody(flags));
    const extra = extraBodyParts(flags, readFile);
    const { LabelsFromFile, ...config } = extra.config;
    // docker reads --label-file first; -l overrides a label of the same name
    if (LabelsFromFile) body.Labels = { ...(LabelsFromFile as Record<string, string>), ...body.Labels };
    Object.assign(body, config);
    if (flags.attach && flags.interactive) body.AttachStdin = true;
    Object.assign(host, extra.host);
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const nets = networkParts(flags, attachments);
  if (nets.endpoints) body.NetworkingConfig = { EndpointsConfig: nets.endpoints };
  return body;
}

/** docker's timetypes.GetTimestamp: RFC 3339 (or date forms), unix seconds, or a relative `10m`. */
export function parseTimestamp(value: string, now: number = Date.now()): string {
  if (value === '') return '';
  if (/^\d+(\.\d{1,9})?$/.test(value)) return value;
  const ms = relativeMs(value);
  if (ms !== undefined) return toSecondsNanos(now - ms);
  let text = value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00';
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const t = Date.parse(hasZone ? text : text + (text.includes('T') ? '' : 'T00:00:00'));
  if (Number.isNaN(t)) throw new FlagError(`parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse "${value}" as "2006"`);
  return toSecondsNanos(t);
}

function toSecondsNanos(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const nanos = Math.round((ms - sec * 1000) * 1e6);
  return `${sec}.${String(nanos).padStart(9, '0')}`;
}
