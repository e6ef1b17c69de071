// go-units HumanDuration and docker's container status text (`Up 3 seconds`,
// `Exited (0) 2 minutes ago`, `Created`), as `docker ps` shows them.
import type { ContainerState } from '../core/types.ts';

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

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
