// Container resource usage for `GET /containers/{id}/stats`: one sample of the
// container's cgroup, its network namespace and the host's CPU time. A
// container that is not running samples as zeros, as dockerd's do.
import { totalmem } from 'node:os';
import type { Container } from '../../core/types.ts';
import { cgroupInfo, onlineCpus, readCgroupStats, readNetworkStats, systemCpuUsage, type CgroupStats, type NetworkCounters } from '../../runtime/index.ts';
import { containerCgroupsPath } from '../container/spec-input.ts';
import { nowNano } from '../time.ts';
import type { ContainerService } from '../types.ts';

export interface StatsSample {
  /** RFC 3339 with nanoseconds; the zero time for a container not running. */
  readonly read: string;
  readonly container: Container;
  readonly running: boolean;
  /** The host's cgroup version: dockerd's blkio lists differ by it. */
  readonly cgroupVersion: '1' | '2';
  readonly cgroup: CgroupStats;
  /** Host CPU time in ns (docker's system_cpu_usage). */
  readonly systemCpu: number;
  readonly onlineCpus: number;
  /** The memory limit, or the host's memory when the cgroup has none (as dockerd reports). */
  readonly memoryLimit: number;
  readonly networks: Readonly<Record<string, NetworkCounters>>;
}

const emptyCgroup: CgroupStats = {
  cpu: { total: 0, percpu: [], kernel: 0, user: 0, periods: 0, throttledPeriods: 0, throttledTime: 0 },
  memory: { usage: 0, maxUsage: 0, limit: 0, stats: {} },
  blkio: { serviceBytes: [], serviced: [] },
  pids: { current: 0, limit: 0 },
};

export class StatsService {
  readonly #containers: Pick<ContainerService, 'inspect'>;

  constructor(deps: { containers: Pick<ContainerService, 'inspect'> }) {
    this.#containers = deps.containers;
  }

  /** One sample; NotFound `No such container: <x>`. */
  async sample(idOrName: string): Promise<StatsSample> {
    const c = await this.#containers.inspect(idOrName);
    const running = c.state.status === 'running' || c.state.status === 'paused';
    const cgroupVersion = cgroupInfo().version;
    if (!running) return { read: '0001-01-01T00:00:00Z', container: c, running, cgroupVersion, cgroup: emptyCgroup, systemCpu: 0, onlineCpus: 0, memoryLimit: 0, networks: {} };
    const [cgroup, systemCpu, networks] = await Promise.all([readCgroupStats(containerCgroupsPath(c)), systemCpuUsage(), c.state.pid > 0 ? readNetworkStats(c.state.pid) : Promise.resolve({})]);
    const host = totalmem();
    const limit = cgroup.memory.limit > 0 && cgroup.memory.limit < host ? cgroup.memory.limit : host;
    return { read: nowNano(), container: c, running, cgroupVersion, cgroup, systemCpu, onlineCpus: onlineCpus(), memoryLimit: limit, networks };
  }
}
