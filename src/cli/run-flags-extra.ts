// cli: the rest of docker's `run`/`create` flags — namespaces (--pid, --ipc, --uts,
// --userns, --cgroupns), cgroup and block-IO limits, --link, --gpus, --annotation,
// --label-file, --storage-opt, IPv6 and link-local addresses — and docker's hidden
// aliases (--net, --net-alias, --dns-opt), turned into Config/HostConfig fields with
// the docker CLI's parsing and messages.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseRamBytes } from '../cli-kit/index.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface ExtraRunFlags {
  annotation?: string[];
  attach?: string[];
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  cgroupParent?: string;
  cgroupns?: string;
  cidfile?: string;
  cpuCount?: string;
  cpuPercent?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetMems?: string;
  deviceCgroupRule?: string[];
  deviceReadBps?: string[];
  deviceReadIops?: string[];
  deviceWriteBps?: string[];
  deviceWriteIops?: string[];
  gpus?: string;
  ioMaxbandwidth?: string;
  ioMaxiops?: string;
  ip6?: string;
  ipc?: string;
  isolation?: string;
  kernelMemory?: string;
  labelFile?: string[];
  link?: string[];
  linkLocalIp?: string[];
  memorySwappiness?: string;
  oomScoreAdj?: string;
  pid?: string;
  platform?: string;
  pull?: string;
  quiet?: boolean;
  storageOpt?: string[];
  useApiSocket?: boolean;
  userns?: string;
  uts?: string;
  volumeDriver?: string;
}

/**
 * Registers `alias` as a hidden second name of the option stored under `target`
 * (pflag lets two flags share one variable; commander needs the value moved over).
 */
export function addHiddenAlias(cmd: Command, flags: string, target: string, list: boolean): void {
  const opt = new Option(flags).hideHelp();
  cmd.addOption(opt);
  cmd.on(`option:${opt.name()}`, (v: string) => {
    const prev = cmd.getOptionValue(target) as string[] | undefined;
    cmd.setOptionValue(target, list ? [...(prev ?? []), v] : v);
  });
}

/** Registers the flags of this file on `run` / `create`. */
export function addExtraRunFlags(cmd: Command, isRun: boolean): Command {
  cmd
    .option('--annotation <map>', 'Add an annotation to the container (passed through to the OCI runtime)', collect)
    .option('-a, --attach <list>', 'Attach to STDIN, STDOUT or STDERR', collect)
    .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)')
    .option('--blkio-weight-device <list>', 'Block IO weight (relative device weight)', collect)
    .option('--cgroup-parent <string>', 'Optional parent cgroup for the container')
    .option('--cgroupns <string>', `Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)`)
    .option('--cidfile <string>', 'Write the container ID to the file')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpu-rt-period <int>', 'Limit CPU real-time period in microseconds')
    .option('--cpu-rt-runtime <int>', 'Limit CPU real-time runtime in microseconds')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--device-cgroup-rule <list>', 'Add a rule to the cgroup allowed devices list', collect)
    .option('--device-read-bps <list>', 'Limit read rate (bytes per second) from a device', collect)
    .option('--device-read-iops <list>', 'Limit read rate (IO per second) from a device', collect)
    .option('--device-write-bps <list>', 'Limit write rate (bytes per second) to a device', collect)
    .option('--device-write-iops <list>', 'Limit write rate (IO per second) to a device', collect)
    .option('--disable-content-trust [bool]', 'Skip image verification')
    .option('--gpus <gpu-request>', "GPU devices to add to the container ('all' to pass all GPUs)")
    .option('--ip6 <string>', 'IPv6 address (e.g., 2001:db8::33)')
    .option('--ipc <string>', 'IPC mode to use')
    .option('--isolation <string>', 'Container isolation technology')
    .option('--kernel-memory <bytes>', 'Kernel memory limit')
    .option('--label-file <list>', 'Read in a line delimited file of labels', collect)
    .option('--link <list>', 'Add link to another container', collect)
    .option('--link-local-ip <list>', 'Container IPv4/IPv6 link-local addresses', collect)
    .option('--memory-swappiness <int>', 'Tune container memory swappiness (0 to 100)')
    .option('--oom-score-adj <int>', "Tune host's OOM preferences (-1000 to 1000)")
    .option('--pid <string>', 'PID namespace to use')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--pull <string>', isRun ? 'Pull image before running ("always", "missing", "never")' : 'Pull image before creating ("always", "|missing", "never")', 'missing')
    .option('-q, --quiet', 'Suppress the pull output')
    .option('--storage-opt <list>', 'Storage driver options for the container', collect)
    .option('--use-api-socket', 'Bind mount Docker API socket and required auth')
    .option('--userns <string>', 'User namespace to use')
    .option('--uts <string>', 'UTS namespace to use')
    .option('--volume-driver <string>', 'Optional volume driver for the container');
  // Windows-only in docker (annotated ostype=windows: help leaves them out for a Linux daemon), still parsed
  cmd.option('--cpu-count <int>', 'CPU count (Windows only)')
    .option('--cpu-percent <int>', 'CPU percent (Windows only)')
    .option('--io-maxbandwidth <bytes>', 'Maximum IO bandwidth limit for the system drive (Windows only)')
    .option('--io-maxiops <uint>', 'Maximum IOps limit for the system drive (Windows only)');
  const windows = { needs: { osType: 'windows' } };
  describeFlags(cmd, {
    annotation: { def: 'map[]', needs: { version: '1.43' } }, 'blkio-weight-device': '[]', cgroupns: { needs: { version: '1.41' } },
    'cpu-rt-period': { needs: { version: '1.25' } }, 'cpu-rt-runtime': { needs: { version: '1.25' } }, gpus: { needs: { version: '1.40' } },
    'device-read-bps': '[]', 'device-read-iops': '[]', 'device-write-bps': '[]', 'device-write-iops': '[]',
    'disable-content-trust': 'true', 'memory-swappiness': '-1', platform: { needs: { version: '1.32' } },
    'cpu-count': windows, 'cpu-percent': windows, 'io-maxbandwidth': windows, 'io-maxiops': windows,
  });
  // docker's hidden aliases of --network, --network-alias and --dns-option
  addHiddenAlias(cmd, '--net <network>', 'network', true);
  // pflag names a --network value it refuses by the flag as typed: which one gave each value.
  for (const name of ['network', 'net']) {
    cmd.on(`option:${name}`, () => cmd.setOptionValue('networkFlag', [...((cmd.getOptionValue('networkFlag') as string[] | undefined) ?? []), `--${name}`]));
  }
  addHiddenAlias(cmd, '--net-alias <list>', 'networkAlias', true);
  addHiddenAlias(cmd, '--dns-opt <list>', 'dnsOption', true);
  return cmd;
}

function int(text: string, flag: string, bits = 64, unsigned = false): number {
  const ok = unsigned ? /^\+?\d+$/.test(text) : /^[+-]?\d+$/.test(text);
  const n = Number(text);
  const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  if (!ok) throw new Error(`invalid argument "${text}" for "${flag}" flag: strconv.Parse${unsigned ? 'Uint' : 'Int'}: parsing "${text}": invalid syntax`);
  if (n > max || (!unsigned && n < -max - 1)) throw new Error(`invalid argument "${text}" for "${flag}" flag: strconv.Parse${unsigned ? 'Uint' : 'Int'}: parsing "${text}": value out of range`);
  return n;
}

function bytes(text: string, flag: string): number {
  try {
    return parseRamBytes(text);
  } catch {
    throw new Error(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`);
  }
}

/** `path:weight` (opts.ValidateWeightDevice). */
function weightDevice(text: string): { Path: string; Weight: number } {
  const [path = '', w, extra] = text.split(':');
  if (w === undefined || extra !== undefined) throw new Error(`invalid argument "${text}" for "--blkio-weight-device" flag: bad format: ${text}`);
  if (!path.startsWith('/dev/')) throw new Error(`invalid argument "${text}" for "--blkio-weight-device" flag: bad format for device path: ${text}`);
  const weight = Number(w);
  if (!/^\d+$/.test(w) || (weight !== 0 && (weight < 10 || weight > 1000))) throw new Error(`invalid argument "${text}" for "--blkio-weight-device" flag: invalid weight for device: ${text}`);
  return { Path: path, Weight: weight };
}

/** `path:rate` for the bps (a size) and iops (a number) throttles. */
function throttleDevice(text: string, flag: string, iops: boolean): { Path: string; Rate: number } {
  const [path = '', r, extra] = text.split(':');
  if (r === undefined || extra !== undefined) throw new Error(`invalid argument "${text}" for "${flag}" flag: bad format: ${text}`);
  if (!path.startsWith('/dev/')) throw new Error(`invalid argument "${text}" for "${flag}" flag: bad format for device path: ${text}`);
  if (iops) {
    if (!/^\d+$/.test(r)) throw new Error(`invalid argument "${text}" for "${flag}" flag: invalid rate for device: ${text}. The correct format is <device-path>:<number>. Number must be a positive integer`);
    return { Path: path, Rate: Number(r) };
  }
  try {
    return { Path: path, Rate: parseRamBytes(r) };
  } catch {
    throw new Error(`invalid argument "${text}" for "${flag}" flag: invalid rate for device: ${text}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
}

/** `--gpus all`, `--gpus 2`, `--gpus '"device=0,1"'`, `count=…,driver=…,capabilities=…`. */
export function parseGpus(text: string): Record<string, unknown> {
  const req: { Driver: string; Count: number; DeviceIDs: string[] | null; Capabilities: string[][]; Options: Record<string, string> | null } = { Driver: '', Count: 0, DeviceIDs: null, Capabilities: [['gpu']], Options: null };
  const fields = text.replace(/^"|"$/g, '').split(/,(?=[a-z]+=)/);
  for (const f of fields) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const val = eq < 0 ? '' : f.slice(eq + 1);
    if (eq < 0 && key === 'all') { req.Count = -1; continue; }
    if (eq < 0 && /^\d+$/.test(key)) { req.Count = Number(key); continue; }
    if (key === 'count') req.Count = val === 'all' ? -1 : Number(val);
    else if (key === 'device') req.DeviceIDs = val.split(',');
    else if (key === 'driver') req.Driver = val;
    else if (key === 'capabilities') req.Capabilities = [['gpu', ...val.split(',').filter((c) => c !== 'gpu')]];
    else if (key === 'options') req.Options = Object.fromEntries(val.split(',').map((o) => o.split('=') as [string, string]));
    else throw new Error(`invalid argument "${text}" for "--gpus" flag: unexpected key '${key}' in '${text}'`);
  }
  return req;
}

const kv = (values: readonly string[]) => Object.fromEntries(values.map((v) => { const i = v.indexOf('='); return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)]; }));

/** The Config (`config`) and HostConfig (`host`) fields of these flags (--ip6 and --link-local-ip are the endpoint's: run-flags-networks.ts). */
export function extraBodyParts(f: ExtraRunFlags, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): { config: Record<string, unknown>; host: Record<string, unknown> } {
  const config: Record<string, unknown> = {};
  const host: Record<string, unknown> = {};
  if (f.attach) {
    const streams = f.attach.map((a) => a.toLowerCase());
    for (const s of streams) if (!['stdin', 'stdout', 'stderr'].includes(s)) throw new Error(`invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    config['AttachStdin'] = streams.includes('stdin');
    config['AttachStdout'] = streams.includes('stdout');
    config['AttachStderr'] = streams.includes('stderr');
  }
  if (f.labelFile) {
    const labels: Record<string, string> = {};
    for (const file of f.labelFile) {
      let text: string;
      try { text = readFile(file); } catch { throw new Error(`open ${file}: no such file or directory`); }
      Object.assign(labels, kv(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))));
    }
    config['LabelsFromFile'] = labels;
  }
  if (f.annotation) host['Annotations'] = kv(f.annotation);
  if (f.blkioWeight !== undefined) {
    const w = int(f.blkioWeight, '--blkio-weight', 16, true);
    host['BlkioWeight'] = w;
  }
  if (f.blkioWeightDevice) host['BlkioWeightDevice'] = f.blkioWeightDevice.map(weightDevice);
  if (f.deviceReadBps) host['BlkioDeviceReadBps'] = f.deviceReadBps.map((d) => throttleDevice(d, '--device-read-bps', false));
  if (f.deviceWriteBps) host['BlkioDeviceWriteBps'] = f.deviceWriteBps.map((d) => throttleDevice(d, '--device-write-bps', false));
  if (f.deviceReadIops) host['BlkioDeviceReadIOps'] = f.deviceReadIops.map((d) => throttleDevice(d, '--device-read-iops', true));
  if (f.deviceWriteIops) host['BlkioDeviceWriteIOps'] = f.deviceWriteIops.map((d) => throttleDevice(d, '--device-write-iops', true));
  if (f.cgroupParent !== undefined) host['CgroupParent'] = f.cgroupParent;
  if (f.cgroupns !== undefined) {
    if (!['', 'host', 'private'].includes(f.cgroupns)) throw new Error('--cgroupns: invalid CGROUP mode');
    host['CgroupnsMode'] = f.cgroupns;
  }
  if (f.cpuCount !== undefined) host['CpuCount'] = int(f.cpuCount, '--cpu-count');
  if (f.cpuPercent !== undefined) host['CpuPercent'] = int(f.cpuPercent, '--cpu-percent');
  if (f.cpuPeriod !== undefined) host['CpuPeriod'] = int(f.cpuPeriod, '--cpu-period');
  if (f.cpuQuota !== undefined) host['CpuQuota'] = int(f.cpuQuota, '--cpu-quota');
  if (f.cpuRtPeriod !== undefined) host['CpuRealtimePeriod'] = int(f.cpuRtPeriod, '--cpu-rt-period');
  if (f.cpuRtRuntime !== undefined) host['CpuRealtimeRuntime'] = int(f.cpuRtRuntime, '--cpu-rt-runtime');
  if (f.cpusetMems !== undefined) host['CpusetMems'] = f.cpusetMems;
  if (f.deviceCgroupRule) {
    for (const r of f.deviceCgroupRule) if (!/^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.test(r)) throw new Error(`invalid argument "${r}" for "--device-cgroup-rule" flag: invalid device cgroup format '${r}'`);
    host['DeviceCgroupRules'] = [...f.deviceCgroupRule];
  }
  if (f.gpus !== undefined) host['DeviceRequests'] = [parseGpus(f.gpus)];
  if (f.ioMaxbandwidth !== undefined) host['IOMaximumBandwidth'] = bytes(f.ioMaxbandwidth, '--io-maxbandwidth');
  if (f.ioMaxiops !== undefined) host['IOMaximumIOps'] = int(f.ioMaxiops, '--io-maxiops', 64, true);
  if (f.ipc !== undefined) host['IpcMode'] = f.ipc;
  if (f.isolation !== undefined) host['Isolation'] = f.isolation;
  if (f.kernelMemory !== undefined) host['KernelMemory'] = bytes(f.kernelMemory, '--kernel-memory');
  if (f.link) {
    for (const l of f.link) {
      const [name = '', alias, extra] = l.split(':');
      if (name === '' || alias === '' || extra !== undefined) throw new Error(`invalid argument "${l}" for "--link" flag: bad format for links: ${l}`);
    }
    host['Links'] = [...f.link];
  }
  if (f.memorySwappiness !== undefined) {
    const n = int(f.memorySwappiness, '--memory-swappiness');
    if (n !== -1 && (n < 0 || n > 100)) throw new Error(`invalid value: ${n}. Valid memory swappiness range is 0-100`);
    host['MemorySwappiness'] = n;
  }
  if (f.oomScoreAdj !== undefined) {
    const n = int(f.oomScoreAdj, '--oom-score-adj', 32);
    if (n < -1000 || n > 1000) throw new Error(`invalid value: ${n}. Valid OOM score adjustment range is -1000 to 1000`);
    host['OomScoreAdj'] = n;
  }
  if (f.pid !== undefined) {
    if (!/^(|host|container:.+)$/.test(f.pid)) throw new Error('--pid: invalid PID mode');
    host['PidMode'] = f.pid;
  }
  if (f.uts !== undefined) {
    if (!/^(|host)$/.test(f.uts)) throw new Error('--uts: invalid UTS mode');
    host['UTSMode'] = f.uts;
  }
  if (f.userns !== undefined) {
    if (!/^(|host)$/.test(f.userns)) throw new Error('--userns: invalid USER mode');
    host['UsernsMode'] = f.userns;
  }
  if (f.storageOpt) {
    for (const o of f.storageOpt) if (!o.includes('=')) throw new Error(`invalid storage option ${o}`);
    host['StorageOpt'] = kv(f.storageOpt);
  }
  if (f.volumeDriver !== undefined) host['VolumeDriver'] = f.volumeDriver;
  if (f.pull !== undefined && !['always', 'missing', 'never'].includes(f.pull)) throw new Error(`invalid pull option: '${f.pull}': must be one of "always", "missing" or "never"`);
  return { config, host };
}
