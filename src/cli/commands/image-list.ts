// cli: `images` (`image ls`) with docker's output and errors; a module of its own so that
// the command loads neither commander (fast-list.ts runs it) nor the other image commands.
import { FormatError, imageContexts, imageDefaultTable, imageHeaders, renderList, truncateId, ExitError, getClient, out } from '../../cli-kit/index.ts';
import type { TemplateObject } from '../../cli-kit/index.ts';
import { parseFilters } from './filters.ts';

/** Writes a rendered list; a --format that fails is docker's exit code 1. */
export function render(fn: () => string): void {
  try {
    out(fn());
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}

export interface ImagesOptions {
  quiet?: boolean; all?: boolean; filter?: string[]; format?: string; digests?: boolean; trunc?: boolean;
}

export async function imagesCommand(repo: string | undefined, opts: ImagesOptions): Promise<void> {
  const client = await getClient();
  const filters = parseFilters(opts.filter ?? []);
  if (repo !== undefined) (filters['reference'] ??= {})[repo] = true;
  const list = await client.imageList({ all: !!opts.all, filters });
  const trunc = opts.trunc !== false;
  if (opts.quiet) {
    const ids = [...new Set(list.map((i) => (trunc ? truncateId(i.Id) : i.Id)))];
    out(ids.map((i) => `${i}\n`).join(''));
    return;
  }
  const contexts = list.flatMap((i) => imageContexts(i, trunc));
  render(() => renderList(contexts, { format: opts.format ?? '', defaultTable: imageDefaultTable(!!opts.digests), headers: imageHeaders, emptyContext: imageContexts({ Id: '' }, trunc)[0] as TemplateObject }));
}
