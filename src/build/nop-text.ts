// The history texts the classic builder writes for SHELL and HEALTHCHECK, as
// dockerd 20.10 formats them with Go's fmt: `SHELL %v` of the shell slice and
// `HEALTHCHECK %q` of the *container.HealthConfig (its strings and durations
// quoted, Retries as a quoted rune).
import { formatGoDuration } from '../lib/go-units.ts';

/** Go's `%v` of a []string: `[/bin/sh -c]`. */
export function shellNopText(shell: readonly string[]): string {
  return `SHELL [${shell.join(' ')}]`;
}

/** Go's strconv.Quote for the ASCII strings a health check holds (JSON's escapes match it there). */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f]/g, '\\x7f');
}

const runeEscapes: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 39: "\\'", 92: '\\\\' };

/** Go's `%q` of an int: strconv.QuoteRune (`'\x00'`, `'\x03'`, `'A'`). */
function goQuoteRune(n: number): string {
  const escaped = runeEscapes[n];
  if (escaped !== undefined) return `'${escaped}'`;
  if (n < 0x20 || n === 0x7f) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(n)}'`;
}

export interface NopHealthcheck {
  readonly test: readonly string[];
  /** Nanoseconds; 0 when not given. */
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  readonly retries: number;
}

/** `HEALTHCHECK &{["CMD-SHELL" "true"] "0s" "0s" "0s" '\x00'}` (20.10's HealthConfig has no StartInterval). */
export function healthcheckNopText(h: NopHealthcheck): string {
  const test = `[${h.test.map(goQuote).join(' ')}]`;
  const d = (ns: number) => goQuote(formatGoDuration(ns));
  return `HEALTHCHECK &{${test} ${d(h.interval)} ${d(h.timeout)} ${d(h.startPeriod)} ${goQuoteRune(h.retries)}}`;
}
