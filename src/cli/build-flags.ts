// cli: the classic builder's resource and security flags of `berth build`
// (--add-host, --cgroup-parent, -c/--cpu-shares, --cpu-period, --cpu-quota,
// --cpuset-cpus, --cpuset-mems, -m/--memory, --memory-swap, --shm-size, --ulimit,
// --security-opt, --isolation, --compress) and the /build query fields the docker
// CLI sends for them.
import type { Command } from 'commander';
import { parseRamBytes } from '../cli-kit/index.ts';
import { parseUlimit } from './run-flags-lifecycle.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface BuildResourceFlags {
  addHost?: string[];
  cgroupParent?: string;
  compress?: boolean;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  disableContentTrust?: boolean | string;
  isolation?: string;
  memory?: string;
  memorySwap?: string;
  securityOpt?: string[];
  shmSize?: string;
  squash?: boolean;
  ulimit?: string[];
}

export function addBuildResourceFlags(cmd: Command): Command {
  return cmd
    .option('--add-host <list>', 'Add a custom host-to-IP mapping ("host:ip")', collect)
    .option('--cgroup-parent <string>', 'Set the parent cgroup for the "RUN" instructions during build')
    .option('--compress', 'Compress the build context using gzip')
    .option('--cpu-period <int>', 'Limit the CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit the CPU CFS (Completely Fair Scheduler) quota')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--disable-content-trust [bool]', 'Skip image verification')
    .option('--isolation <string>', 'Container isolation technology')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
    .option('--security-opt <strings>', 'Security options', collect)
    .option('--shm-size <bytes>', 'Size of "/dev/shm"')
    .option('--squash', 'Squash newly built layers into a single new layer')
    .option('--ulimit <ulimit>', 'Ulimit options', collect);
}

function int(text: string, flag: string): string {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return String(Number(text));
}

function bytes(text: string, flag: string, allowUnlimited = false): string {
  if (allowUnlimited && text === '-1') return '-1';
  try {
    return String(parseRamBytes(text));
  } catch {
    throw new Error(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`);
  }
}

/** The /build query fields for these flags (repeated keys as arrays), as the docker CLI sends them. */
export function buildResourceQuery(f: BuildResourceFlags): Record<string, string | readonly string[]> {
  const q: Record<string, string | readonly string[]> = {};
  if (f.addHost?.length) {
    for (const h of f.addHost) if (!/^[^:]+[:=].+$/.test(h)) throw new Error(`invalid argument "${h}" for "--add-host" flag: bad format for add-host: "${h}"`);
    q['extrahosts'] = f.addHost.map((h) => h.replace(/^([^:=]+)=/, '$1:'));
  }
  if (f.securityOpt?.length) q['securityopt'] = [...f.securityOpt];
  if (f.isolation !== undefined && f.isolation !== '' && f.isolation !== 'default') q['isolation'] = f.isolation;
  if (f.cpusetCpus !== undefined) q['cpusetcpus'] = f.cpusetCpus;
  if (f.cpusetMems !== undefined) q['cpusetmems'] = f.cpusetMems;
  if (f.cpuShares !== undefined) q['cpushares'] = int(f.cpuShares, '-c, --cpu-shares');
  if (f.cpuQuota !== undefined) q['cpuquota'] = int(f.cpuQuota, '--cpu-quota');
  if (f.cpuPeriod !== undefined) q['cpuperiod'] = int(f.cpuPeriod, '--cpu-period');
  if (f.memory !== undefined) q['memory'] = bytes(f.memory, '-m, --memory');
  if (f.memorySwap !== undefined) q['memswap'] = bytes(f.memorySwap, '--memory-swap', true);
  if (f.cgroupParent !== undefined) q['cgroupparent'] = f.cgroupParent;
  if (f.shmSize !== undefined) q['shmsize'] = bytes(f.shmSize, '--shm-size');
  if (f.ulimit?.length) q['ulimits'] = JSON.stringify(f.ulimit.map(parseUlimit));
  if (f.squash) q['squash'] = '1';
  return q;
}
