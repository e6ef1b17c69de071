// cli-kit/format: docker's formatter — turns a --format value (empty, `table`,
// `table <tmpl>`, `json`, or a raw template) and a list of contexts into output
// text: a header row from each field's column name, rows through the tabwriter.
import { Template, TemplateObject, TemplateError } from '../template/index.ts';
import { tabwrite } from './table.ts';

export interface RenderOptions {
  /** The user's --format ('' for the default table). */
  readonly format: string;
  /** The default table template, without the `table ` prefix. */
  readonly defaultTable: string;
  /** Column names by field, used for the header row (`ID` → `CONTAINER ID`). */
  readonly headers: Readonly<Record<string, string>>;
  /** A context with empty values: the template is checked against it when there are no rows. */
  readonly emptyContext?: TemplateObject;
}

/** A failure to parse or execute the user's template; the CLI exits 1. */
export class FormatError extends Error {
  override name = 'FormatError';
}

function unescape(s: string): string {
  return s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

function compile(text: string): Template {
  try {
    return new Template(text);
  } catch (e) {
    throw new FormatError(`template parsing error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function run(t: Template, data: unknown): string {
  try {
    return t.execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new FormatError(`failed to execute template: ${e.message}`);
    throw e;
  }
}

/** Renders contexts per docker's rules; the result ends with a newline unless empty. */
export function renderList(contexts: readonly TemplateObject[], options: RenderOptions): string {
  let format = options.format;
  if (format === '' || format === 'table') format = `table ${options.defaultTable}`;
  if (format === 'json') format = '{{json .}}';
  const isTable = format.startsWith('table');
  const body = unescape(isTable ? format.slice('table'.length).trim() : format);
  const tmpl = compile(body);
  let out = '';
  if (isTable) {
    const headerFields: Record<string, (...args: unknown[]) => unknown> = {};
    const sample = contexts[0];
    const names = new Set([...Object.keys(options.headers), ...(sample ? Object.keys(sample.fields) : [])]);
    for (const name of names) {
      const header = options.headers[name] ?? name.toUpperCase();
      const arity = sample?.fields[name]?.length ?? 0;
      // docker heads a method column (`.Label "k"`) with its argument.
      headerFields[name] = arity > 0 ? (...args: unknown[]) => String(args[0] ?? header) : () => header;
      Object.defineProperty(headerFields[name], 'length', { value: arity });
    }
    out += run(tmpl, new TemplateObject(sample?.goType ?? '', headerFields)) + '\n';
  }
  for (const c of contexts) out += run(tmpl, c) + '\n';
  // docker reports a bad field even when there is nothing to list
  if (contexts.length === 0 && !isTable && options.emptyContext) run(tmpl, options.emptyContext);
  if (!isTable) return out;
  const lines = out.split('\n');
  lines.pop();
  return tabwrite(lines).join('\n') + '\n';
}
