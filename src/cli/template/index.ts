// cli/template: the Go text/template subset used by --format.
import { TemplateObject, formatValue, isTrue } from './exec.ts';
import { bindFormatting } from './functions.ts';

bindFormatting(formatValue, isTrue, (v) => v instanceof TemplateObject);

export { Template, TemplateObject, formatValue, isTrue, noValue } from './exec.ts';
export type { ExecuteOptions } from './exec.ts';
export { TemplateError } from './parse.ts';
