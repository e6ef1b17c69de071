// cli-kit/format: docker's stats arithmetic and columns — CPU % from the delta to
// precpu_stats, memory usage without the page cache (inactive_file), net and
// block I/O sums, and the `docker stats` table.
import { TemplateObject } from '../template/index.ts';
import { bytesSize, humanSize } from './units.ts';

/** The parts of the stats JSON the CLI reads. */
export interface StatsJson {
  readonly id?: string;
  readonly name?: string;
  readonly read?: string;
  readonly cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  readonly precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  readonly memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  readonly networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  readonly blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  readonly pids_stats?: { current?: number };
}

export interface StatsRow {
  readonly id: string;
  readonly name: string;
  readonly cpuPercent: number;
  readonly memUsage: number;
  readonly memLimit: number;
  readonly memPercent: number;
  readonly netRx: number;
  readonly netTx: number;
  readonly blockRead: number;
  readonly blockWrite: number;
  readonly pids: number;
}

export function cpuPercent(s: StatsJson): number {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  let online = s.cpu_stats?.online_cpus ?? 0;
  if (online === 0) online = s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Usage minus the inactive page cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2), as docker shows it. */
export function memoryUsage(s: StatsJson): number {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  const v1 = st['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = st['inactive_file'];
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

export function statsRow(s: StatsJson): StatsRow {
  const mem = memoryUsage(s);
  const limit = s.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return {
    id: s.id ?? '',
    name: (s.name ?? '').replace(/^\//, ''),
    cpuPercent: cpuPercent(s),
    memUsage: mem,
    memLimit: limit,
    memPercent: limit > 0 ? (mem / limit) * 100 : 0,
    netRx: rx,
    netTx: tx,
    blockRead: read,
    blockWrite: write,
    pids: s.pids_stats?.current ?? 0,
  };
}

export const statsHeaders: Readonly<Record<string, string>> = {
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

export const statsDefaultTable = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** One row's template context; `container` is what the user named (docker's `.Container`). */
export function statsContext(r: StatsRow, container: string, trunc: boolean): TemplateObject {
  const fields: Record<string, () => unknown> = {
    Container: () => container,
    ID: () => (trunc ? r.id.slice(0, 12) : r.id),
    Name: () => r.name,
    CPUPerc: () => `${r.cpuPercent.toFixed(2)}%`,
    MemUsage: () => `${bytesSize(r.memUsage)} / ${bytesSize(r.memLimit)}`,
    MemPerc: () => `${r.memPercent.toFixed(2)}%`,
    NetIO: () => `${humanSize(r.netRx, 3)} / ${humanSize(r.netTx, 3)}`,
    BlockIO: () => `${humanSize(r.blockRead, 3)} / ${humanSize(r.blockWrite, 3)}`,
    PIDs: () => String(r.pids),
  };
  return new TemplateObject('*formatter.statsContext', fields);
}
