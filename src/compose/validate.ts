// compose: validation of a compose tree against the Compose Specification JSON
// schema with ajv, with errors that name the key path as Docker Compose does
// ("services.web.ports must be a array", "services.web additional property foo is not allowed").
import { Ajv } from 'ajv';
import type { ValidateFunction, ErrorObject } from 'ajv';
import { invalidArgument } from '../core/errors.ts';
import { composeSpecSchema } from './compose-spec-schema.ts';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const { $schema: _ignored, ...schema } = composeSpecSchema;
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  compiled = ajv.compile(schema);
  return compiled;
}

function keyPath(instancePath: string): string {
  return instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function describe(e: ErrorObject): string {
  const where = keyPath(e.instancePath);
  const at = where === '' ? '(root)' : where;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at} additional properties '${String((e.params as { additionalProperty: string }).additionalProperty)}' not allowed`;
    case 'type':
      return `${at} must be a ${String((e.params as { type: string }).type)}`;
    case 'required':
      return `${at} missing property '${String((e.params as { missingProperty: string }).missingProperty)}'`;
    default:
      return `${at} ${e.message ?? 'is invalid'}`;
  }
}

/** Throws InvalidArgument naming the first bad key path when `tree` is not a valid compose model. */
export function validateComposeTree(tree: unknown, file = 'compose file'): void {
  const validate = validator();
  if (validate(tree)) return;
  const errors = validate.errors ?? [];
  // The most specific error: the deepest path (oneOf branches report shallower summaries).
  const best = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  throw invalidArgument(`validating ${file}: ${best ? describe(best) : 'invalid'}`);
}
