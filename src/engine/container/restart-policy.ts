// Restart policies as dockerd's restart manager applies them: whether a
// container that just exited is started again, after which back-off delay
// (100 ms, doubling up to a minute, back to 100 ms once a run lasted 10 s),
// and which stopped containers berthd starts again when it starts itself.
import type { RestartPolicy } from '../../core/types.ts';

export const initialRestartDelayMs = 100;
export const maxRestartDelayMs = 60_000;
/** A run at least this long resets the back-off. */
export const backoffResetRunMs = 10_000;

export interface ExitFacts {
  readonly policy: RestartPolicy;
  readonly exitCode: number;
  /** Restarts done so far (the container's RestartCount). */
  readonly restartCount: number;
  /** docker stop/kill/rm -f since the last start: no restart by policy. */
  readonly manuallyStopped: boolean;
  /** How long the run that just ended lasted. */
  readonly ranMs: number;
  /** The delay used before the previous restart; 0 when there was none. */
  readonly previousDelayMs: number;
}

export interface RestartDecision {
  readonly restart: boolean;
  /** The back-off to wait before starting again (also the base for the next decision). */
  readonly delayMs: number;
}

/** The back-off delay for the next restart. */
export function nextDelay(previousDelayMs: number, ranMs: number): number {
  const prev = ranMs >= backoffResetRunMs ? 0 : previousDelayMs;
  const next = prev <= 0 ? initialRestartDelayMs : prev * 2;
  return Math.min(next, maxRestartDelayMs);
}

/** After a container's process exited on its own: restart it, and when. */
export function decideRestart(f: ExitFacts): RestartDecision {
  const delayMs = nextDelay(f.previousDelayMs, f.ranMs);
  if (f.manuallyStopped) return { restart: false, delayMs };
  switch (f.policy.name) {
    case 'always':
    case 'unless-stopped':
      return { restart: true, delayMs };
    case 'on-failure': {
      const max = f.policy.maximumRetryCount;
      return { restart: f.exitCode !== 0 && (max <= 0 || f.restartCount < max), delayMs };
    }
    default:
      return { restart: false, delayMs };
  }
}

/**
 * When berthd starts: whether a container that is not running (and ran before)
 * is started again. `always` even after a manual stop (docker's documented rule),
 * `unless-stopped` unless stopped by the user, `on-failure` when it failed and
 * has retries left.
 */
export function restartOnDaemonStart(f: Pick<ExitFacts, 'policy' | 'exitCode' | 'restartCount' | 'manuallyStopped'>): boolean {
  switch (f.policy.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !f.manuallyStopped;
    case 'on-failure': {
      const max = f.policy.maximumRetryCount;
      return !f.manuallyStopped && f.exitCode !== 0 && (max <= 0 || f.restartCount < max);
    }
    default:
      return false;
  }
}
