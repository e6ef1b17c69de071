// docker ps filters (name, id, status, label, ancestor, exited, before, since)
// applied to the engine's containers. Values of one key are OR-ed, keys AND-ed.
import { invalidArgument } from '../../core/errors.ts';
import { containerStatuses, type Container } from '../../core/types.ts';
import type { Filters } from '../types.ts';

const knownKeys = new Set(['name', 'id', 'status', 'label', 'ancestor', 'exited', 'before', 'since', 'health', 'network', 'volume', 'publish', 'expose', 'is-task']);

export function validateContainerFilters(filters: Filters): void {
  for (const [key, values] of Object.entries(filters)) {
    if (!knownKeys.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    if (key === 'status') {
      for (const v of values) if (!(containerStatuses as readonly string[]).includes(v)) throw invalidArgument(`Invalid filter 'status=${v}'`);
    }
    if (key === 'health') {
      for (const v of values) if (!['starting', 'healthy', 'unhealthy', 'none'].includes(v)) throw invalidArgument(`Unrecognised filter value for health: ${v}`);
    }
    if (key === 'exited') {
      for (const v of values) if (!/^-?\d+$/.test(v)) throw invalidArgument(`Invalid filter 'exited=${v}'`);
    }
  }
}

/** docker matches `name` filters as regular expressions against "/name". */
function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return value.includes(pattern);
  }
}

export function labelMatches(labels: Readonly<Record<string, string>>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

export interface FilterContext {
  /** Image ids the `ancestor` values resolve to (unresolvable values match nothing). */
  readonly ancestorIds: ReadonlySet<string>;
  /** Created times of the `before` / `since` containers. */
  readonly before?: string;
  readonly since?: string;
}

export function containerMatches(c: Container, filters: Filters, ctx: FilterContext): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters[key];
    return values === undefined || values.length === 0 || values.some(test);
  };
  return (
    any('name', (v) => regexMatch(v, `/${c.name}`)) &&
    any('id', (v) => c.id.startsWith(v)) &&
    any('status', (v) => c.state.status === v) &&
    any('exited', (v) => c.state.status === 'exited' && c.state.exitCode === Number(v)) &&
    any('health', (v) => (c.state.health?.status ?? 'none') === v) &&
    any('ancestor', (v) => ctx.ancestorIds.has(c.imageId) || c.spec.image === v) &&
    (filters['label'] ?? []).every((v) => labelMatches(c.spec.labels, v)) &&
    (ctx.before === undefined || c.created < ctx.before) &&
    (ctx.since === undefined || c.created > ctx.since)
  );
}
