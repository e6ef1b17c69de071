// cli-kit/template: Go's text/template as docker's --format uses it.
export { Template, TemplateObject, formatValue, isTrue, noValue } from './exec.ts';
export type { ExecuteOptions } from './exec.ts';
export { TemplateError } from './parse.ts';
export { goQuote } from './fmt.ts';
