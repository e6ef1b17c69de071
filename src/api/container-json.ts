// berth's Container → Docker's wire shapes: `GET /containers/{id}/json`
// (inspect) and `GET /containers/json` (list), with the fields docker clients read.
import type { Container, ContainerSpec } from '../core/types.ts';
import { stateString, statusText } from './human-duration.ts';
import { mountPointsJson, mountSpecJson } from './mount-json.ts';
import { listPortsJson, networkSettingsJson, networksJson } from './network-settings-json.ts';
import { defaultCgroupnsMode } from '../engine/index.ts';
import { maxApiVersion, versionLess } from './version.ts';

const setOf = (xs: readonly string[]) => (xs.length === 0 ? null : Object.fromEntries(xs.map((x) => [x, {}])));

export function configJson(c: Container) {
  const s = c.spec;
  return {
    Hostname: c.hostname,
    Domainname: s.domainname ?? '',
    User: s.user ?? '',
    AttachStdin: s.attachStdin,
    AttachStdout: s.attachStdout,
    AttachStderr: s.attachStderr,
    ...(s.exposedPorts.length > 0 ? { ExposedPorts: setOf(s.exposedPorts) } : {}),
    Tty: s.tty,
    OpenStdin: s.openStdin,
    StdinOnce: s.stdinOnce,
    Env: c.env.length === 0 ? null : c.env,
    Cmd: s.cmd && s.cmd.length > 0 ? s.cmd : null,
    ...(s.healthcheck
      ? {
          Healthcheck: {
            Test: s.healthcheck.test,
            ...(s.healthcheck.intervalNs !== undefined ? { Interval: s.healthcheck.intervalNs } : {}),
            ...(s.healthcheck.timeoutNs !== undefined ? { Timeout: s.healthcheck.timeoutNs } : {}),
            ...(s.healthcheck.startPeriodNs !== undefined ? { StartPeriod: s.healthcheck.startPeriodNs } : {}),
            ...(s.healthcheck.retries !== undefined ? { Retries: s.healthcheck.retries } : {}),
          },
        }
      : {}),
    Image: s.image,
    Volumes: setOf(s.volumes),
    WorkingDir: s.workingDir ?? '',
    Entrypoint: s.entrypoint && s.entrypoint.length > 0 ? s.entrypoint : null,
    ...(s.networkDisabled ? { NetworkDisabled: true } : {}),
    OnBuild: null,
    Labels: s.labels,
    ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
    ...(s.stopTimeout !== undefined ? { StopTimeout: s.stopTimeout } : {}),
  };
}

/** An empty list field as dockerd echoes it: `[]` if the create body sent it empty, else null. */
function listOrNull<T>(s: ContainerSpec, field: string, xs: readonly T[]): readonly T[] | null {
  return xs.length > 0 || s.host.givenEmpty?.includes(field) ? xs : null;
}

export interface HostConfigJsonOptions {
  /** The container's own name, for its links as `/child:/name/alias`. */
  readonly name?: string;
  /** The request's API version (fields of later versions are left out below them). */
  readonly version?: string;
  /** Whether the container has started once: dockerd records the default runtime then. */
  readonly started?: boolean;
}

export function hostConfigJson(s: ContainerSpec, runtime: string, options: HostConfigJsonOptions = {}) {
  const h = s.host;
  const name = options.name ?? '';
  const version = options.version ?? maxApiVersion;
  // dockerd fills in the runtime at create when the body had a HostConfig, else at the first start.
  const showRuntime = h.runtime !== undefined || !h.hostConfigOmitted || options.started === true;
  return {
    Binds: h.binds.length === 0 ? null : h.binds,
    ContainerIDFile: '',
    LogConfig: { Type: h.logConfig.type, Config: h.logConfig.config },
    NetworkMode: h.networkMode,
    PortBindings: Object.keys(h.portBindings).length === 0 && !h.givenEmpty?.includes('PortBindings') ? null : Object.fromEntries(Object.entries(h.portBindings).map(([k, v]) => [k, v.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }))])),
    // dockerd echoes the name as given: empty (meaning no) when the create body named none.
    RestartPolicy: { Name: h.restartPolicyUnnamed && h.restartPolicy.name === 'no' ? '' : h.restartPolicy.name, MaximumRetryCount: h.restartPolicy.maximumRetryCount },
    AutoRemove: h.autoRemove,
    VolumeDriver: h.volumeDriver ?? '',
    VolumesFrom: h.volumesFrom && h.volumesFrom.length > 0 ? h.volumesFrom : null,
    ConsoleSize: h.consoleSize ?? [0, 0],
    CapAdd: h.capAdd.length === 0 ? null : h.capAdd,
    CapDrop: h.capDrop.length === 0 ? null : h.capDrop,
    CgroupnsMode: h.cgroupnsMode ?? defaultCgroupnsMode(),
    Dns: listOrNull(s, 'Dns', h.dns),
    DnsOptions: listOrNull(s, 'DnsOptions', h.dnsOptions),
    DnsSearch: listOrNull(s, 'DnsSearch', h.dnsSearch),
    ExtraHosts: h.extraHosts.length === 0 ? null : h.extraHosts,
    GroupAdd: h.groupAdd ?? null,
    IpcMode: 'private',
    Cgroup: '',
    Links: h.links && h.links.length > 0 ? h.links.map((l) => `/${l.name}:/${name}/${l.alias}`) : null,
    OomScoreAdj: 0,
    PidMode: h.pidMode ?? '',
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: h.securityOpt.length === 0 ? null : h.securityOpt,
    ...(Object.keys(h.tmpfs).length > 0 ? { Tmpfs: h.tmpfs } : {}),
    UTSMode: h.utsMode ?? '',
    UsernsMode: '',
    ShmSize: h.shmSize > 0 ? h.shmSize : 67108864,
    ...(Object.keys(h.sysctls).length > 0 ? { Sysctls: h.sysctls } : {}),
    ...(showRuntime ? { Runtime: runtime } : {}),
    Isolation: h.isolation ?? '',
    CpuShares: h.cpuShares,
    Memory: h.memory,
    NanoCpus: h.nanoCpus,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: listOrNull(s, 'BlkioWeightDevice', []),
    BlkioDeviceReadBps: listOrNull(s, 'BlkioDeviceReadBps', []),
    BlkioDeviceWriteBps: listOrNull(s, 'BlkioDeviceWriteBps', []),
    BlkioDeviceReadIOps: listOrNull(s, 'BlkioDeviceReadIOps', []),
    BlkioDeviceWriteIOps: listOrNull(s, 'BlkioDeviceWriteIOps', []),
    CpuPeriod: h.cpuPeriod,
    CpuQuota: h.cpuQuota,
    CpuRealtimePeriod: h.cpuRealtimePeriod ?? 0,
    CpuRealtimeRuntime: h.cpuRealtimeRuntime ?? 0,
    CpusetCpus: h.cpusetCpus,
    CpusetMems: '',
    Devices: listOrNull(s, 'Devices', h.devices)?.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })) ?? null,
    DeviceCgroupRules: h.deviceCgroupRules && h.deviceCgroupRules.length > 0 ? h.deviceCgroupRules : null,
    DeviceRequests: null,
    // Dropped in API 1.42, and from then shown only when set (omitempty).
    ...(versionLess(version, '1.42') || h.kernelMemory ? { KernelMemory: h.kernelMemory ?? 0 } : {}),
    ...(versionLess(version, '1.42') || h.kernelMemoryTcp ? { KernelMemoryTCP: h.kernelMemoryTcp ?? 0 } : {}),
    MemoryReservation: h.memoryReservation,
    MemorySwap: h.memorySwap,
    MemorySwappiness: null,
    OomKillDisable: h.oomKillDisable,
    PidsLimit: h.pidsLimit > 0 ? h.pidsLimit : null,
    Ulimits: listOrNull(s, 'Ulimits', h.ulimits)?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) ?? null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(h.mounts.length > 0 ? { Mounts: h.mounts.map(mountSpecJson) } : {}),
    ...(h.init ? { Init: true } : {}),
    MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
    ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  };
}

function mountsJson(c: Container) {
  if (c.mountPoints !== undefined) return mountPointsJson(c);
  const binds = c.spec.host.binds.map((b) => {
    const [source = '', destination = '', mode = ''] = b.split(':');
    return { Type: 'bind', Source: source, Destination: destination, Mode: mode, RW: !mode.split(',').includes('ro'), Propagation: 'rprivate' };
  });
  const mounts = c.spec.host.mounts.map((m) => ({ Type: m.type, Source: m.source, Destination: m.target, Mode: '', RW: !m.readOnly, Propagation: m.type === 'bind' ? 'rprivate' : '' }));
  return [...binds, ...mounts];
}

const neverStarted = (c: Container) => c.state.startedAt === '0001-01-01T00:00:00Z' || c.state.startedAt === '';

export function inspectJson(c: Container, options: { version?: string } = {}) {
  const version = options.version ?? maxApiVersion;
  const st = c.state;
  const g = c.graphDriver;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: {
      Status: st.status,
      // docker counts a container waiting out its restart back-off as running.
      Running: st.status === 'running' || st.status === 'paused' || st.status === 'restarting',
      Paused: st.status === 'paused',
      Restarting: st.status === 'restarting',
      OOMKilled: st.oomKilled,
      Dead: st.status === 'dead',
      Pid: st.pid,
      ExitCode: st.exitCode,
      Error: st.error,
      StartedAt: st.startedAt,
      FinishedAt: st.finishedAt,
      ...(st.health
        ? { Health: { Status: st.health.status, FailingStreak: st.health.failingStreak, Log: st.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })) } }
        : {}),
    },
    Image: c.imageId,
    ResolvConfPath: c.resolvConfPath,
    HostnamePath: c.hostnamePath,
    HostsPath: c.hostsPath,
    LogPath: c.logPath,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfigJson(c.spec, c.runtime, { name: c.name, version, started: !neverStarted(c) }),
    GraphDriver: { Data: g ? { LowerDir: g.lowerDir, MergedDir: g.mergedDir, UpperDir: g.upperDir, WorkDir: g.workDir } : null, Name: 'overlay2' },
    ...(c.sizeRw !== undefined ? { SizeRw: c.sizeRw } : {}),
    ...(c.sizeRootFs !== undefined ? { SizeRootFs: c.sizeRootFs } : {}),
    Mounts: mountsJson(c),
    Config: configJson(c),
    NetworkSettings: networkSettingsJson(c, version),
  };
}

/** docker list's Command: path and args, args with spaces single-quoted. */
export function commandText(c: Container): string {
  if (c.args.length === 0) return c.path;
  return `${c.path} ${c.args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/** `image`: what to show as Image — the name the container was created with while it still names the same image, else the id (docker's rule). */
export function listJson(c: Container, options: { now?: number; image?: string; version?: string } = {}) {
  const now = options.now ?? Date.now();
  const image = options.image ?? c.spec.image;
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: image,
    ImageID: c.imageId,
    Command: commandText(c),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: listPortsJson(c),
    // docker's list omits zero sizes (omitempty), unlike inspect.
    ...(c.sizeRw ? { SizeRw: c.sizeRw } : {}),
    ...(c.sizeRootFs ? { SizeRootFs: c.sizeRootFs } : {}),
    Labels: c.spec.labels,
    State: stateString(c.state),
    Status: statusText(c.state, now),
    HostConfig: { NetworkMode: c.spec.host.networkMode },
    NetworkSettings: { Networks: networksJson(c, options.version ?? maxApiVersion) },
    Mounts: mountsJson(c),
  };
}
