// Health checks as dockerd runs them: per running container with a
// healthcheck (its own or its image's HEALTHCHECK), a probe every interval
// (default 30 s) run as an exec in the container, limited by a timeout
// (default 30 s); exit 0 is healthy, anything else adds to the failing streak
// (not counted while still `starting` within the start period) and `retries`
// failures (default 3) in a row make it unhealthy. The last five results are
// kept. Status changes are reported to the caller (inspect's State.Health, the
// `health_status: …` event).
import type { Container, HealthLogEntry, HealthState } from '../../core/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { nowNano } from '../time.ts';

const defaultIntervalNs = 30e9;
const defaultTimeoutNs = 30e9;
const defaultRetries = 3;
const maxLogEntries = 5;
const maxOutputLen = 4096;

export interface ProbeResult {
  readonly exitCode: number;
  readonly output: string;
}

export interface HealthMonitorDeps {
  /** Runs `cmd` in the running container; rejects when it could not be run. Aborting `signal` ends the probe. */
  readonly runProbe: (containerId: string, cmd: readonly string[], signal: AbortSignal) => Promise<ProbeResult>;
  /** Persists the new health of a container (as long as it is still running the same start). */
  readonly record: (containerId: string, startedAt: string, health: HealthState) => void;
  /** A status change: `healthy` / `unhealthy` / `starting`. */
  readonly onStatus?: (containerId: string, status: HealthState['status']) => void;
  readonly log: Logger;
}

/** The probe command for a healthcheck test, or undefined when there is none (`NONE`, empty). */
export function probeCommand(test: readonly string[] | undefined): string[] | undefined {
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  if (kind === 'NONE') return undefined;
  if (kind === 'CMD-SHELL') return rest.length > 0 ? ['/bin/sh', '-c', rest.join(' ')] : undefined;
  if (kind === 'CMD') return rest.length > 0 ? rest : undefined;
  // docker takes a bare list as CMD.
  return [...test];
}

/** The health after one probe result (docker's handleProbeResult). */
export function nextHealth(prev: HealthState, entry: HealthLogEntry, options: { retries: number; withinStartPeriod: boolean }): HealthState {
  const log = [...prev.log, entry].slice(-maxLogEntries);
  if (entry.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (prev.status === 'starting' && options.withinStartPeriod) return { ...prev, log };
  const failingStreak = prev.failingStreak + 1;
  return { status: failingStreak >= options.retries ? 'unhealthy' : prev.status, failingStreak, log };
}

const nsToMs = (ns: number | undefined, fallbackNs: number) => Math.max(1, Math.round((ns !== undefined && ns > 0 ? ns : fallbackNs) / 1e6));

/** Go's time.Duration String() for the timeout message (`30s`, `1.5s`, `500ms`). */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m0s`;
  return `${ms / 1000}s`;
}

export class HealthMonitor {
  readonly #d: HealthMonitorDeps;
  readonly #running = new Map<string, AbortController>();

  constructor(deps: HealthMonitorDeps) {
    this.#d = deps;
  }

  /**
   * Starts probing a container that just started (or was found running). Its
   * health begins as `starting` with an empty streak; `keep` keeps a recorded
   * health (a berthd restart).
   */
  start(c: Container, options: { keep?: boolean } = {}): void {
    this.stop(c.id);
    const hc = c.spec.healthcheck;
    const cmd = probeCommand(hc?.test);
    if (!hc || !cmd) return;
    const ac = new AbortController();
    this.#running.set(c.id, ac);
    const startedAt = c.state.startedAt;
    let health: HealthState = options.keep && c.state.health ? c.state.health : { status: 'starting', failingStreak: 0, log: [] };
    this.#d.record(c.id, startedAt, health);
    const intervalMs = nsToMs(hc.intervalNs, defaultIntervalNs);
    const timeoutMs = nsToMs(hc.timeoutNs, defaultTimeoutNs);
    const startPeriodMs = hc.startPeriodNs !== undefined && hc.startPeriodNs > 0 ? hc.startPeriodNs / 1e6 : 0;
    const retries = hc.retries !== undefined && hc.retries > 0 ? hc.retries : defaultRetries;
    const loop = async () => {
      while (!ac.signal.aborted) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, intervalMs);
          ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
        if (ac.signal.aborted) return;
        const start = nowNano();
        const entry = await this.#probe(c.id, cmd, timeoutMs, ac.signal, start);
        if (ac.signal.aborted) return;
        const withinStartPeriod = Date.parse(start) - Date.parse(startedAt) < startPeriodMs;
        const prev = health.status;
        health = nextHealth(health, entry, { retries, withinStartPeriod });
        this.#d.record(c.id, startedAt, health);
        if (health.status !== prev) this.#d.onStatus?.(c.id, health.status);
      }
    };
    loop().catch((err: unknown) => this.#d.log.warn('health check loop failed', { container: c.id, err }));
  }

  /** Stops probing (the container stopped or is gone). */
  stop(id: string): void {
    this.#running.get(id)?.abort();
    this.#running.delete(id);
  }

  close(): void {
    for (const ac of this.#running.values()) ac.abort();
    this.#running.clear();
  }

  async #probe(id: string, cmd: readonly string[], timeoutMs: number, stop: AbortSignal, start: string): Promise<HealthLogEntry> {
    const ac = new AbortController();
    const onStop = () => ac.abort();
    stop.addEventListener('abort', onStop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => {
        ac.abort();
        resolve({ exitCode: -1, output: `Health check exceeded timeout (${goDuration(timeoutMs)})` });
      }, timeoutMs);
    });
    let result: ProbeResult;
    try {
      result = await Promise.race([this.#d.runProbe(id, cmd, ac.signal), timedOut]);
    } catch (err) {
      // docker records a probe it could not run as a failure with the error as output.
      result = { exitCode: -1, output: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
    const output = result.output.length > maxOutputLen ? result.output.slice(0, maxOutputLen) : result.output;
    return { start, end: nowNano(), exitCode: result.exitCode, output };
  }
}
