// ListPodSandboxMetrics: for each ready pod sandbox, the pod-level metrics
// (its network namespace's counters, container label '') and, for each of its
// running containers, what its cgroup (v1 or v2, as the host has), /proc and
// its writable layer say. Labels as containerd 2.x puts them: pod name, pod
// namespace, container name, container (or sandbox) id, image as requested.
// A container whose numbers cannot be read (it exited meanwhile) is left out
// and logged, as containerd does; the other pods and containers still answer.
import { errorMessage } from '../../core/errors.ts';
import type { Container } from '../../core/types.ts';
import { cgroupLocation, type Engine } from '../../engine/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { jsonLabel, labelKeys } from '../labels.ts';
import { criObjects, factsOf } from '../sandboxes.ts';
import { collectCgroupV1 } from './collect-cgroup-v1.ts';
import { collectCgroupV2 } from './collect-cgroup-v2.ts';
import { collectFilesystem } from './collect-fs.ts';
import { collectNetwork } from './collect-net.ts';
import { collectPressure } from './collect-pressure.ts';
import { collectProcesses } from './collect-proc.ts';
import { descriptorOf } from './descriptors.ts';
import { blockDeviceName } from './devices.ts';
import type { Sample } from './sample.ts';

interface MetricMsg {
  name: string;
  timestamp: string;
  metric_type: 'COUNTER' | 'GAUGE';
  label_values: string[];
  value: { value: string };
}

/** Samples as CRI metrics with their labels; a sample whose label count differs from its descriptor's is a bug, and throws. */
export function toMetrics(samples: readonly Sample[], base: readonly string[], timestamp: string): MetricMsg[] {
  return samples.map((s) => {
    const d = descriptorOf(s.name);
    const labelValues = [...base, ...(s.extra ?? [])];
    if (labelValues.length !== d.labelKeys.length) throw new Error(`metric ${s.name} has ${labelValues.length} label values for ${d.labelKeys.length} keys`);
    return { name: s.name, timestamp, metric_type: d.type, label_values: labelValues, value: { value: s.value.toString() } };
  });
}

function nowNanos(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

function isLive(c: Container): boolean {
  return c.state.status === 'running' || c.state.status === 'paused';
}

/**
 * Every sample of one running container. A collector that fails (its layer
 * gone, /proc unreadable) is logged and leaves its metrics out; the others
 * still answer, as containerd's extractors do.
 */
export async function containerSamples(engine: Engine, id: string, log: Logger): Promise<Sample[]> {
  const c = await engine.containers.inspect(id);
  const cg = cgroupLocation(c);
  const procsFile = cg.version === '2' ? `${cg.dir('')}/cgroup.procs` : `${cg.dir('cpu')}/cgroup.procs`;
  const upper = c.graphDriver?.upperDir;
  const part = (what: string, p: Promise<Sample[]>) =>
    p.catch((err: unknown) => {
      log.info('a container metric source could not be read', { container: c.id, source: what, err: errorMessage(err) });
      return [];
    });
  const parts = await Promise.all([
    part('cgroup', cg.version === '2' ? collectCgroupV2(cg, blockDeviceName) : collectCgroupV1(cg, blockDeviceName)),
    part('pressure', collectPressure(cg.unifiedDir)),
    part('processes', collectProcesses(procsFile, c.state.pid)),
    part('filesystem', upper ? collectFilesystem(upper) : Promise.resolve([])),
  ]);
  const started = Date.parse(c.state.startedAt);
  const misc: Sample[] = [{ name: 'container_last_seen', value: BigInt(Math.floor(Date.now() / 1000)) }];
  if (Number.isFinite(started) && started > 0) misc.push({ name: 'container_start_time_seconds', value: BigInt(Math.floor(started / 1000)) });
  return [...misc, ...parts.flat()];
}

export async function listPodSandboxMetrics(engine: Engine, log: Logger): Promise<object[]> {
  const [sandboxes, containers] = await Promise.all([criObjects(engine, 'sandbox'), criObjects(engine, 'container')]);
  const out: object[] = [];
  for (const sb of sandboxes.filter(isLive)) {
    const md = jsonLabel<{ name?: string; namespace?: string }>(sb.spec.labels, labelKeys.metadata, {});
    const pod = [md.name ?? '', md.namespace ?? ''];
    const facts = factsOf(sb);
    const podSamples = facts.hostNetwork ? [] : await collectNetwork(sb.state.pid);
    const members = containers.filter((c) => c.spec.labels[labelKeys.sandboxId] === sb.id && isLive(c));
    const containerMetrics = await Promise.all(
      members.map(async (c) => {
        try {
          const samples = await containerSamples(engine, c.id, log);
          const name = jsonLabel<{ name?: string }>(c.spec.labels, labelKeys.metadata, {}).name ?? '';
          return { container_id: c.id, metrics: toMetrics(samples, [...pod, name, c.id, c.spec.labels[labelKeys.image] ?? ''], nowNanos()) };
        } catch (err) {
          log.warn('collecting container metrics failed', { container: c.id, sandbox: sb.id, err: errorMessage(err) });
          return undefined;
        }
      }),
    );
    out.push({
      pod_sandbox_id: sb.id,
      metrics: toMetrics(podSamples, [...pod, '', sb.id, ''], nowNanos()),
      container_metrics: containerMetrics.filter((m) => m !== undefined),
    });
  }
  return out;
}
