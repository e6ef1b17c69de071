// docker's container status text (`Up 3 seconds`,
// `Exited (0) 2 minutes ago`, `Created`), as `docker ps` shows them.
import type { ContainerState } from '../core/types.ts';
import { humanDuration } from '../lib/go-units.ts';

const isZero = (t: string) => t === '' || t.startsWith('0001-01-01');

export function statusText(state: ContainerState, now = Date.now()): string {
  switch (state.status) {
    case 'running': {
      const up = `Up ${humanDuration(now - Date.parse(state.startedAt))}`;
      if (!state.health) return up;
      return `${up} (${state.health.status === 'starting' ? 'health: starting' : state.health.status})`;
    }
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(state.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${state.exitCode}) ${humanDuration(now - Date.parse(state.finishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      if (isZero(state.startedAt)) return 'Created';
      if (isZero(state.finishedAt)) return '';
      return `Exited (${state.exitCode}) ${humanDuration(now - Date.parse(state.finishedAt))} ago`;
  }
}

/** docker's State string in the list: `created` until first started, then `exited`. */
export function stateString(state: ContainerState): string {
  if (state.status === 'exited' && isZero(state.startedAt)) return 'created';
  return state.status;
}
