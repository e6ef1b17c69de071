// Container routes: create, start, stop, kill, restart, wait, delete, list,
// inspect, logs and attach (hijacked stream).
import type { Writable } from 'node:stream';
import { invalidArgument } from '../../core/errors.ts';
import type { WaitCondition } from '../../engine/index.ts';
import type { LogLine } from '../../core/types.ts';
import { inspectJson, listJson } from '../container-json.ts';
import { readCreateBody, specFromCreateBody } from '../container-spec.ts';
import { gateBindRecursion } from '../bind-recursion.ts';
import { checkEndpointCount } from '../endpoints-spec.ts';
import { boolQuery, filtersQuery, intQuery, sendEmpty, sendJson, timestampQuery } from '../http-util.ts';
import { frame } from '../mux.ts';
import { sendJsonArray } from '../json-array.ts';
import { defaultDetachKeys, hijack, parseDetachKeys, pumpAttachment, takeOverSocket } from '../attach-stream.ts';
import { rfc3339NanoFixed } from '../../lib/go-units.ts';
import type { RequestContext, Router } from '../router.ts';
import { versionLess } from '../version.ts';

function timeoutQuery(q: URLSearchParams): number | undefined {
  return intQuery(q, 't') ?? intQuery(q, 'timeout');
}

/** `h` and `w` of a resize, as docker validates them. */
export function terminalSizeQuery(q: URLSearchParams): { height: number; width: number } {
  const h = q.get('h') ?? '';
  const w = q.get('w') ?? '';
  if (!/^\d+$/.test(h) || !/^\d+$/.test(w)) throw invalidArgument(`strconv.Atoi: parsing "${!/^\d+$/.test(h) ? h : w}": invalid syntax`);
  return { height: Number(h), width: Number(w) };
}

function signalQuery(q: URLSearchParams): string | undefined {
  const s = q.get('signal');
  return s === null || s === '' ? undefined : s;
}

/** Writes log lines to `out`, framed unless the container has a TTY, with RFC 3339 timestamps when asked. */
async function pumpLines(lines: AsyncIterable<LogLine>, out: Writable, options: { tty: boolean; timestamps: boolean }): Promise<void> {
  for await (const line of lines) {
    const data = options.timestamps ? Buffer.concat([Buffer.from(`${rfc3339NanoFixed(line.time)} `), line.data]) : line.data;
    const chunk = options.tty ? data : frame(line.stream, data);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
}

export function addContainerRoutes(router: Router): void {
  router.add('POST', '/containers/create', async ({ req, res, query, engine, version }) => {
    const body = await readCreateBody(req);
    const spec = gateBindRecursion(specFromCreateBody(body), version);
    checkEndpointCount(body, version);
    const name = query.get('name');
    const created = await engine.containers.create(spec, name ? { name } : {});
    sendJson(res, 201, { Id: created.id, Warnings: created.warnings });
  });

  router.add('GET', '/containers/json', async ({ res, query, engine, version }) => {
    const limit = intQuery(query, 'limit');
    const list = await engine.containers.list({
      all: boolQuery(query, 'all'),
      size: boolQuery(query, 'size'),
      filters: filtersQuery(query),
      ...(limit !== undefined ? { limit } : {}),
    });
    const now = Date.now();
    // docker shows the image id once the name no longer points at the container's image.
    const shown = new Map<string, string>();
    for (const c of list) {
      const key = `${c.spec.image}\n${c.imageId}`;
      if (shown.has(key)) continue;
      const current = await engine.images.inspect(c.spec.image).then((i) => i.id, () => undefined);
      shown.set(key, current === c.imageId ? c.spec.image : c.imageId);
    }
    await sendJsonArray(res, list, (c) => listJson(c, { now, version, image: shown.get(`${c.spec.image}\n${c.imageId}`) ?? c.spec.image }));
  });

  router.add('GET', '/containers/{id}/json', async ({ res, params, query, engine, version }) => {
    const c = await engine.containers.inspect(params['id']!, { size: boolQuery(query, 'size') });
    // docker's ExecIDs: the container's execs that have not ended yet (null when none).
    const execIds = engine.execs?.activeIds(c.id) ?? [];
    sendJson(res, 200, { ...inspectJson(c, { version }), ExecIDs: execIds.length > 0 ? execIds : null });
  });

  router.add('POST', '/containers/{id}/start', async ({ res, params, query, engine }) => {
    const started = await engine.containers.start(params['id']!);
    sendEmpty(res, started ? 204 : 304);
  });

  router.add('POST', '/containers/{id}/stop', async ({ res, params, query, engine }) => {
    const timeout = timeoutQuery(query);
    const signal = signalQuery(query);
    const stopped = await engine.containers.stop(params['id']!, { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
    sendEmpty(res, stopped ? 204 : 304);
  });

  router.add('POST', '/containers/{id}/restart', async ({ res, params, query, engine }) => {
    const timeout = timeoutQuery(query);
    const signal = signalQuery(query);
    await engine.containers.restart(params['id']!, { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
    sendEmpty(res, 204);
  });

  router.add('POST', '/containers/{id}/kill', async ({ res, params, query, engine }) => {
    await engine.containers.kill(params['id']!, signalQuery(query));
    sendEmpty(res, 204);
  });

  router.add('POST', '/containers/{id}/wait', async ({ res, params, query, engine, signal }) => {
    const raw = query.get('condition') || 'not-running';
    if (raw !== 'not-running' && raw !== 'next-exit' && raw !== 'removed') throw invalidArgument(`invalid condition: "${raw}"`);
    const condition: WaitCondition = raw;
    // Register the waiter before answering, so that an exit after the headers is never missed;
    // docker's CLI sends wait before start and waits for the headers.
    const result = engine.containers.wait(params['id']!, condition, signal);
    // A missing container must still be a 404, so give the lookup a turn before answering.
    const early = await Promise.race([result.then(() => undefined, (e: unknown) => ({ e })), new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
    if (early) throw early.e;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    try {
      const r = await result;
      res.end(JSON.stringify({ StatusCode: r.exitCode, Error: r.error ? { Message: r.error } : null }) + '\n');
    } catch (err) {
      res.end(JSON.stringify({ StatusCode: -1, Error: { Message: err instanceof Error ? err.message : String(err) } }) + '\n');
    }
  });

  router.add('DELETE', '/containers/{id}', async ({ res, params, query, engine }) => {
    if (boolQuery(query, 'link')) await engine.containers.removeLink(params['id']!);
    else await engine.containers.remove(params['id']!, { force: boolQuery(query, 'force'), volumes: boolQuery(query, 'v') });
    sendEmpty(res, 204);
  });

  // A legacy link's name, `/<container>/<alias>`: `link=1` removes the link.
  router.add('DELETE', '/containers/{id}/{alias}', async ({ res, params, query, engine }) => {
    const name = `${params['id']!}/${params['alias']!}`;
    if (boolQuery(query, 'link')) await engine.containers.removeLink(name);
    else await engine.containers.remove(name, { force: boolQuery(query, 'force'), volumes: boolQuery(query, 'v') });
    sendEmpty(res, 204);
  });

  router.add('GET', '/containers/{id}/logs', async ({ res, params, query, engine, signal, version }) => {
    const stdout = boolQuery(query, 'stdout');
    const stderr = boolQuery(query, 'stderr');
    if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
    const c = await engine.containers.inspect(params['id']!);
    const tailRaw = query.get('tail');
    // dockerd reads it with strconv.Atoi: anything else (`all`, `x`) and a negative count mean every line.
    const tailNumber = tailRaw !== null && /^[+-]?\d{1,18}$/.test(tailRaw) ? Number(tailRaw) : -1;
    const tail = tailNumber >= 0 ? tailNumber : undefined;
    const since = timestampQuery(query, 'since');
    const until = timestampQuery(query, 'until');
    const lines = engine.containers.logs(c.id, {
      follow: boolQuery(query, 'follow'),
      stdout,
      stderr,
      signal,
      ...(tail !== undefined ? { tail } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    const contentType = c.spec.tty ? 'application/vnd.docker.raw-stream' : versionLess(version, '1.42') ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    try {
      await pumpLines(lines, res, { tty: c.spec.tty, timestamps: boolQuery(query, 'timestamps') });
    } finally {
      res.end();
    }
  });

  router.add('POST', '/containers/{id}/attach', async (ctx) => attach(ctx));

  router.add('POST', '/containers/{id}/resize', async ({ res, params, query, engine }) => {
    const size = terminalSizeQuery(query);
    await engine.containers.resize(params['id']!, size);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 });
    res.end();
  });
}

/** How long the log replay of an attach waits after the status line (see attach()). */
const replayPauseMs = 50;

/**
 * Hijacks the connection: `101 UPGRADED` when the client asked for `Upgrade: tcp`,
 * else `200` on the raw socket; with `logs` sends the log so far, with `stream`
 * the live output through the container's monitor (and input with `stdin`)
 * until its process exits or the client detaches.
 */
async function attach({ req, res, params, query, engine, upgrade, log, version }: RequestContext): Promise<void> {
  const c = await engine.containers.inspect(params['id']!);
  const wantStdout = boolQuery(query, 'stdout');
  const wantStderr = boolQuery(query, 'stderr');
  const wantStdin = boolQuery(query, 'stdin');
  const detachKeys = parseDetachKeys(query.get('detachKeys') || defaultDetachKeys);
  const stream = boolQuery(query, 'stream');
  // Attach first, so that nothing between the log replay and the live stream is lost.
  const attachment = stream ? await engine.containers.attachStdio(c.id, { stdin: wantStdin }) : undefined;
  // Input without an upgrade follows the request on the connection, as for dockerd.
  const ctx = wantStdin && stream ? await takeOverSocket({ req, res, ...(upgrade ? { upgrade } : {}) }) : { req, res, ...(upgrade ? { upgrade } : {}) };
  const socket = hijack(ctx, { multiplexed: !c.spec.tty, version });
  try {
    if (boolQuery(query, 'logs') && (wantStdout || wantStderr)) {
      // docker-py reads a hijacked stream from the raw socket, past the buffer its HTTP parser
      // filled with the status line: bytes that arrived with the headers are lost to it (dockerd's
      // replay loses them often). Let the client take the headers alone before the replay.
      await new Promise((resolve) => setTimeout(resolve, replayPauseMs));
      const lines = engine.containers.logs(c.id, { stdout: wantStdout, stderr: wantStderr });
      await pumpLines(lines, socket, { tty: c.spec.tty, timestamps: false });
    }
    if (attachment) await pumpAttachment(ctx, socket, attachment, { stdin: wantStdin, stdout: wantStdout, stderr: wantStderr, detachKeys, log });
  } catch (err) {
    log.warn('attach stream failed', { container: c.id, err });
  } finally {
    attachment?.close();
    socket.end();
  }
}
