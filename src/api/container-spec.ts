// Docker's create body (Config + HostConfig + NetworkingConfig, `unknown` until
// checked here) → berth's ContainerSpec. Wrong types are 400s naming the field.
import { errorMessage, invalidArgument } from '../core/errors.ts';
import { validateRestartPolicy } from '../core/restart-policy.ts';
import { endpointsFromCreateBody, withContainerMac } from './endpoints-spec.ts';
import type { ContainerLink, ContainerSpec, HostSpec, MountSpec, RestartPolicy, Ulimit } from '../core/types.ts';
import { mountSpecFromBody } from './mount-json.ts';
import type { IncomingMessage } from 'node:http';
import { containerCreateBody } from './create-body-types.ts';
import { goDecodeError } from './go-decode.ts';
import { goSyntaxMessage } from './go-json.ts';
import { effectiveHostConfig } from './legacy-host-config.ts';
import { readBody } from './http-util.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, want: string): never {
  throw invalidArgument(`invalid ${field}: expected ${want}`);
}

function str(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(field, 'a string');
  return v;
}

function num(o: Obj, key: string, field: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, 'a number');
  return v;
}

function bool(o: Obj, key: string, field: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') bad(field, 'a boolean');
  return v;
}

/** A list of strings; a plain string is accepted as a one-element list (docker's StrSlice). */
function strList(o: Obj, key: string, field: string, strSlice = false): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (strSlice && typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(field, 'an array of strings');
  return v as string[];
}

function strMap(o: Obj, key: string, field: string): Record<string, string> {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) bad(field, 'an object of strings');
  return v as Record<string, string>;
}

function keys(o: Obj, key: string, field: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!isObj(v)) bad(field, 'an object');
  return Object.keys(v);
}

function obj(o: Obj, key: string, field: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) bad(field, 'an object');
  return v;
}

function list(o: Obj, key: string, field: string): Obj[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObj)) bad(field, 'an array of objects');
  return v as Obj[];
}

/**
 * HostConfig.ConsoleSize: Go's `[2]uint` (`[height, width]`, [0, 0] meaning
 * unset): like Go, extra elements are dropped and missing ones are 0.
 */
function consoleSizeOf(h: Obj): readonly [number, number] | undefined {
  const v = h['ConsoleSize'];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((n) => n === null || (Number.isInteger(n) && (n as number) >= 0))) bad('HostConfig.ConsoleSize', 'an array of two unsigned integers');
  const [height = 0, width = 0] = (v as (number | null)[]).map((n) => n ?? 0);
  return height > 0 && width > 0 ? [height, width] : undefined;
}

/**
 * One `HostConfig.Links` entry as docker's runconfig ParseLink reads it:
 * `name`, `name:alias`, or inspect's own `/name:/container/alias`.
 */
function parseLink(text: string): ContainerLink {
  if (text === '') throw invalidArgument('empty string specified for links');
  const parts = text.split(':');
  // A malformed request is the client's mistake: 400 (dockerd 20.10 answers 500).
  if (parts.length > 2) throw invalidArgument(`bad format for links: ${text}`);
  const [name = '', alias] = parts;
  if (alias === undefined) return { name, alias: name };
  if (name.startsWith('/')) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1) };
  return { name, alias };
}

/** The HostConfig fields read here, by their Go names. */
const hostConfigFields = ['CpusetMems', 'IOMaximumBandwidth', 'IOMaximumIOps', 'MemorySwappiness', 'OomScoreAdj', 'AutoRemove', 'Binds', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'ConsoleSize', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpuShares',
  'CpusetCpus', 'DeviceCgroupRules', 'Devices', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'Init', 'Isolation', 'KernelMemory', 'KernelMemoryTCP', 'Links',
  'LogConfig', 'Memory', 'MemoryReservation', 'MemorySwap', 'Mounts', 'NanoCpus', 'NetworkMode', 'OomKillDisable', 'PidMode', 'PidsLimit', 'PortBindings', 'Privileged',
  'PublishAllPorts', 'ReadonlyRootfs', 'RestartPolicy', 'Runtime', 'SecurityOpt', 'ShmSize', 'Sysctls', 'Tmpfs', 'UTSMode', 'Ulimits', 'VolumeDriver', 'VolumesFrom'];

/**
 * Go's encoding/json matches a key to a struct field case-insensitively when
 * no field has the exact name: docker-py sends `CPURealtimePeriod` and dockerd
 * takes it as CpuRealtimePeriod. Renames such keys to the Go field names.
 */
function goFieldNames(o: Obj, fields: readonly string[]): Obj {
  const out: Obj = { ...o };
  for (const [k, v] of Object.entries(o)) {
    if (fields.includes(k)) continue;
    const field = fields.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field !== undefined && !(field in o)) {
      out[field] = v;
      delete out[k];
    }
  }
  return out;
}

/** HostConfig list fields that dockerd echoes as given: `[]` when sent empty, `null` when left out. */
const echoedLists = ['PortBindings', 'Dns', 'DnsOptions', 'DnsSearch', 'Devices', 'Ulimits', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'] as const;

function givenEmpty(h: Obj): string[] {
  return echoedLists.filter((k) => {
    const v = h[k];
    return Array.isArray(v) ? v.length === 0 : isObj(v) && Object.keys(v).length === 0;
  });
}

function hostSpec(given: Obj): HostSpec {
  const h = goFieldNames(given, hostConfigFields);
  const rp = obj(h, 'RestartPolicy', 'HostConfig.RestartPolicy');
  const rpName = str(rp, 'Name', 'HostConfig.RestartPolicy.Name') || 'no';
  let restartPolicy: RestartPolicy;
  try {
    restartPolicy = validateRestartPolicy(rpName, num(rp, 'MaximumRetryCount', 'HostConfig.RestartPolicy.MaximumRetryCount') ?? 0);
  } catch (err) {
    throw invalidArgument(errorMessage(err));
  }
  const autoRemove = bool(h, 'AutoRemove', 'HostConfig.AutoRemove');
  if (autoRemove && rpName !== 'no') throw invalidArgument("can't create 'AutoRemove' container with restart policy");
  const lc = obj(h, 'LogConfig', 'HostConfig.LogConfig');
  const mounts: MountSpec[] = list(h, 'Mounts', 'HostConfig.Mounts').map((m, i) => mountSpecFromBody(m, i));
  const volumesFrom = strList(h, 'VolumesFrom', 'HostConfig.VolumesFrom') ?? [];
  const ulimits: Ulimit[] = list(h, 'Ulimits', 'HostConfig.Ulimits').map((u, i) => ({
    name: str(u, 'Name', `HostConfig.Ulimits[${i}].Name`) ?? '',
    soft: num(u, 'Soft', `HostConfig.Ulimits[${i}].Soft`) ?? 0,
    hard: num(u, 'Hard', `HostConfig.Ulimits[${i}].Hard`) ?? 0,
  }));
  const portBindings: Record<string, { hostIp: string; hostPort: string }[]> = {};
  for (const [port, bindings] of Object.entries(obj(h, 'PortBindings', 'HostConfig.PortBindings'))) {
    if (bindings === null) continue;
    if (!Array.isArray(bindings)) bad(`HostConfig.PortBindings.${port}`, 'an array');
    portBindings[port] = (bindings as unknown[]).map((b) => {
      const o = isObj(b) ? b : {};
      return { hostIp: str(o, 'HostIp', 'HostIp') ?? '', hostPort: str(o, 'HostPort', 'HostPort') ?? '' };
    });
  }
  const pids = num(h, 'PidsLimit', 'HostConfig.PidsLimit');
  const runtime = str(h, 'Runtime', 'HostConfig.Runtime');
  const consoleSize = consoleSizeOf(h);
  const pidMode = str(h, 'PidMode', 'HostConfig.PidMode');
  const utsMode = str(h, 'UTSMode', 'HostConfig.UTSMode');
  const isolation = str(h, 'Isolation', 'HostConfig.Isolation');
  const deviceCgroupRules = strList(h, 'DeviceCgroupRules', 'HostConfig.DeviceCgroupRules') ?? [];
  const volumeDriver = str(h, 'VolumeDriver', 'HostConfig.VolumeDriver');
  const links = (strList(h, 'Links', 'HostConfig.Links') ?? []).map(parseLink);
  const cgroupnsMode = str(h, 'CgroupnsMode', 'HostConfig.CgroupnsMode');
  if (cgroupnsMode && cgroupnsMode !== 'host' && cgroupnsMode !== 'private') throw invalidArgument(`invalid cgroup namespace mode: ${cgroupnsMode}`);
  const cpuRealtimeRuntime = num(h, 'CpuRealtimeRuntime', 'HostConfig.CpuRealtimeRuntime') ?? 0;
  const cpuRealtimePeriod = num(h, 'CpuRealtimePeriod', 'HostConfig.CpuRealtimePeriod') ?? 0;
  const kernelMemory = num(h, 'KernelMemory', 'HostConfig.KernelMemory') ?? 0;
  const kernelMemoryTcp = num(h, 'KernelMemoryTCP', 'HostConfig.KernelMemoryTCP') ?? 0;
  const memorySwappiness = num(h, 'MemorySwappiness', 'HostConfig.MemorySwappiness');
  const oomScoreAdj = num(h, 'OomScoreAdj', 'HostConfig.OomScoreAdj') ?? 0;
  const cpusetMems = str(h, 'CpusetMems', 'HostConfig.CpusetMems') ?? '';
  const ioMaximumBandwidth = num(h, 'IOMaximumBandwidth', 'HostConfig.IOMaximumBandwidth') ?? 0;
  const ioMaximumIops = num(h, 'IOMaximumIOps', 'HostConfig.IOMaximumIOps') ?? 0;
  return {
    ...(pidMode ? { pidMode } : {}),
    ...(utsMode ? { utsMode } : {}),
    ...(isolation ? { isolation } : {}),
    ...(deviceCgroupRules.length > 0 ? { deviceCgroupRules } : {}),
    ...(volumeDriver ? { volumeDriver } : {}),
    ...(links.length > 0 ? { links } : {}),
    ...(cgroupnsMode === 'host' || cgroupnsMode === 'private' ? { cgroupnsMode } : {}),
    ...(cpuRealtimeRuntime !== 0 ? { cpuRealtimeRuntime } : {}),
    ...(cpuRealtimePeriod !== 0 ? { cpuRealtimePeriod } : {}),
    ...(kernelMemory !== 0 ? { kernelMemory } : {}),
    ...(kernelMemoryTcp !== 0 ? { kernelMemoryTcp } : {}),
    ...(memorySwappiness !== undefined && memorySwappiness !== -1 ? { memorySwappiness } : {}),
    ...(oomScoreAdj !== 0 ? { oomScoreAdj } : {}),
    ...(cpusetMems !== '' ? { cpusetMems } : {}),
    ...(ioMaximumBandwidth !== 0 ? { ioMaximumBandwidth } : {}),
    ...(ioMaximumIops !== 0 ? { ioMaximumIops } : {}),
    ...(givenEmpty(h).length > 0 ? { givenEmpty: givenEmpty(h) } : {}),
    ...(str(rp, 'Name', 'HostConfig.RestartPolicy.Name') ? {} : { restartPolicyUnnamed: true }),
    ...(consoleSize ? { consoleSize } : {}),
    networkMode: str(h, 'NetworkMode', 'HostConfig.NetworkMode') || 'default',
    autoRemove,
    ...(runtime ? { runtime } : {}),
    binds: strList(h, 'Binds', 'HostConfig.Binds') ?? [],
    mounts,
    memory: num(h, 'Memory', 'HostConfig.Memory') ?? 0,
    memoryReservation: num(h, 'MemoryReservation', 'HostConfig.MemoryReservation') ?? 0,
    memorySwap: num(h, 'MemorySwap', 'HostConfig.MemorySwap') ?? 0,
    nanoCpus: num(h, 'NanoCpus', 'HostConfig.NanoCpus') ?? 0,
    cpuShares: num(h, 'CpuShares', 'HostConfig.CpuShares') ?? 0,
    cpuQuota: num(h, 'CpuQuota', 'HostConfig.CpuQuota') ?? 0,
    cpuPeriod: num(h, 'CpuPeriod', 'HostConfig.CpuPeriod') ?? 0,
    cpusetCpus: str(h, 'CpusetCpus', 'HostConfig.CpusetCpus') ?? '',
    pidsLimit: pids ?? 0,
    privileged: bool(h, 'Privileged', 'HostConfig.Privileged'),
    capAdd: strList(h, 'CapAdd', 'HostConfig.CapAdd', true) ?? [],
    capDrop: strList(h, 'CapDrop', 'HostConfig.CapDrop', true) ?? [],
    // docker records label=disable for a privileged container that names no security options.
    securityOpt: strList(h, 'SecurityOpt', 'HostConfig.SecurityOpt') ?? (bool(h, 'Privileged', 'HostConfig.Privileged') ? ['label=disable'] : []),
    readonlyRootfs: bool(h, 'ReadonlyRootfs', 'HostConfig.ReadonlyRootfs'),
    tmpfs: strMap(h, 'Tmpfs', 'HostConfig.Tmpfs'),
    ulimits,
    shmSize: num(h, 'ShmSize', 'HostConfig.ShmSize') ?? 0,
    sysctls: strMap(h, 'Sysctls', 'HostConfig.Sysctls'),
    extraHosts: strList(h, 'ExtraHosts', 'HostConfig.ExtraHosts') ?? [],
    dns: strList(h, 'Dns', 'HostConfig.Dns') ?? [],
    dnsSearch: strList(h, 'DnsSearch', 'HostConfig.DnsSearch') ?? [],
    dnsOptions: strList(h, 'DnsOptions', 'HostConfig.DnsOptions') ?? [],
    init: bool(h, 'Init', 'HostConfig.Init'),
    ...((strList(h, 'GroupAdd', 'HostConfig.GroupAdd') ?? []).length > 0 ? { groupAdd: strList(h, 'GroupAdd', 'HostConfig.GroupAdd') ?? [] } : {}),
    restartPolicy,
    logConfig: { type: str(lc, 'Type', 'HostConfig.LogConfig.Type') || 'json-file', config: strMap(lc, 'Config', 'HostConfig.LogConfig.Config') },
    portBindings,
    publishAllPorts: bool(h, 'PublishAllPorts', 'HostConfig.PublishAllPorts'),
    devices: list(h, 'Devices', 'HostConfig.Devices').map((d, i) => ({
      pathOnHost: str(d, 'PathOnHost', `HostConfig.Devices[${i}].PathOnHost`) ?? '',
      pathInContainer: str(d, 'PathInContainer', `HostConfig.Devices[${i}].PathInContainer`) ?? '',
      cgroupPermissions: str(d, 'CgroupPermissions', `HostConfig.Devices[${i}].CgroupPermissions`) || 'rwm',
    })),
    oomKillDisable: bool(h, 'OomKillDisable', 'HostConfig.OomKillDisable'),
    ...(volumesFrom.length > 0 ? { volumesFrom } : {}),
  };
}

/**
 * The create body as dockerd's decoder reads it into its Go structs: `undefined`
 * when empty, InvalidArgument with Go's words for a syntax error or a value
 * that does not fit its Go type (a string for Memory, 1.5 or 2^64 for an int64).
 */
export async function readCreateBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(goSyntaxMessage(text, err));
  }
  const goError = goDecodeError(text, containerCreateBody);
  if (goError !== undefined) throw invalidArgument(goError);
  return value;
}

/** Validates a create body and converts it. */
export function specFromCreateBody(body: unknown): ContainerSpec {
  if (body === undefined || body === null) throw invalidArgument('Config cannot be empty in order to create a container');
  if (!isObj(body)) throw invalidArgument('invalid request body: expected a JSON object');
  const image = str(body, 'Image', 'Config.Image');
  if (!image) throw invalidArgument('No image was specified');
  obj(body, 'HostConfig', 'HostConfig');
  const { hostConfig: hc, given } = effectiveHostConfig(body);
  const cmd = strList(body, 'Cmd', 'Config.Cmd', true);
  const entrypoint = strList(body, 'Entrypoint', 'Config.Entrypoint', true);
  const workingDir = str(body, 'WorkingDir', 'Config.WorkingDir');
  if (workingDir && !workingDir.startsWith('/')) throw invalidArgument(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
  const user = str(body, 'User', 'Config.User');
  const hostname = str(body, 'Hostname', 'Config.Hostname');
  const domainname = str(body, 'Domainname', 'Config.Domainname');
  const stopSignal = str(body, 'StopSignal', 'Config.StopSignal');
  const stopTimeout = num(body, 'StopTimeout', 'Config.StopTimeout');
  const hcObj = body['Healthcheck'];
  // A healthcheck without Test keeps the image's test and overrides its timings (docker's merge).
  const healthcheck = isObj(hcObj)
    ? {
        test: strList(hcObj, 'Test', 'Config.Healthcheck.Test') ?? [],
        ...(num(hcObj, 'Interval', 'Config.Healthcheck.Interval') !== undefined ? { intervalNs: num(hcObj, 'Interval', '')! } : {}),
        ...(num(hcObj, 'Timeout', 'Config.Healthcheck.Timeout') !== undefined ? { timeoutNs: num(hcObj, 'Timeout', '')! } : {}),
        ...(num(hcObj, 'StartPeriod', 'Config.Healthcheck.StartPeriod') !== undefined ? { startPeriodNs: num(hcObj, 'StartPeriod', '')! } : {}),
        ...(num(hcObj, 'Retries', 'Config.Healthcheck.Retries') !== undefined ? { retries: num(hcObj, 'Retries', '')! } : {}),
      }
    : undefined;
  const host = given ? hostSpec(hc) : { ...hostSpec(hc), hostConfigOmitted: true };
  const endpoints = withContainerMac(endpointsFromCreateBody(body), host.networkMode, body);
  return {
    image,
    ...(cmd !== undefined ? { cmd } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    env: strList(body, 'Env', 'Config.Env') ?? [],
    ...(workingDir ? { workingDir } : {}),
    ...(user ? { user } : {}),
    ...(hostname ? { hostname } : {}),
    ...(domainname ? { domainname } : {}),
    labels: strMap(body, 'Labels', 'Config.Labels'),
    tty: bool(body, 'Tty', 'Config.Tty'),
    openStdin: bool(body, 'OpenStdin', 'Config.OpenStdin'),
    stdinOnce: bool(body, 'StdinOnce', 'Config.StdinOnce'),
    attachStdin: bool(body, 'AttachStdin', 'Config.AttachStdin'),
    attachStdout: bool(body, 'AttachStdout', 'Config.AttachStdout'),
    attachStderr: bool(body, 'AttachStderr', 'Config.AttachStderr'),
    ...(stopSignal ? { stopSignal } : {}),
    ...(stopTimeout !== undefined ? { stopTimeout } : {}),
    exposedPorts: keys(body, 'ExposedPorts', 'Config.ExposedPorts'),
    volumes: keys(body, 'Volumes', 'Config.Volumes'),
    ...(healthcheck ? { healthcheck } : {}),
    networkDisabled: bool(body, 'NetworkDisabled', 'Config.NetworkDisabled'),
    ...(endpoints ? { endpoints } : {}),
    host,
  };
}
