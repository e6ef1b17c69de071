// Container and pod sandbox stats from the engine's cgroup samples, in the
// CRI's shapes: CPU time, memory usage and working set (usage less the
// inactive file pages, as cAdvisor and containerd count it).
import type { Container } from '../core/types.ts';
import type { Engine, StatsSample } from '../engine/index.ts';
import { containerState, findContainer } from './containers.ts';
import { jsonLabel, labelKeys, matchesSelector } from './labels.ts';
import { criObjects, findSandbox } from './sandboxes.ts';

function attributes(c: Container): object {
  return { id: c.id, metadata: jsonLabel(c.spec.labels, labelKeys.metadata, {}), labels: jsonLabel(c.spec.labels, labelKeys.labels, {}), annotations: jsonLabel(c.spec.labels, labelKeys.annotations, {}) };
}

function usage(s: StatsSample): { cpu: object; memory: object } {
  const ts = (BigInt(Date.now()) * 1_000_000n).toString();
  const m = s.cgroup.memory;
  const inactive = m.stats['total_inactive_file'] ?? m.stats['inactive_file'] ?? 0;
  const workingSet = Math.max(0, m.usage - inactive);
  const rss = m.stats['total_rss'] ?? m.stats['anon'] ?? m.stats['rss'] ?? 0;
  return {
    cpu: { timestamp: ts, usage_core_nano_seconds: { value: String(s.cgroup.cpu.total) } },
    memory: {
      timestamp: ts,
      working_set_bytes: { value: String(workingSet) },
      usage_bytes: { value: String(m.usage) },
      rss_bytes: { value: String(rss) },
      available_bytes: { value: String(m.limit > 0 ? Math.max(0, m.limit - workingSet) : 0) },
      page_faults: { value: String(m.stats['total_pgfault'] ?? m.stats['pgfault'] ?? 0) },
      major_page_faults: { value: String(m.stats['total_pgmajfault'] ?? m.stats['pgmajfault'] ?? 0) },
    },
  };
}

export async function containerStats(engine: Engine, id: string): Promise<object> {
  const c = await findContainer(engine, id);
  const sample = await engine.stats!.sample(c.id);
  return { attributes: attributes(c), ...usage(sample) };
}

export async function listContainerStats(engine: Engine, filter: { id: string; pod_sandbox_id: string; label_selector: Record<string, string> } | null): Promise<object[]> {
  const items = (await criObjects(engine, 'container')).filter((c) => {
    if (containerState(c) !== 'CONTAINER_RUNNING') return false;
    if (filter?.id && !c.id.startsWith(filter.id)) return false;
    if (filter?.pod_sandbox_id && !(c.spec.labels[labelKeys.sandboxId] ?? '').startsWith(filter.pod_sandbox_id)) return false;
    return matchesSelector(jsonLabel(c.spec.labels, labelKeys.labels, {}), filter?.label_selector);
  });
  return Promise.all(items.map(async (c) => ({ attributes: attributes(c), ...usage(await engine.stats!.sample(c.id)) })));
}

export async function podSandboxStats(engine: Engine, id: string): Promise<object> {
  const { container } = await findSandbox(engine, id);
  const members = (await criObjects(engine, 'container')).filter((c) => c.spec.labels[labelKeys.sandboxId] === container.id && containerState(c) === 'CONTAINER_RUNNING');
  const pod = usage(await engine.stats!.sample(container.id));
  const containers = await Promise.all(members.map(async (c) => ({ attributes: attributes(c), ...usage(await engine.stats!.sample(c.id)) })));
  return { attributes: attributes(container), linux: { ...pod, containers } };
}

export async function listPodSandboxStats(engine: Engine, filter: { id: string; label_selector: Record<string, string> } | null): Promise<object[]> {
  const pods = (await criObjects(engine, 'sandbox')).filter((c) => {
    if (c.state.status !== 'running') return false;
    if (filter?.id && !c.id.startsWith(filter.id)) return false;
    return matchesSelector(jsonLabel(c.spec.labels, labelKeys.labels, {}), filter?.label_selector);
  });
  return Promise.all(pods.map((p) => podSandboxStats(engine, p.id)));
}
