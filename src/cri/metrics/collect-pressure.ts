// Pressure stall information of a container: cgroup2's cpu/memory/io.pressure
// files, read from the container's unified directory (v2, or a v1 "hybrid"
// host's unified tree). "waiting" is PSI's `some`, "stalled" its `full`, in
// whole seconds. Left out when the kernel has no PSI (no such files).
import { join } from 'node:path';
import { parsePressure } from './parse.ts';
import { microsPerSecond, readText, sampleOf, type Sample } from './sample.ts';

export async function collectPressure(unifiedDir: string | undefined): Promise<Sample[]> {
  if (unifiedDir === undefined) return [];
  const out: Sample[] = [];
  for (const resource of ['cpu', 'memory', 'io'] as const) {
    const p = parsePressure(await readText(join(unifiedDir, `${resource}.pressure`)));
    out.push(...sampleOf(`container_pressure_${resource}_waiting_seconds_total`, p.some === undefined ? undefined : p.some / microsPerSecond));
    out.push(...sampleOf(`container_pressure_${resource}_stalled_seconds_total`, p.full === undefined ? undefined : p.full / microsPerSecond));
  }
  return out;
}
