// Percent-decoding of request paths and queries as Go's net/url does it for
// dockerd, so that no request target can make berthd throw (JavaScript's
// decodeURIComponent throws `URI malformed` on `%ff%fe`):
// - a bad escape (`%zz`, a lone `%`) is Go's `invalid URL escape "%zz"` (400);
// - escapes that decode to bytes which are not UTF-8 (`%ff`) become U+FFFD, as
//   dockerd's answers show them (`No such container: \ufffd\ufffd`).
import { invalidArgument } from '../core/errors.ts';

const hex = /^[0-9a-fA-F]{2}$/;

/** The first bad `%` escape in `s` (Go's words), or undefined. */
export function badEscape(s: string): string | undefined {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!hex.test(s.slice(i + 1, i + 3))) return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
  }
  return undefined;
}

/** Go's url.PathUnescape, then bytes → UTF-8 with U+FFFD for what is not; InvalidArgument for a bad escape. */
export function unescapePath(s: string): string {
  if (!s.includes('%')) return s;
  const bad = badEscape(s);
  if (bad !== undefined) throw invalidArgument(bad);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The query as Go's url.ParseQuery reads it for dockerd's handlers
 * (InvalidArgument `invalid URL escape "%zz"` for a bad escape). URLSearchParams
 * already maps undecodable bytes to U+FFFD and `+` to a space, as Go does.
 */
export function parseQuery(raw: string): URLSearchParams {
  const bad = badEscape(raw);
  if (bad !== undefined) throw invalidArgument(bad);
  return new URLSearchParams(raw);
}
