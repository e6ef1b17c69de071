// cli: the container commands other than run/create — start, stop, kill,
// restart, rm, logs, wait — with docker's output and errors (ps: ps.ts).
import { readFrames } from '../../client/index.ts';
import { isNotFound } from '../../core/errors.ts';
import { ExitError, describeError, err, getClient, out } from '../../cli-kit/index.ts';
import { requireDaemon } from '../daemon-requirements.ts';
import { FlagError, parseTimestamp } from '../run-flags.ts';
import { startAttached } from './run.ts';
import { parallelOperation } from '../parallel.ts';

/** Runs `fn` for each name, printing the name on success and docker's error otherwise. */
async function eachName(names: readonly string[], fn: (name: string) => Promise<void>, print = true): Promise<boolean> {
  let failed = false;
  for (const name of names) {
    try {
      await fn(name);
      if (print) out(`${name}\n`);
    } catch (e) {
      if (e instanceof ExitError) throw e;
      err(`${describeError(e)}\n`);
      failed = true;
    }
  }
  return failed;
}

/**
 * eachName with the operations running at once (at most 50), as docker's
 * stop, kill and rm do; each outcome is still printed in the order named.
 * `tolerate` marks a failure that is printed but does not fail the command.
 */
async function eachNameInParallel(names: readonly string[], fn: (name: string) => Promise<void>, tolerate: (e: unknown) => boolean = () => false): Promise<boolean> {
  let failed = false;
  const results = parallelOperation(names, fn);
  for (const [i, result] of results.entries()) {
    const r = await result;
    if (r.status === 'fulfilled') {
      out(`${names[i]!}\n`);
      continue;
    }
    if (r.reason instanceof ExitError) throw r.reason;
    err(`${describeError(r.reason)}\n`);
    if (!tolerate(r.reason)) failed = true;
  }
  return failed;
}

export async function startCommand(names: string[], opts: { attach?: boolean; interactive?: boolean; detachKeys?: string; checkpoint?: string; checkpointDir?: string }): Promise<void> {
  if (opts.checkpoint !== undefined) await requireDaemon('--checkpoint', { experimental: true });
  if (opts.checkpointDir !== undefined) await requireDaemon('--checkpoint-dir', { experimental: true });
  const client = await getClient();
  if (opts.attach || opts.interactive) {
    if (names.length > 1) throw new ExitError(1, 'you cannot start and attach multiple containers at once');
    try {
      await startAttached(client, names[0] as string, !!opts.interactive, opts.detachKeys);
    } catch (e) {
      if (e instanceof ExitError) throw e;
      throw new ExitError(1, describeError(e));
    }
    return;
  }
  const failed: string[] = [];
  for (const n of names) {
    try {
      if (opts.checkpoint !== undefined || opts.checkpointDir !== undefined) {
        await client.raw('POST', `/containers/${encodeURIComponent(n)}/start`, { query: { checkpoint: opts.checkpoint, 'checkpoint-dir': opts.checkpointDir } });
      } else await client.containerStart(n);
      out(`${n}\n`);
    } catch (e) {
      err(`${describeError(e)}\n`);
      failed.push(n);
    }
  }
  if (failed.length > 0) throw new ExitError(1, `Error: failed to start containers: ${failed.join(', ')}`);
}

function parseTime(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const n = Number(t);
  if (!Number.isInteger(n)) throw new ExitError(125, `invalid argument "${t}" for "-t, --timeout" flag: strconv.ParseInt: parsing "${t}": invalid syntax`);
  return n;
}

export async function stopCommand(names: string[], opts: { time?: string; timeout?: string; signal?: string }): Promise<void> {
  const client = await getClient();
  const t = parseTime(opts.time ?? opts.timeout);
  const o: { t?: number; signal?: string } = {};
  if (t !== undefined) o.t = t;
  if (opts.signal !== undefined) o.signal = opts.signal;
  if (await eachNameInParallel(names, (n) => client.containerStop(n, o))) throw new ExitError(1);
}

export async function restartCommand(names: string[], opts: { time?: string; timeout?: string; signal?: string }): Promise<void> {
  const client = await getClient();
  const t = parseTime(opts.time ?? opts.timeout);
  const o: { t?: number; signal?: string } = {};
  if (t !== undefined) o.t = t;
  if (opts.signal !== undefined) o.signal = opts.signal;
  if (await eachName(names, (n) => client.containerRestart(n, o))) throw new ExitError(1);
}

export async function killCommand(names: string[], opts: { signal?: string }): Promise<void> {
  const client = await getClient();
  const o = opts.signal !== undefined ? { signal: opts.signal } : {};
  if (await eachNameInParallel(names, (n) => client.containerKill(n, o))) throw new ExitError(1);
}

export async function rmCommand(names: string[], opts: { force?: boolean; volumes?: boolean; link?: boolean }): Promise<void> {
  const client = await getClient();
  const remove = (n: string) => client.containerRemove(n, { force: !!opts.force, v: !!opts.volumes, link: !!opts.link });
  // docker rm -f of a missing container prints the error but succeeds
  if (await eachNameInParallel(names, remove, (e) => !!opts.force && isNotFound(e))) throw new ExitError(1);
}

export async function waitCommand(names: string[]): Promise<void> {
  const client = await getClient();
  let failed = false;
  for (const n of names) {
    try {
      const r = await client.containerWait(n, { condition: 'not-running' });
      out(`${r.StatusCode}\n`);
    } catch (e) {
      err(`${describeError(e)}\n`);
      failed = true;
    }
  }
  if (failed) throw new ExitError(1);
}

export interface LogsOptions {
  follow?: boolean; timestamps?: boolean; tail?: string; since?: string; until?: string; details?: boolean;
}

export async function logsCommand(name: string, opts: LogsOptions): Promise<void> {
  const client = await getClient();
  let since: string | undefined;
  let until: string | undefined;
  try {
    since = opts.since !== undefined ? parseTimestamp(opts.since) : undefined;
    until = opts.until !== undefined ? parseTimestamp(opts.until) : undefined;
  } catch (e) {
    if (e instanceof FlagError) throw new ExitError(1, e.message);
    throw e;
  }
  const info = await client.containerInspect(name);
  const res = await client.containerLogs(name, {
    follow: !!opts.follow, timestamps: !!opts.timestamps, stdout: true, stderr: true,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}),
  });
  if (info.Config?.Tty) {
    for await (const c of res) out((c as Buffer).toString('utf8'));
    return;
  }
  for await (const f of readFrames(res)) (f.stream === 2 ? err : out)(f.data);
}

