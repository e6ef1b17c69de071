// cli: `berth stats` — a live table of the containers' resource usage, redrawn
// every second, or one sample with `--no-stream`; docker's columns and units.
import type { EngineClient } from '../../client/index.ts';
import { FormatError, renderList, statsContext, statsDefaultTable, statsHeaders, statsRow, type StatsJson, ExitError, describeError, err, getClient, out } from '../../cli-kit/index.ts';

export interface StatsOptions {
  all?: boolean;
  stream?: boolean;
  format?: string;
  trunc?: boolean;
}

interface Target {
  /** What the user typed, or the short id when listing. */
  readonly label: string;
  readonly id: string;
}

async function listTargets(client: EngineClient, all: boolean): Promise<Target[]> {
  const list = await client.containerList({ all });
  return list.map((c) => ({ label: c.Id.slice(0, 12), id: c.Id }));
}

function render(rows: readonly { target: Target; stats: StatsJson }[], opts: StatsOptions): string {
  try {
    return renderList(rows.map((r) => statsContext(statsRow(r.stats), r.target.label, opts.trunc !== false)), { format: opts.format ?? '', defaultTable: statsDefaultTable, headers: statsHeaders });
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}

export async function statsCommand(names: string[], opts: StatsOptions): Promise<void> {
  const client = await getClient();
  const named = names.length > 0;
  let targets: Target[] = named ? names.map((n) => ({ label: n, id: n })) : await listTargets(client, !!opts.all);

  if (opts.stream === false) {
    const results = await Promise.allSettled(targets.map((t) => client.json<StatsJson>('GET', `/containers/${encodeURIComponent(t.id)}/stats`, { query: { stream: false } })));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [describeError(r.reason)] : []));
    if (errors.length > 0) throw new ExitError(1, errors.join('\n'));
    out(render(results.map((r, i) => ({ target: targets[i]!, stats: (r as PromiseFulfilledResult<StatsJson>).value })), opts));
    return;
  }

  const latest = new Map<string, StatsJson>();
  const streams = new Map<string, AbortController>();
  const follow = (t: Target) => {
    if (streams.has(t.id)) return;
    const ac = new AbortController();
    streams.set(t.id, ac);
    void (async () => {
      const body = await client.stream('GET', `/containers/${encodeURIComponent(t.id)}/stats`, { query: { stream: true }, signal: ac.signal });
      let pending = '';
      for await (const chunk of body) {
        pending += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line !== '') latest.set(t.id, JSON.parse(line) as StatsJson);
        }
      }
    })().catch((e: unknown) => {
      if (ac.signal.aborted) return;
      if (named) {
        err(`${describeError(e)}\n`);
        process.exit(1);
      }
    }).finally(() => streams.delete(t.id));
  };
  if (named) {
    // A name that does not exist fails before the screen is cleared, as docker does.
    for (const t of targets) {
      try {
        await client.containerInspect(t.id);
      } catch (e) {
        throw new ExitError(1, describeError(e));
      }
    }
  }
  targets.forEach(follow);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (!named) {
      targets = await listTargets(client, !!opts.all).catch(() => targets);
      const ids = new Set(targets.map((t) => t.id));
      for (const [id, ac] of streams) if (!ids.has(id)) ac.abort();
      for (const id of latest.keys()) if (!ids.has(id)) latest.delete(id);
      targets.forEach(follow);
    }
    const rows = targets.flatMap((t) => {
      const s = latest.get(t.id);
      return s ? [{ target: t, stats: s }] : [];
    });
    // Clear the screen and home the cursor, then draw the table (docker's redraw).
    out('\x1b[2J\x1b[H' + render(rows, opts));
  }
}
