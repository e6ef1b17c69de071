// Request bodies decoded the way dockerd's handlers decode them (Go's
// encoding/json into a typed struct), so that a client sending a broken body
// reads the same message from berthd as from dockerd: "got EOF while reading
// request body", "invalid character 'x' looking for beginning of value",
// "json: cannot unmarshal array into Go value of type swarm.ServiceSpec".
import { invalidArgument } from '../core/errors.ts';
import { goSyntaxError } from './go-json-error.ts';

/** Go's name for the JSON kind of a decoded value, as its UnmarshalTypeError says it. */
function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * The message Go's json.Decoder gives for a body that is not JSON: the
 * scanner's words (go-json-error.ts), except that a streaming decoder calls a
 * truncated document "unexpected EOF" where json.Unmarshal says "unexpected
 * end of JSON input".
 */
export function goSyntaxMessage(text: string, err: unknown): string {
  if (text.trim() === '') return 'EOF';
  const message = goSyntaxError(text);
  if (message === undefined || message === 'unexpected end of JSON input') return message === undefined && err instanceof Error ? err.message : 'unexpected EOF';
  return message;
}

/** A body parsed as JSON with Go's error texts (InvalidArgument); `undefined` for JSON `null`. */
export function parseGoJson(text: string, goType: string, expect: 'object' | 'array'): unknown {
  if (text.trim() === '') throw invalidArgument('got EOF while reading request body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(goSyntaxMessage(text, err));
  }
  if (value === null) return undefined;
  const kind = goKind(value);
  if (kind !== expect) throw invalidArgument(`json: cannot unmarshal ${kind} into Go value of type ${goType}`);
  return value;
}

/** Go's strconv.ParseBool, `undefined` when it refuses the text. */
export function goParseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  return undefined;
}

/** The error text of Go's strconv functions: `strconv.ParseBool: parsing "x": invalid syntax`. */
export function strconvError(fn: string, s: string): string {
  return `strconv.${fn}: parsing ${JSON.stringify(s)}: invalid syntax`;
}
