// buildSpec(): the OCI runtime spec (config.json, runtime-spec 1.0.2) for a
// container, with docker's defaults — capabilities, seccomp profile, masked and
// read-only paths, /dev, /dev/shm, device cgroup rules, namespaces — and the
// user's HostConfig on top. Pure apart from reading host facts (own rlimits,
// own capabilities, seccomp profile, cgroup layout, the ABIs the kernel runs),
// which are cached.
import type { OciMount, OciSpec, SpecInput } from './types.ts';
import { defaultCapabilities, hostCapabilities, tweakCapabilities } from './capabilities.ts';
import { buildRlimits, RLIM_UNLIMITED } from './rlimits.ts';
import { defaultSeccompProfilePath, seccompSection } from './seccomp.ts';
import { cgroupInfo } from './cgroups.ts';
import { unrunnableArchitectures } from './abis.ts';
import { deviceFromPath, hostDevices, parseDeviceCgroupRule } from './devices.ts';
import type { DeviceCgroupRule, OciDevice } from './devices.ts';

export const defaultMaskedPaths: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const defaultReadonlyPaths: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

type DeviceRule = DeviceCgroupRule;

/** docker's default device cgroup rules: deny all, then the basic char devices; fuse stays denied. */
const defaultDeviceRules: readonly DeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // /dev/fuse
];

/** Options for how host facts are read; tests pass fixed values. */
export interface BuildSpecHost {
  readonly limits?: Map<string, { soft: number; hard: number }>;
  readonly capabilities?: readonly string[];
  readonly cgroupVersion?: '1' | '2';
  readonly arch?: string;
  readonly kernel?: string;
  /** Seccomp architectures this kernel does not run (default: probed, abis.ts). */
  readonly unrunnableArchitectures?: readonly string[];
}

export function buildSpec(input: SpecInput, host: BuildSpecHost = {}): OciSpec {
  const allCaps = host.capabilities ?? hostCapabilities();
  const caps = input.privileged ? [...allCaps] : tweakCapabilities(defaultCapabilities, input.capAdd, input.capDrop, allCaps);
  // moby: a non-root process gets only the bounding set, as execve would leave it.
  const capabilities: Record<string, string[]> =
    input.user.uid === 0 ? { bounding: caps, effective: [...caps], permitted: [...caps] } : { bounding: caps };

  const additionalGids = [input.user.gid, ...input.user.additionalGids.filter((g) => g !== input.user.gid)];
  const process: Record<string, unknown> = {
    terminal: input.terminal,
    user: { uid: input.user.uid, gid: input.user.gid, additionalGids },
    args: [...input.args],
    env: [...input.env],
    cwd: input.cwd || '/',
    capabilities,
    rlimits: buildRlimits(input.ulimits, host.limits),
    oomScoreAdj: input.oomScoreAdj ?? 0,
  };
  if (input.noNewPrivileges) process['noNewPrivileges'] = true;

  const cgroupVersion = host.cgroupVersion ?? cgroupInfo().version;
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process,
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    ...(input.hostUts ? {} : { hostname: input.hostname }),
    mounts: buildMounts(input),
    linux: buildLinux(input, caps, cgroupVersion, host),
  };
  if (input.domainname && !input.hostUts) spec['domainname'] = input.domainname;
  if (Object.keys(input.annotations).length > 0) spec['annotations'] = { ...input.annotations };
  return spec;
}

function buildMounts(input: SpecInput): OciMount[] {
  const user: OciMount[] = [...input.mounts];
  for (const [dest, opts] of Object.entries(input.tmpfs)) {
    user.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...opts.split(',').filter(Boolean)] });
  }
  const taken = new Set(user.map((m) => clean(m.destination)));
  const shmSize = input.shmSize > 0 ? input.shmSize : 64 * 1024 * 1024;
  const base: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...(input.privileged && !input.readonlyRootfs ? [] : ['ro'])] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...(input.privileged ? [] : ['ro']), 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
  const etc: [string, string | undefined][] = [
    ['/etc/resolv.conf', input.etcFiles.resolvConf],
    ['/etc/hostname', input.etcFiles.hostname],
    ['/etc/hosts', input.etcFiles.hosts],
  ];
  for (const [dest, source] of etc) {
    if (source !== undefined) base.push({ destination: dest, type: 'bind', source, options: ['rbind', 'rprivate'] });
  }
  // A user mount on the same destination replaces docker's default one.
  return [...base.filter((m) => !taken.has(m.destination)), ...sortByDepth(user)];
}

function clean(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Parents before children (stable otherwise), so /a is mounted before /a/b. */
function sortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => clean(m.destination).split('/').filter(Boolean).length;
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i).map((x) => x.m);
}

function buildLinux(input: SpecInput, caps: readonly string[], cgroupVersion: '1' | '2', host: BuildSpecHost): Record<string, unknown> {
  const namespaces: Record<string, string>[] = [{ type: 'mount' }];
  if (input.network.mode === 'new') namespaces.push({ type: 'network' });
  else if (input.network.mode === 'path') namespaces.push({ type: 'network', path: input.network.path });
  if (!input.hostUts) namespaces.push({ type: 'uts' });
  if (input.pidNamespace) namespaces.push({ type: 'pid', path: input.pidNamespace });
  else if (!input.hostPid) namespaces.push({ type: 'pid' });
  if (input.ipcNamespace) namespaces.push({ type: 'ipc', path: input.ipcNamespace });
  else if (!input.hostIpc) namespaces.push({ type: 'ipc' });
  if ((input.cgroupns ?? (cgroupVersion === '2' ? 'private' : 'host')) === 'private') namespaces.push({ type: 'cgroup' });

  const sysctl: Record<string, string> = {};
  if (input.network.mode !== 'host') {
    // docker: unprivileged ping and low ports inside the container's own netns.
    sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
    sysctl['net.ipv4.ping_group_range'] = '0 2147483647';
  }
  Object.assign(sysctl, input.sysctls);

  const devices: OciDevice[] = input.privileged ? hostDevices() : [];
  const deviceRules: DeviceRule[] = input.privileged ? [{ allow: true, access: 'rwm' }] : [...defaultDeviceRules];
  for (const d of input.devices) {
    const dev = deviceFromPath(d.pathOnHost, d.pathInContainer || d.pathOnHost);
    const i = devices.findIndex((x) => x.path === dev.path);
    if (i >= 0) devices.splice(i, 1);
    devices.push(dev);
    if (!input.privileged) deviceRules.push({ allow: true, type: dev.type, major: dev.major, minor: dev.minor, access: d.cgroupPermissions || 'rwm' });
  }
  if (!input.privileged) for (const r of input.deviceCgroupRules ?? []) deviceRules.push(parseDeviceCgroupRule(r));

  const linux: Record<string, unknown> = {
    sysctl,
    resources: buildResources(input, deviceRules),
    cgroupsPath: input.cgroupsPath,
    namespaces,
  };
  if (devices.length > 0) linux['devices'] = devices;
  // As dockerd: a shared bind needs the rootfs mount shared too (else its mounts never reach the host); a slave one, slave.
  const propagations = input.mounts.flatMap((m) => m.options ?? []);
  if (propagations.some((o) => o === 'rshared' || o === 'shared')) linux['rootfsPropagation'] = 'shared';
  else if (propagations.some((o) => o === 'rslave' || o === 'slave')) linux['rootfsPropagation'] = 'rslave';
  if (!input.privileged) {
    if (input.seccompProfile !== 'unconfined') {
      linux['seccomp'] = seccompSection(input.seccompProfile ?? defaultSeccompProfilePath, {
        capabilities: caps,
        ...(host.arch !== undefined ? { arch: host.arch } : {}),
        ...(host.kernel !== undefined ? { kernel: host.kernel } : {}),
        unrunnable: host.unrunnableArchitectures ?? unrunnableArchitectures(),
      });
    }
    linux['maskedPaths'] = [...(input.maskedPaths ?? defaultMaskedPaths)];
    linux['readonlyPaths'] = [...(input.readonlyPaths ?? defaultReadonlyPaths)];
  }
  return linux;
}

function buildResources(input: SpecInput, devices: DeviceRule[]): Record<string, unknown> {
  const resources: Record<string, unknown> = { devices };

  const memory: Record<string, unknown> = {};
  if (input.memory > 0) {
    memory['limit'] = input.memory;
    // docker: swap defaults to twice the memory limit; -1 is unlimited swap.
    if (input.memorySwap > 0 || input.memorySwap === -1) memory['swap'] = input.memorySwap;
    else memory['swap'] = input.memory * 2;
  }
  if (input.memoryReservation > 0) memory['reservation'] = input.memoryReservation;
  if (input.oomKillDisable) memory['disableOOMKiller'] = true;
  if (Object.keys(memory).length > 0) resources['memory'] = memory;

  const cpu: Record<string, unknown> = {};
  if (input.cpuShares > 0) cpu['shares'] = input.cpuShares;
  if (input.nanoCpus > 0) {
    const period = 100000;
    cpu['period'] = period;
    cpu['quota'] = Math.round((input.nanoCpus * period) / 1e9);
  } else {
    if (input.cpuQuota !== 0) cpu['quota'] = input.cpuQuota;
    if (input.cpuPeriod > 0) cpu['period'] = input.cpuPeriod;
  }
  if (input.cpusetCpus) cpu['cpus'] = input.cpusetCpus;
  if ((input.cpuRealtimeRuntime ?? 0) > 0) cpu['realtimeRuntime'] = input.cpuRealtimeRuntime;
  if ((input.cpuRealtimePeriod ?? 0) > 0) cpu['realtimePeriod'] = input.cpuRealtimePeriod;
  if (Object.keys(cpu).length > 0) resources['cpu'] = cpu;

  if (input.pidsLimit > 0) resources['pids'] = { limit: input.pidsLimit };
  return resources;
}

const infinityMark = '\u0000RLIM_INFINITY\u0000';

/**
 * config.json text for a spec. Unlike JSON.stringify it writes unlimited rlimits
 * as RLIM_INFINITY (2^64-1), which no JavaScript number can hold exactly; with
 * plain JSON.stringify they stay 2^53-1, which works but shows as a number.
 */
export function specToJson(spec: OciSpec): string {
  const text = JSON.stringify(spec, function (this: unknown, key: string, value: unknown) {
    if ((key === 'hard' || key === 'soft') && value === RLIM_UNLIMITED) return infinityMark;
    return value;
  });
  return text.split(JSON.stringify(infinityMark)).join('18446744073709551615');
}
