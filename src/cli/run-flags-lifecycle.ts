// cli: the `run`/`create` flags of the container lifecycle — restart policy,
// health check, --init, stop signal/timeout, ulimits, capabilities, security
// options, devices, sysctls, extra hosts, DNS and the finer resource limits —
// registered on the command and turned into Config/HostConfig fields with the
// docker CLI's parsing and messages.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseRestartPolicy } from '../core/restart-policy.ts';
import { parseRamBytes } from '../cli-kit/index.ts';
import { parseGoDuration as goDuration } from '../lib/go-units.ts';
import { describeFlags } from './help-meta.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface LifecycleFlags {
  rm?: boolean;
  restart?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthcheck?: boolean;
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  ulimit?: string[];
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
  readOnly?: boolean;
  device?: string[];
  shmSize?: string;
  sysctl?: string[];
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  cpuShares?: string;
  cpusetCpus?: string;
  memorySwap?: string;
  memoryReservation?: string;
  oomKillDisable?: boolean;
  groupAdd?: string[];
  domainname?: string;
  macAddress?: string;
}

/** Registers the lifecycle flags on `run` / `create`. */
export function addLifecycleRunFlags(cmd: Command): Command {
  describeFlags(cmd, {
    restart: 'no', sysctl: 'map[]', ulimit: '[]', 'health-start-period': { needs: { version: '1.29' } },
    'health-start-interval': { needs: { version: '1.44' } }, init: { needs: { version: '1.25' } }, 'stop-timeout': { needs: { version: '1.25' } },
  });
  return cmd
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy')
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--health-start-interval <duration>', 'Time between running the check during the start period (ms|s|m|h) (default 0s)')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container')
    .option('--ulimit <ulimit>', 'Ulimit options', collect)
    .option('--cap-add <list>', 'Add Linux capabilities', collect)
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect)
    .option('--privileged', 'Give extended privileges to this container')
    .option('--security-opt <list>', 'Security Options', collect)
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('--device <list>', 'Add a host device to the container', collect)
    .option('--shm-size <bytes>', 'Size of /dev/shm')
    .option('--sysctl <map>', 'Sysctl options', collect)
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect)
    .option('--dns <list>', 'Set custom DNS servers', collect)
    .option('--dns-search <list>', 'Set custom DNS search domains', collect)
    .option('--dns-option <list>', 'Set DNS options', collect)
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .option('--group-add <list>', 'Add additional groups to join', collect)
    .option('--domainname <string>', 'Container NIS domain name')
    .option('--mac-address <string>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)');
}

/** Go's time.ParseDuration, in nanoseconds (`1m30s`, `500ms`, `0`). */
export function parseGoDuration(text: string, flag: string): number {
  try {
    return goDuration(text);
  } catch (err) {
    throw new Error(`invalid argument "${text}" for "${flag}" flag: ${(err as Error).message}`);
  }
}

function parseIntFlag(text: string, flag: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${JSON.stringify(text).slice(1, -1)}": invalid syntax`);
  return Number(text);
}

function parseBytes(text: string, flag: string): number {
  try {
    return parseRamBytes(text);
  } catch (err) {
    throw new Error(`invalid argument "${text}" for "${flag}" flag: ${(err as Error).message}`);
  }
}

const ulimitNames = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

/** `name=soft[:hard]` (go-units ParseUlimit). */
export function parseUlimit(text: string): { Name: string; Soft: number; Hard: number } {
  const eq = text.indexOf('=');
  if (eq < 0) throw new Error(`invalid argument "${text}" for "--ulimit" flag: invalid ulimit argument: ${text}`);
  const name = text.slice(0, eq);
  if (!ulimitNames.has(name)) throw new Error(`invalid argument "${text}" for "--ulimit" flag: invalid ulimit type: ${name}`);
  const [softText = '', hardText, extra] = text.slice(eq + 1).split(':');
  if (extra !== undefined) throw new Error(`invalid argument "${text}" for "--ulimit" flag: too many limit value arguments - ${text.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const num = (v: string) => {
    if (!/^-?\d+$/.test(v)) throw new Error(`invalid argument "${text}" for "--ulimit" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const soft = num(softText);
  const hard = hardText === undefined ? soft : num(hardText);
  if (soft > hard && hard !== -1) throw new Error(`invalid argument "${text}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** `/dev/host[:/dev/container][:perms]`. */
export function parseDevice(text: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = text.split(':');
  const isPerm = (s: string) => /^[rwm]{1,3}$/.test(s);
  let perms = 'rwm';
  if (parts.length > 1 && isPerm(parts[parts.length - 1] ?? '')) perms = parts.pop() ?? 'rwm';
  if (parts.length > 2 || parts[0] === '') throw new Error(`invalid argument "${text}" for "--device" flag: invalid device specification: ${text}`);
  const host = parts[0] ?? '';
  return { PathOnHost: host, PathInContainer: parts[1] ?? host, CgroupPermissions: perms };
}

/** `host:ip` or `host=ip` → docker's ExtraHosts entry `host:ip`. */
export function parseAddHost(text: string): string {
  const sep = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
  const host = sep < 0 ? '' : text.slice(0, sep);
  const ip = sep < 0 ? '' : text.slice(sep + 1).replace(/^\[|\]$/g, '');
  const ipOk = ip === 'host-gateway' || /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || (ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip));
  if (host === '' || !ipOk) throw new Error(`invalid argument "${text}" for "--add-host" flag: invalid IP address in add-host: "${ip}"`);
  return `${host}:${ip}`;
}

/** docker reads `seccomp=<file>` on the client and sends the profile inline. */
function securityOpts(values: readonly string[], readFile: (p: string) => string): string[] {
  return values.map((v) => {
    const m = /^seccomp[=:](.*)$/.exec(v);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return v;
    let text: string;
    try {
      text = readFile(m[1] ?? '');
    } catch (err) {
      throw new Error(`opening seccomp profile (${m[1]}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch (err) {
      throw new Error(`compacting json for seccomp profile (${m[1]}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

/** The Config and HostConfig fields these flags set (only those given). */
export function lifecycleBodyParts(flags: LifecycleFlags, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): { config: Record<string, unknown>; host: Record<string, unknown> } {
  const config: Record<string, unknown> = {};
  const host: Record<string, unknown> = {};
  if (flags.restart !== undefined) {
    const policy = parseRestartPolicy(flags.restart);
    if (flags.rm && policy.name !== 'no' && policy.name !== '') throw new Error('conflicting options: cannot specify both --restart and --rm');
    host['RestartPolicy'] = { Name: policy.name, MaximumRetryCount: policy.maximumRetryCount };
  } else {
    // As the docker CLI: always sent, so that inspect shows "no" (dockerd echoes the name as sent).
    host['RestartPolicy'] = { Name: 'no', MaximumRetryCount: 0 };
  }
  // commander's --no-healthcheck makes `healthcheck` false.
  const noHealthcheck = flags.healthcheck === false;
  const healthSet = flags.healthCmd !== undefined || flags.healthInterval !== undefined || flags.healthTimeout !== undefined || flags.healthRetries !== undefined || flags.healthStartPeriod !== undefined || flags.healthStartInterval !== undefined;
  if (noHealthcheck) {
    if (healthSet) throw new Error('--no-healthcheck conflicts with --health-* options');
    config['Healthcheck'] = { Test: ['NONE'] };
  } else if (healthSet) {
    const hc: Record<string, unknown> = {};
    if (flags.healthCmd !== undefined && flags.healthCmd !== '') hc['Test'] = ['CMD-SHELL', flags.healthCmd];
    const durations: [keyof LifecycleFlags, string, string][] = [
      ['healthInterval', 'Interval', '--health-interval'],
      ['healthTimeout', 'Timeout', '--health-timeout'],
      ['healthStartPeriod', 'StartPeriod', '--health-start-period'],
      ['healthStartInterval', 'StartInterval', '--health-start-interval'],
    ];
    for (const [key, field, flag] of durations) {
      const v = flags[key];
      if (typeof v !== 'string') continue;
      const ns = parseGoDuration(v, flag);
      if (ns < 0) throw new Error(`${flag} cannot be negative`);
      hc[field] = ns;
    }
    if (flags.healthRetries !== undefined) {
      const n = parseIntFlag(flags.healthRetries, '--health-retries');
      if (n < 0) throw new Error('--health-retries cannot be negative');
      hc['Retries'] = n;
    }
    config['Healthcheck'] = hc;
  }
  if (flags.init) host['Init'] = true;
  if (flags.stopSignal !== undefined) config['StopSignal'] = flags.stopSignal;
  if (flags.stopTimeout !== undefined) config['StopTimeout'] = parseIntFlag(flags.stopTimeout, '--stop-timeout');
  if (flags.ulimit?.length) host['Ulimits'] = flags.ulimit.map(parseUlimit);
  if (flags.capAdd?.length) host['CapAdd'] = flags.capAdd.flatMap((v) => v.split(','));
  if (flags.capDrop?.length) host['CapDrop'] = flags.capDrop.flatMap((v) => v.split(','));
  if (flags.privileged) host['Privileged'] = true;
  if (flags.securityOpt?.length) host['SecurityOpt'] = securityOpts(flags.securityOpt, readFile);
  if (flags.readOnly) host['ReadonlyRootfs'] = true;
  if (flags.device?.length) host['Devices'] = flags.device.map(parseDevice);
  if (flags.shmSize !== undefined) host['ShmSize'] = parseBytes(flags.shmSize, '--shm-size');
  if (flags.sysctl?.length) {
    const map: Record<string, string> = {};
    for (const s of flags.sysctl) {
      const eq = s.indexOf('=');
      if (eq <= 0) throw new Error(`invalid argument "${s}" for "--sysctl" flag: ${s} is not a valid sysctl value`);
      map[s.slice(0, eq)] = s.slice(eq + 1);
    }
    host['Sysctls'] = map;
  }
  if (flags.addHost?.length) host['ExtraHosts'] = flags.addHost.map(parseAddHost);
  if (flags.dns?.length) host['Dns'] = [...flags.dns];
  if (flags.dnsSearch?.length) host['DnsSearch'] = [...flags.dnsSearch];
  if (flags.dnsOption?.length) host['DnsOptions'] = [...flags.dnsOption];
  if (flags.cpuShares !== undefined) host['CpuShares'] = parseIntFlag(flags.cpuShares, '-c, --cpu-shares');
  if (flags.cpusetCpus !== undefined) host['CpusetCpus'] = flags.cpusetCpus;
  if (flags.memorySwap !== undefined) host['MemorySwap'] = flags.memorySwap === '-1' ? -1 : parseBytes(flags.memorySwap, '--memory-swap');
  if (flags.memoryReservation !== undefined) host['MemoryReservation'] = parseBytes(flags.memoryReservation, '--memory-reservation');
  if (flags.oomKillDisable) host['OomKillDisable'] = true;
  if (flags.groupAdd?.length) host['GroupAdd'] = [...flags.groupAdd];
  if (flags.domainname !== undefined) config['Domainname'] = flags.domainname;
  if (flags.macAddress !== undefined) config['MacAddress'] = flags.macAddress;
  return { config, host };
}
