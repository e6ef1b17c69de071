// `GET /containers/{id}/stats`: one sample (`stream=false`, after a priming
// sample so that CPU % can be computed; `one-shot=true` skips it) or a sample
// every second until the client leaves.
import { notImplemented } from '../../core/errors.ts';
import { optionalBool } from '../http-util.ts';
import type { Router } from '../router.ts';
import { statsJson } from '../stats-json.ts';
import type { StatsSample } from '../../engine/index.ts';

const interval = 1000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function addStatsRoutes(router: Router): void {
  router.add('GET', '/containers/{id}/stats', async ({ res, params, query, engine, signal }) => {
    const stats = engine.stats;
    if (!stats) throw notImplemented('stats are not available');
    const id = params['id'] ?? '';
    const stream = optionalBool(query, 'stream') ?? true;
    const oneShot = optionalBool(query, 'one-shot') ?? false;
    // The first sample also answers NotFound before any header goes out.
    let previous: StatsSample | undefined;
    let current = await stats.sample(id);
    if (!stream) {
      if (!oneShot && current.running) {
        await sleep(interval, signal);
        previous = current;
        current = await stats.sample(id);
      }
      const body = JSON.stringify(statsJson(current, previous)) + '\n';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    try {
      while (!signal.aborted) {
        res.write(JSON.stringify(statsJson(current, previous)) + '\n');
        await sleep(interval, signal);
        if (signal.aborted) break;
        // A removed container ends the stream.
        const next = await stats.sample(id).catch(() => undefined);
        if (!next) break;
        previous = current;
        current = next;
      }
    } finally {
      res.end();
    }
  });
}
