// The resources of a build's RUN containers checked the way dockerd checks a
// container's resources when it creates one (daemon verifyContainerResources),
// so that a build with an impossible limit fails at its RUN step with
// dockerd's words instead of the runtime's.
import { invalidArgument } from '../core/errors.ts';
import type { RunLimits } from './run-step.ts';

const minMemory = 6 * 1024 * 1024;

/** Throws dockerd's error for the first limit it would refuse. */
export function checkRunLimits(l: RunLimits, cpuCount: number): void {
  if (l.memory !== 0 && l.memory < minMemory) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (l.memory > 0 && l.memorySwap > 0 && l.memorySwap < l.memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (l.memory === 0 && l.memorySwap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (l.cpuPeriod !== 0 && (l.cpuPeriod < 1000 || l.cpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (l.cpuQuota > 0 && l.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (l.cpusetCpus !== '') {
    const cpus: number[] = [];
    for (const part of l.cpusetCpus.split(',')) {
      // Go's parsers.ParseUintList words.
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) throw invalidArgument(`Invalid value ${l.cpusetCpus} for cpuset cpus: invalid format: ${part}`);
      if (m[2] !== undefined && Number(m[2]) < Number(m[1])) throw invalidArgument(`Invalid value ${l.cpusetCpus} for cpuset cpus: invalid range format: ${part}`);
      for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) cpus.push(c);
    }
    if (cpus.some((c) => c >= cpuCount)) throw invalidArgument(`Requested CPUs are not available - requested ${l.cpusetCpus}, available: ${cpuCount === 1 ? '0' : `0-${cpuCount - 1}`}`);
  }
}

/** Negative CPU shares fail only when the container starts (the kernel refuses them), after ` ---> Running in`. */
export function checkRunShares(l: RunLimits): void {
  if (l.cpuShares < 0) throw invalidArgument('shares: invalid argument');
}
