// compose: turning one replica of a service into the body of
// `POST /containers/create` — Config, HostConfig and the first network's
// endpoint — plus the service's config hash that `up` compares.
import { createHash } from 'node:crypto';
import type { Project, ServiceConfig, VolumeMount } from './model.ts';
import { hostPortFor } from './ports.ts';
import { parseBytes, parseDurationNs } from './units.ts';
import { L, composeVersion } from './labels.ts';
import { fileGrantMounts } from './configs-secrets.ts';

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function containerName(project: Project, s: ServiceConfig, n: number): string {
  const explicit = s.raw['container_name'];
  return typeof explicit === 'string' ? explicit : `${project.name}-${s.name}-${n}`;
}

/** The image a service runs: its `image:`, or `<project>-<service>` when it is built. */
export function serviceImage(project: Project, s: ServiceConfig): string {
  return s.image ?? `${project.name}-${s.name}`;
}

/** A stable hash of the service's configuration: `up` recreates a service when it changes. */
export function configHash(s: ServiceConfig): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
    return v;
  };
  const { raw, ...rest } = s;
  const { deploy, scale: _scale, ...rawRest } = raw as Record<string, unknown>;
  const deployRest = isMap(deploy) ? { ...deploy, replicas: undefined } : deploy;
  return createHash('sha256').update(JSON.stringify(canon({ ...rest, scale: undefined, raw: { ...rawRest, deploy: deployRest } }))).digest('hex');
}

function restartPolicy(v: unknown): { Name: string; MaximumRetryCount?: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const [name = 'no', max] = v.split(':');
  return { Name: name === 'no' ? 'no' : name, ...(max !== undefined ? { MaximumRetryCount: Number(max) } : {}) };
}

function healthcheck(v: unknown): Record<string, unknown> | undefined {
  if (!isMap(v)) return undefined;
  if (v['disable'] === true) return { Test: ['NONE'] };
  const out: Record<string, unknown> = {};
  const test = v['test'];
  if (typeof test === 'string') out['Test'] = ['CMD-SHELL', test];
  else if (Array.isArray(test)) out['Test'] = test.map(String);
  for (const [k, api] of [['interval', 'Interval'], ['timeout', 'Timeout'], ['start_period', 'StartPeriod'], ['start_interval', 'StartInterval']] as const) {
    if (v[k] !== undefined) out[api] = parseDurationNs(v[k]);
  }
  if (v['retries'] !== undefined) out['Retries'] = Number(v['retries']);
  return out;
}

function ulimits(v: unknown): { Name: string; Soft: number; Hard: number }[] | undefined {
  if (!isMap(v)) return undefined;
  return Object.entries(v).map(([name, l]) => (isMap(l)
    ? { Name: name, Soft: Number(l['soft']), Hard: Number(l['hard']) }
    : { Name: name, Soft: Number(l), Hard: Number(l) }));
}

function extraHosts(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.map((h) => String(h).replace(/^([^:=]+)=/, '$1:'));
  if (isMap(v)) return Object.entries(v).flatMap(([h, ip]) => (Array.isArray(ip) ? ip : [ip]).map((i) => `${h}:${String(i)}`));
  return undefined;
}

function tmpfs(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v.map(String) : [String(v)];
  return Object.fromEntries(list.map((t) => { const i = t.indexOf(':'); return i < 0 ? [t, ''] : [t.slice(0, i), t.slice(i + 1)]; }));
}

export interface CreateSpec {
  readonly name: string;
  readonly body: Record<string, unknown>;
  /** Networks (engine names) to connect after create, with their aliases. */
  readonly extraNetworks: readonly { name: string; aliases: string[]; ipv4?: string }[];
}

/** The create request for replica `n` of service `s`. `imageId` goes into the image label. */
export function createSpec(project: Project, s: ServiceConfig, n: number, options: { imageId?: string; hash: string; oneoff?: boolean; nameOverride?: string }): CreateSpec {
  const raw = s.raw;
  const name = options.nameOverride ?? containerName(project, s, n);
  const labels: Record<string, string> = {
    ...s.labels,
    [L.project]: project.name,
    [L.service]: s.name,
    [L.number]: String(n),
    [L.hash]: options.hash,
    [L.oneoff]: options.oneoff ? 'True' : 'False',
    [L.workingDir]: project.workingDir,
    [L.configFiles]: project.configFiles.join(','),
    [L.version]: composeVersion,
    [L.dependsOn]: Object.entries(s.depends_on).map(([d, c]) => `${d}:${c.condition}:${String(c.restart ?? false)}`).join(','),
    ...(options.imageId ? { [L.image]: options.imageId } : {}),
  };
  const env = Object.entries(s.environment).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${String(v)}`);

  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of s.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: hostPortFor(p, n) });
  }
  if (Array.isArray(raw['expose'])) for (const e of raw['expose']) { const k = String(e); exposed[k.includes('/') ? k : `${k}/tcp`] = {}; }

  // As Docker Compose: bind.recursive disabled → NonRecursive, writable → ReadOnlyNonRecursive, readonly → ReadOnlyForceRecursive.
  const bindOptions = (b: VolumeMount['bind']) => {
    const o = {
      ...(b?.create_host_path ? { CreateMountpoint: true } : {}),
      ...(b?.recursive === 'disabled' ? { NonRecursive: true } : {}),
      ...(b?.recursive === 'writable' ? { ReadOnlyNonRecursive: true } : {}),
      ...(b?.recursive === 'readonly' ? { ReadOnlyForceRecursive: true } : {}),
    };
    return Object.keys(o).length > 0 ? { BindOptions: o } : {};
  };
  const volumeMounts = s.volumes.map((v) => {
    const source = v.type === 'volume' && v.source !== undefined ? project.volumes[v.source]?.name ?? v.source : v.source;
    return {
      Type: v.type, Target: v.target, ...(source !== undefined ? { Source: source } : {}), ...(v.read_only ? { ReadOnly: true } : {}),
      ...(v.type === 'bind' ? bindOptions(v.bind) : {}),
    };
  });
  // File-based configs and secrets are read-only binds, as Docker Compose makes them without a swarm.
  const mounts = [...volumeMounts, ...fileGrantMounts(project, s)];

  const deploy = isMap(raw['deploy']) ? raw['deploy'] : {};
  const limits = isMap(deploy['resources']) && isMap(deploy['resources']['limits']) ? deploy['resources']['limits'] : {};
  const memory = raw['mem_limit'] ?? limits['memory'];
  const cpus = raw['cpus'] ?? limits['cpus'];
  const pids = raw['pids_limit'] ?? limits['pids'];

  const netEntries = Object.entries(s.networks).sort(([a], [b]) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
  const endpoint = (key: string, opts: { aliases?: readonly string[]; ipv4_address?: string } | null) => ({
    name: project.networks[key]?.name ?? key,
    // The hostname is an alias too, so that `hostname: boss` is reachable as `boss`
    // (the course's clusters dial their boss by hostname).
    aliases: [...new Set([name, s.name, ...(opts?.aliases ?? []), ...(typeof raw['hostname'] === 'string' ? [raw['hostname']] : [])])],
    ...(opts?.ipv4_address ? { ipv4: opts.ipv4_address } : {}),
  });
  const eps = netEntries.map(([k, o]) => endpoint(k, o));
  const first = eps[0];
  const networkMode = typeof raw['network_mode'] === 'string' ? raw['network_mode'] : first?.name;

  const hostConfig: Record<string, unknown> = {
    ...(networkMode !== undefined ? { NetworkMode: networkMode } : {}),
    ...(Object.keys(bindings).length > 0 ? { PortBindings: bindings } : {}),
    ...(mounts.length > 0 ? { Mounts: mounts } : {}),
    ...(memory !== undefined ? { Memory: parseBytes(memory) } : {}),
    ...(cpus !== undefined ? { NanoCpus: Math.round(Number(cpus) * 1e9) } : {}),
    ...(pids !== undefined ? { PidsLimit: Number(pids) } : {}),
    ...(raw['restart'] !== undefined ? { RestartPolicy: restartPolicy(raw['restart']) } : {}),
    ...(raw['init'] !== undefined ? { Init: Boolean(raw['init']) } : {}),
    ...(raw['privileged'] !== undefined ? { Privileged: Boolean(raw['privileged']) } : {}),
    ...(raw['read_only'] !== undefined ? { ReadonlyRootfs: Boolean(raw['read_only']) } : {}),
    ...(Array.isArray(raw['cap_add']) ? { CapAdd: raw['cap_add'].map(String) } : {}),
    ...(Array.isArray(raw['cap_drop']) ? { CapDrop: raw['cap_drop'].map(String) } : {}),
    ...(raw['dns'] !== undefined ? { Dns: (Array.isArray(raw['dns']) ? raw['dns'] : [raw['dns']]).map(String) } : {}),
    ...(raw['extra_hosts'] !== undefined ? { ExtraHosts: extraHosts(raw['extra_hosts']) } : {}),
    ...(raw['tmpfs'] !== undefined ? { Tmpfs: tmpfs(raw['tmpfs']) } : {}),
    ...(raw['ulimits'] !== undefined ? { Ulimits: ulimits(raw['ulimits']) } : {}),
    ...(raw['shm_size'] !== undefined ? { ShmSize: parseBytes(raw['shm_size']) } : {}),
  };
  const firstEp = first && networkMode === first.name
    ? { NetworkingConfig: { EndpointsConfig: { [first.name]: { Aliases: first.aliases, ...(first.ipv4 ? { IPAMConfig: { IPv4Address: first.ipv4 } } : {}) } } } }
    : {};
  const hc = healthcheck(raw['healthcheck']);
  const body: Record<string, unknown> = {
    Image: serviceImage(project, s),
    Hostname: typeof raw['hostname'] === 'string' ? raw['hostname'] : undefined,
    Domainname: typeof raw['domainname'] === 'string' ? raw['domainname'] : undefined,
    User: raw['user'] !== undefined ? String(raw['user']) : undefined,
    WorkingDir: typeof raw['working_dir'] === 'string' ? raw['working_dir'] : undefined,
    Tty: raw['tty'] === true,
    OpenStdin: raw['stdin_open'] === true,
    AttachStdout: true,
    AttachStderr: true,
    Env: env,
    Cmd: s.command,
    Entrypoint: s.entrypoint,
    Labels: labels,
    ExposedPorts: Object.keys(exposed).length > 0 ? exposed : undefined,
    StopSignal: typeof raw['stop_signal'] === 'string' ? raw['stop_signal'] : undefined,
    StopTimeout: raw['stop_grace_period'] !== undefined ? Math.round(parseDurationNs(raw['stop_grace_period']) / 1e9) : undefined,
    Healthcheck: hc,
    HostConfig: hostConfig,
    ...firstEp,
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return { name, body, extraNetworks: networkMode === first?.name ? eps.slice(1) : [] };
}
