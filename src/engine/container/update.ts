// docker update: the resource limits and restart policy a container's
// HostConfig may change after create, checked as dockerd checks them, and the
// OCI LinuxResources that `<runtime> update` applies to a running container.
import { invalidArgument } from '../../core/errors.ts';
import type { HostSpec, RestartPolicy } from '../../core/types.ts';

/** The fields of `POST /containers/{id}/update` berth applies; absent: unchanged. */
export interface ContainerUpdate {
  readonly memory?: number;
  readonly memorySwap?: number;
  readonly memoryReservation?: number;
  readonly nanoCpus?: number;
  readonly cpuShares?: number;
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  readonly cpusetCpus?: string;
  readonly pidsLimit?: number;
  readonly restartPolicy?: RestartPolicy;
}

const minMemory = 6 * 1024 * 1024;

/** The HostSpec after the update; InvalidArgument with docker's texts for what dockerd refuses. */
export function applyUpdate(host: HostSpec, u: ContainerUpdate, running: boolean): HostSpec {
  if (u.memory !== undefined && u.memory !== 0 && u.memory < minMemory) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (u.nanoCpus !== undefined && u.nanoCpus !== 0 && ((u.cpuQuota ?? 0) !== 0 || (u.cpuPeriod ?? 0) !== 0)) {
    throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (u.nanoCpus !== undefined && u.nanoCpus < 0) throw invalidArgument('Range of CPUs is from 0.01 to the number of CPUs available on the system');
  if (u.restartPolicy && u.restartPolicy.name !== 'no' && host.autoRemove) throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
  const memory = u.memory ?? host.memory;
  let memorySwap = u.memorySwap ?? host.memorySwap;
  // dockerd: raising the memory limit past an existing swap limit needs a new swap limit too.
  if (u.memory !== undefined && u.memorySwap === undefined && host.memorySwap > 0 && memory > host.memorySwap) {
    if (running) throw invalidArgument('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    memorySwap = 0;
  }
  if (memorySwap > 0 && memory > 0 && memorySwap < memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memorySwap > 0 && memory === 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  const next: HostSpec = {
    ...host,
    memory,
    memorySwap,
    memoryReservation: u.memoryReservation ?? host.memoryReservation,
    nanoCpus: u.nanoCpus ?? host.nanoCpus,
    cpuShares: u.cpuShares ?? host.cpuShares,
    cpuQuota: u.cpuQuota ?? host.cpuQuota,
    cpuPeriod: u.cpuPeriod ?? host.cpuPeriod,
    cpusetCpus: u.cpusetCpus ?? host.cpusetCpus,
    pidsLimit: u.pidsLimit ?? host.pidsLimit,
    restartPolicy: u.restartPolicy ?? host.restartPolicy,
  };
  // Quota/period and NanoCpus replace each other.
  if (u.nanoCpus !== undefined && u.nanoCpus > 0) return { ...next, cpuQuota: 0, cpuPeriod: 0 };
  if ((u.cpuQuota ?? 0) !== 0 || (u.cpuPeriod ?? 0) > 0) return { ...next, nanoCpus: 0 };
  return next;
}

/** Whether the update changes any cgroup limit (a restart policy alone does not). */
export function changesResources(u: ContainerUpdate): boolean {
  return Object.entries(u).some(([k, v]) => k !== 'restartPolicy' && v !== undefined);
}

/**
 * OCI LinuxResources for `<runtime> update` (the same rules as the create spec:
 * swap twice the memory unless set, NanoCpus as a 100 ms period quota; 0 or -1
 * pids is unlimited).
 */
export function updateResources(h: HostSpec): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  const memory: Record<string, number> = {};
  if (h.memory > 0) {
    memory['limit'] = h.memory;
    memory['swap'] = h.memorySwap > 0 || h.memorySwap === -1 ? h.memorySwap : h.memory * 2;
  }
  if (h.memoryReservation > 0) memory['reservation'] = h.memoryReservation;
  if (Object.keys(memory).length > 0) resources['memory'] = memory;
  const cpu: Record<string, unknown> = {};
  if (h.cpuShares > 0) cpu['shares'] = h.cpuShares;
  if (h.nanoCpus > 0) {
    cpu['period'] = 100000;
    cpu['quota'] = Math.round((h.nanoCpus * 100000) / 1e9);
  } else {
    if (h.cpuQuota !== 0) cpu['quota'] = h.cpuQuota;
    if (h.cpuPeriod > 0) cpu['period'] = h.cpuPeriod;
  }
  if (h.cpusetCpus) cpu['cpus'] = h.cpusetCpus;
  if (Object.keys(cpu).length > 0) resources['cpu'] = cpu;
  resources['pids'] = { limit: h.pidsLimit > 0 ? h.pidsLimit : -1 };
  return resources;
}
