// cli: the output half of every `inspect` command (container, image, network,
// volume), as docker's inspect package does it: a JSON array indented by four,
// or each object through `--format`, then the errors of the names not found.
import { ExitError, describeError, out, Template, TemplateError } from '../cli-kit/index.ts';

/** Parses `--format` up front, so a bad template fails before any request. */
export function inspectTemplate(format: string | undefined): Template | undefined {
  if (format === undefined || format === '' || format === 'json') return undefined;
  try {
    // docker's inspect takes the template as given (no \t, \n unescaping) and exits 64 on a bad one
    return new Template(format);
  } catch (e) {
    throw new ExitError(64, `template parsing error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Fetches each name in turn; a failure becomes an error line and the rest go on. */
export async function inspectEach(names: readonly string[], fetch: (name: string) => Promise<unknown>): Promise<{ found: unknown[]; errors: string[] }> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(await fetch(name));
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  return { found, errors };
}

/** Prints what was found; exits 1 with the errors if any name failed. */
export function printInspected(found: readonly unknown[], errors: readonly string[], tmpl: Template | undefined): void {
  const problems = [...errors];
  if (tmpl) {
    let printed = '';
    for (const obj of found) {
      try {
        printed += tmpl.execute(obj, { missingKey: 'error' }) + '\n';
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        problems.push(`template parsing error: ${e.message}`);
      }
    }
    // docker flushes an empty line when nothing was printed
    out(printed === '' ? '\n' : printed);
  } else {
    out(found.length === 0 ? '[]\n' : JSON.stringify(found, null, 4) + '\n');
  }
  if (problems.length > 0) throw new ExitError(1, problems.join('\n'));
}
