// cli: `ps` (`container ls`) with docker's output and errors; a module of its own so that
// the command loads neither commander (fast-list.ts runs it) nor the other container commands.
import { Template, TemplateError, containerContext, psDefaultTable, psHeaders, renderList, FormatError, ExitError, getClient, out } from '../../cli-kit/index.ts';
import { parseFilters } from './filters.ts';

export interface PsOptions {
  all?: boolean; quiet?: boolean; last?: string; latest?: boolean; size?: boolean;
  filter?: string[]; format?: string; trunc?: boolean;
}

/** docker ps checks a --format template up front by running it on an empty container context. */
function validatePsFormat(format: string, trunc: boolean): void {
  let t: Template;
  try {
    t = new Template(format);
  } catch (e) {
    throw new ExitError(1, `failed to parse template: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    t.execute(containerContext({ Id: '' }, trunc));
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    throw new ExitError(1, `failed to execute template: ${e.message}`);
  }
}

export async function psCommand(opts: PsOptions): Promise<void> {
  if (opts.format) validatePsFormat(opts.format, opts.trunc !== false);
  const client = await getClient();
  let limit = opts.last !== undefined ? Number(opts.last) : -1;
  if (opts.latest) limit = 1;
  const format = opts.quiet ? '{{.ID}}' : (opts.format ?? '');
  const size = !!opts.size || /\.Size\b/.test(format);
  const list = await client.containerList({
    all: !!opts.all || limit > 0, ...(limit > 0 ? { limit } : {}), size, filters: parseFilters(opts.filter ?? []),
  });
  const trunc = opts.trunc !== false;
  const contexts = list.map((c) => containerContext(c, trunc));
  try {
    out(renderList(contexts, { format, defaultTable: psDefaultTable(!!opts.size), headers: psHeaders, emptyContext: containerContext({ Id: '' }, trunc) }));
  } catch (e) {
    if (e instanceof FormatError) throw new ExitError(1, e.message);
    throw e;
  }
}
