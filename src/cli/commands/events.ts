// cli: `berth events` — docker's event stream, printed as docker prints it
// (`<time> <type> <action> <id> (k=v, …)`) or through `--format`.
import { parseTimestamp } from '../../lib/timestamp.ts';
import { formatRfc3339NanoFixed } from '../../lib/go-units.ts';
import { Template, ExitError, getClient, out } from '../../cli-kit/index.ts';
import { parseFilters } from './filters.ts';

export interface EventsOptions {
  since?: string;
  until?: string;
  filter?: string[];
  format?: string;
}

interface WireEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope?: string;
  time: number;
  timeNano: number;
}

/** RFC 3339 with nine fraction digits in UTC, as docker's RFC3339NanoFixed. */
export function eventTime(timeNano: number | bigint): string {
  return formatRfc3339NanoFixed(typeof timeNano === 'bigint' ? timeNano : BigInt(Math.round(timeNano)));
}

/** docker's default line: time, type, action, actor id, then the attributes sorted by key. */
export function eventLine(e: WireEvent, exactNano?: bigint): string {
  const attrs = Object.entries(e.Actor.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  return `${eventTime(exactNano ?? e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}

/** The Go field names docker's templates see (`{{.Status}}`, `{{.Actor.Attributes.name}}`). */
function templateData(e: WireEvent): Record<string, unknown> {
  return { Status: e.status ?? '', ID: e.id ?? '', From: e.from ?? '', Type: e.Type, Action: e.Action, Actor: { ID: e.Actor.ID, Attributes: e.Actor.Attributes ?? {} }, Scope: e.scope ?? 'local', Time: e.time, TimeNano: e.timeNano };
}

function toQueryTime(flag: string, value: string | undefined, nowMs: number): string | undefined {
  if (value === undefined) return undefined;
  const t = parseTimestamp(value, nowMs);
  if (t === null) throw new ExitError(125, `invalid value for "--${flag}": failed to parse value as time or duration: "${value}"`);
  if (t === undefined) return undefined;
  return `${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`;
}

export async function eventsCommand(opts: EventsOptions): Promise<void> {
  const now = Date.now();
  const since = toQueryTime('since', opts.since, now);
  const until = toQueryTime('until', opts.until, now);
  const filters = parseFilters(opts.filter ?? []);
  const client = await getClient();
  const body = await client.stream('GET', '/events', {
    query: { since, until, filters: Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined },
  });
  const template = opts.format !== undefined && opts.format !== '' && opts.format !== 'json' ? new Template(opts.format) : undefined;
  let pending = '';
  for await (const chunk of body) {
    pending += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === '') continue;
      const e = JSON.parse(line) as WireEvent;
      if (opts.format === 'json') out(line + '\n');
      else if (template) out(template.execute(templateData(e)) + '\n');
      else {
        // JSON.parse rounds the nanoseconds; read them from the text.
        const exact = /"timeNano":(\d+)/.exec(line)?.[1];
        out(eventLine(e, exact !== undefined ? BigInt(exact) : undefined) + '\n');
      }
    }
  }
}
