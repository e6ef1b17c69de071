// dockerd's verifyContainerSettings at create, over berth's ContainerSpec: the
// pure checks of core/container-settings.ts with what this host offers (CPU
// count, the cpuset lists of its root cgroup), read once.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { verifyEnv, verifyExtraHosts, verifyHealthcheck, verifyPlatformSettings, verifyResources, type HostCapacity } from '../../core/container-settings.ts';
import type { ContainerSpec } from '../../core/types.ts';

async function firstReadable(paths: readonly string[], fallback: string): Promise<string> {
  for (const p of paths) {
    const text = await readFile(p, 'utf8').then((t) => t.trim(), () => '');
    if (text !== '') return text;
  }
  return fallback;
}

let capacity: Promise<HostCapacity> | undefined;

/** The host's CPUs and memory nodes as dockerd's sysinfo reads them (the root cpuset cgroup, v1 or v2). */
export function hostCapacity(): Promise<HostCapacity> {
  capacity ??= (async () => {
    const cpuCount = availableParallelism();
    const cpus = await firstReadable(['/sys/fs/cgroup/cpuset/cpuset.cpus', '/sys/fs/cgroup/cpuset.cpus.effective', '/sys/devices/system/cpu/online'], cpuCount === 1 ? '0' : `0-${cpuCount - 1}`);
    const mems = await firstReadable(['/sys/fs/cgroup/cpuset/cpuset.mems', '/sys/fs/cgroup/cpuset.mems.effective', '/sys/devices/system/node/online'], '0');
    return { cpuCount, cpus, mems };
  })();
  return capacity;
}

/** Throws dockerd's InvalidArgument for the first setting it refuses at create (its order: config, host config, resources, platform). */
export async function verifyContainerSettings(spec: ContainerSpec): Promise<void> {
  const h = spec.host;
  verifyEnv(spec.env);
  verifyHealthcheck(spec.healthcheck);
  verifyExtraHosts(h.extraHosts);
  verifyResources(
    {
      memory: h.memory,
      memorySwap: h.memorySwap,
      memoryReservation: h.memoryReservation,
      nanoCpus: h.nanoCpus,
      cpuPeriod: h.cpuPeriod,
      cpuQuota: h.cpuQuota,
      cpusetCpus: h.cpusetCpus,
      ...(h.memorySwappiness !== undefined ? { memorySwappiness: h.memorySwappiness } : {}),
      ...(h.kernelMemory !== undefined ? { kernelMemory: h.kernelMemory } : {}),
      ...(h.cpusetMems !== undefined ? { cpusetMems: h.cpusetMems } : {}),
      ...(h.ioMaximumBandwidth !== undefined ? { ioMaximumBandwidth: h.ioMaximumBandwidth } : {}),
      ...(h.ioMaximumIops !== undefined ? { ioMaximumIops: h.ioMaximumIops } : {}),
    },
    await hostCapacity(),
  );
  verifyPlatformSettings({ shmSize: h.shmSize, tmpfs: h.tmpfs, ...(h.oomScoreAdj !== undefined ? { oomScoreAdj: h.oomScoreAdj } : {}) });
}
