// cli: docker's `--filter k=v` flag values, shared by the list and prune commands.
import type { Filters } from '../../client/index.ts';
import { ExitError } from '../../cli-kit/index.ts';

/** `--filter k=v` values into the API's filters map. */
export function parseFilters(values: readonly string[]): Filters {
  const f: Filters = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 0) throw new ExitError(125, `invalid argument "${v}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    (f[v.slice(0, i).trim().toLowerCase()] ??= {})[v.slice(i + 1)] = true;
  }
  return f;
}
