// A client that keeps asking a daemon small questions over its unix socket,
// so that a bench can tell how long the API makes a client wait while the
// daemon is busy with something else (bench/pull --loop-delay: a pull holding
// berthd's event loop). GET /_ping and GET /containers/json take turns, each
// on a new connection (as the docker CLI makes them), one at a time, the next
// sent `gapMs` after the previous answered; each latency is from sending the
// request to the end of its answer. The bench process must keep its own event
// loop free meanwhile (the timed command runs as an async child), or the
// latencies are its own.
import { request } from 'node:http';

const paths = ['/_ping', '/containers/json'];

function ask(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ socketPath, path, agent: false, timeout: 30_000 }, (resp) => {
      resp.resume();
      resp.on('end', () => {
        if (resp.statusCode !== 200) reject(new Error(`GET ${path}: status ${resp.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 30 s`)));
    req.end();
  });
}

export interface Probe {
  /** Stops asking (after the request in flight) and returns the latencies, ms, in order. */
  stop(): Promise<number[]>;
}

/** Starts asking `socketPath`'s daemon until stop(). A failed request fails stop(). */
export function startProbe(socketPath: string, gapMs = 5): Probe {
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      samples.push(await ask(socketPath, paths[i % paths.length] as string));
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  loop.catch(() => undefined);
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** The q-quantile (0..1) of the samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return { n: samples.length, p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), p99: quantile(samples, 0.99), max: samples.length === 0 ? NaN : Math.max(...samples) };
}
