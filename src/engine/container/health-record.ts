// Recording a health check's result on the container record: the health
// checker (health.ts) hands each result here; a stale one (the container
// stopped or restarted since the probe began) is dropped, and a change of
// status publishes docker's `health_status: …` event.
import type { ContainerState } from '../../core/types.ts';
import { containerAttributes } from './attributes.ts';
import type { EventPublisher } from '../events/events.ts';
import type { ContainerRegistry } from './registry.ts';

export type RecordHealth = (id: string, startedAt: string, health: NonNullable<ContainerState['health']>) => void;

export function healthRecorder(reg: ContainerRegistry, events?: EventPublisher): RecordHealth {
  return (id, startedAt, health) => {
    const c = reg.get(id);
    if (!c || (c.state.status !== 'running' && c.state.status !== 'paused') || c.state.startedAt !== startedAt) return;
    const changed = c.state.health?.status !== health.status;
    const next = reg.setState(c, { health });
    if (changed && health.status !== 'starting') events?.publish({ type: 'container', action: `health_status: ${health.status}`, id, attributes: containerAttributes(next) });
  };
}
