// cli: `berth update` — new resource limits and restart policy for one or more
// containers (docker's flags, output of each name updated, errors as docker prints them).
import { parseRestartPolicy } from '../../core/restart-policy.ts';
import { parseRamBytes, ExitError, describeError, err, getClient, out } from '../../cli-kit/index.ts';
import { parseCpus } from '../run-flags.ts';

export interface UpdateFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
  restart?: string;
  blkioWeight?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetMems?: string;
  kernelMemory?: string;
}

function bytes(text: string, flag: string): number {
  if (text === '-1') return -1;
  try {
    return parseRamBytes(text);
  } catch (err) {
    throw new ExitError(125, `invalid argument "${text}" for "${flag}" flag: ${(err as Error).message}`);
  }
}

function int(text: string, flag: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new ExitError(125, `invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** The update body for the given flags (only those given). */
export function updateBody(f: UpdateFlags): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (f.memory !== undefined) body['Memory'] = bytes(f.memory, '-m, --memory');
  if (f.memorySwap !== undefined) body['MemorySwap'] = bytes(f.memorySwap, '--memory-swap');
  if (f.memoryReservation !== undefined) body['MemoryReservation'] = bytes(f.memoryReservation, '--memory-reservation');
  if (f.cpus !== undefined) {
    try {
      body['NanoCpus'] = parseCpus(f.cpus);
    } catch (e) {
      throw new ExitError(125, e instanceof Error ? e.message : String(e));
    }
  }
  if (f.cpuShares !== undefined) body['CpuShares'] = int(f.cpuShares, '-c, --cpu-shares');
  if (f.cpuQuota !== undefined) body['CpuQuota'] = int(f.cpuQuota, '--cpu-quota');
  if (f.cpuPeriod !== undefined) body['CpuPeriod'] = int(f.cpuPeriod, '--cpu-period');
  if (f.cpusetCpus !== undefined) body['CpusetCpus'] = f.cpusetCpus;
  if (f.pidsLimit !== undefined) body['PidsLimit'] = int(f.pidsLimit, '--pids-limit');
  if (f.blkioWeight !== undefined) {
    const w = int(f.blkioWeight, '--blkio-weight');
    if (w < 0 || w > 65535) throw new ExitError(125, `invalid argument "${f.blkioWeight}" for "--blkio-weight" flag: strconv.ParseUint: parsing "${f.blkioWeight}": value out of range`);
    body['BlkioWeight'] = w;
  }
  if (f.cpuRtPeriod !== undefined) body['CpuRealtimePeriod'] = int(f.cpuRtPeriod, '--cpu-rt-period');
  if (f.cpuRtRuntime !== undefined) body['CpuRealtimeRuntime'] = int(f.cpuRtRuntime, '--cpu-rt-runtime');
  if (f.cpusetMems !== undefined) body['CpusetMems'] = f.cpusetMems;
  if (f.kernelMemory !== undefined) body['KernelMemory'] = bytes(f.kernelMemory, '--kernel-memory');
  if (f.restart !== undefined) {
    try {
      const p = parseRestartPolicy(f.restart);
      body['RestartPolicy'] = { Name: p.name, MaximumRetryCount: p.maximumRetryCount };
    } catch (e) {
      throw new ExitError(1, e instanceof Error ? e.message : String(e));
    }
  }
  return body;
}

export async function updateCommand(names: string[], flags: UpdateFlags): Promise<void> {
  const body = updateBody(flags);
  if (Object.keys(body).length === 0) throw new ExitError(1, 'you must provide one or more flags when using this command');
  const client = await getClient();
  let failed = false;
  const warnings: string[] = [];
  for (const n of names) {
    try {
      const r = await client.raw('POST', `/containers/${encodeURIComponent(n)}/update`, { body });
      const parsed = JSON.parse(r.body.toString('utf8') || '{}') as { Warnings?: string[] | null };
      warnings.push(...(parsed.Warnings ?? []));
      out(`${n}\n`);
    } catch (e) {
      err(`${describeError(e)}\n`);
      failed = true;
    }
  }
  if (warnings.length > 0) out(`${warnings.join('\n')}\n`);
  if (failed) throw new ExitError(1);
}
