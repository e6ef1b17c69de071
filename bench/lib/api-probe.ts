// A client that keeps asking a daemon small questions over its unix socket,
// so that a bench can tell how long the API makes a client wait while the
// daemon is busy with something else (bench/pull --loop-delay: a pull holding
// berthd's event loop). GET /_ping and GET /containers/json take turns, each
// on a new connection (as the docker CLI makes them), one sent every 5 ms
// whether or not the ones before were answered; each latency is from sending
// the request to the end of its answer. The bench process must keep its own event
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
  /** Stops sending, waits for the answers still due, and returns the latencies (ms) and when each request was sent (epoch ms), in sending order. */
  stop(): Promise<{ ms: number[]; at: number[] }>;
}

/**
 * Starts asking `socketPath`'s daemon every `periodMs` until stop(): at a
 * fixed rate whether or not earlier answers came (open loop), so that a
 * daemon that stalls gets as many questions, and is charged as many late
 * answers, as one that does not. A failed request fails stop().
 */
export function startProbe(socketPath: string, periodMs = 5): Probe {
  const answers: Promise<number>[] = [];
  const at: number[] = [];
  let failed: unknown;
  const timer = setInterval(() => {
    at.push(Date.now());
    const p = ask(socketPath, paths[answers.length % paths.length] as string);
    p.catch((err: unknown) => (failed ??= err));
    answers.push(p);
  }, periodMs);
  return {
    stop: async () => {
      clearInterval(timer);
      const ms = await Promise.all(answers);
      if (failed !== undefined) throw failed;
      return { ms, at };
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
