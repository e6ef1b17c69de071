// BuildKit's line parsers (line_parsers.go): how each instruction's text
// after the keyword becomes the node's arguments — builder flags (`--from=x`),
// JSON or shell form, `name=value` pairs, whitespace-delimited words and the
// HEALTHCHECK form.
import type { Node } from './ast.ts';
import { goQuote, isGoSpace } from './go-strings.ts';
import { ParseFailure } from './errors.ts';

/** What an instruction's arguments parse to (BuildKit's node.Next, onbuild's inner node, the JSON attribute). */
export interface Args {
  next: string[];
  onbuild?: Node;
  json?: boolean;
}

/** The part of the parser's state the line parsers read: the escape token. */
export interface LexState {
  readonly escape: '\\' | '`';
}

const reWhitespace = /[\t\v\f\r ]+/;

export function trimLeftSpace(s: string): string {
  // By UTF-16 unit: every Unicode space is one unit, and half a surrogate pair is never one.
  let i = 0;
  while (i < s.length && isGoSpace(s[i] as string)) i++;
  return i === 0 ? s : s.slice(i);
}

/** BuildKit's splitCommand + extractBuilderFlags. */
export function splitCommand(line: string, st: LexState): { cmd: string; flags: string[]; args: string } {
  const trimmed = goTrimSpace(line);
  const m = reWhitespace.exec(trimmed);
  if (m === null) return { cmd: trimmed, flags: [], args: '' };
  const cmd = trimmed.slice(0, m.index);
  const rest = trimmed.slice(m.index + m[0].length);
  const [args, flags] = extractBuilderFlags(rest, st.escape);
  return { cmd, flags, args: goTrimSpace(args) };
}

function goTrimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isGoSpace(s[a] as string)) a++;
  while (b > a && isGoSpace(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function extractBuilderFlags(line: string, escape: string): [string, string[]] {
  const IN_SPACES = 0, IN_WORD = 1, IN_QUOTE = 2;
  const words: string[] = [];
  let phase = IN_SPACES;
  let word = '';
  let quote = '';
  let blankOK = false;
  let ch = '';
  for (let pos = 0; pos <= line.length; pos++) {
    if (pos !== line.length) ch = line[pos] as string;
    if (phase === IN_SPACES) {
      if (pos === line.length) break;
      if (isGoSpace(ch)) continue;
      // Only keep going while the next word starts with "--".
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return [line.slice(pos), words];
      phase = IN_WORD;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === line.length) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isGoSpace(ch)) {
        phase = IN_SPACES;
        if (word === '--') return [line.slice(pos), words];
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === line.length) continue;
        pos++;
        ch = line[pos] as string;
      }
      word += ch;
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote) {
        phase = IN_WORD;
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === line.length) {
          phase = IN_WORD;
          continue;
        }
        pos++;
        ch = line[pos] as string;
      }
      word += ch;
    }
  }
  return ['', words];
}

/** BuildKit's parseWords: split on unquoted whitespace, keeping quotes and escapes. */
export function parseWords(rest: string, st: LexState): string[] {
  const IN_SPACES = 0, IN_WORD = 1, IN_QUOTE = 2;
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase = IN_SPACES;
  let quote = '';
  let blankOK = false;
  let word = '';
  let ch = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    if (pos !== chars.length) ch = chars[pos] as string;
    if (phase === IN_SPACES) {
      if (pos === chars.length) break;
      if (isGoSpace(ch)) continue;
      phase = IN_WORD;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isGoSpace(ch)) {
        phase = IN_SPACES;
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
      }
      if (ch === st.escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote) phase = IN_WORD;
      if (ch === st.escape && quote !== "'") {
        if (pos + 1 === chars.length) {
          phase = IN_WORD;
          continue;
        }
        pos++;
        word += ch;
        ch = chars[pos] as string;
      }
      word += ch;
    }
  }
  return words;
}

export function parseNameVal(rest: string, key: string, st: LexState): Args {
  const words = parseWords(rest, st);
  if (words.length === 0) return { next: [] };
  if (!(words[0] as string).includes('=')) {
    const m = reWhitespace.exec(rest);
    if (m === null) throw new ParseFailure(`${key} must have two arguments`, 0);
    return { next: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''] };
  }
  const next: string[] = [];
  for (const word of words) {
    const i = word.indexOf('=');
    if (i < 0) throw new ParseFailure(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`, 0);
    next.push(word.slice(0, i), word.slice(i + 1), '=');
  }
  return { next };
}

export function parseWhitespaceDelimited(rest: string): Args {
  if (rest === '') return { next: [] };
  return { next: rest.split(reWhitespace) };
}

class NotStringArray extends Error {}

/** JSON array of strings → words; undefined when `rest` is not a JSON array. */
function parseJSON(rest: string): Args | undefined {
  const trimmed = trimLeftSpace(rest);
  if (!trimmed.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const next: string[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item !== 'string') throw new NotStringArray();
    next.push(item);
  }
  return { next, json: true };
}

function tryJSON(rest: string): Args | undefined {
  try {
    return parseJSON(rest);
  } catch (err) {
    if (err instanceof NotStringArray) {
      throw new ParseFailure('when using JSON array syntax, arrays must be comprised of strings only', 0);
    }
    throw err;
  }
}

export function parseMaybeJSON(rest: string): Args {
  if (rest === '') return { next: [] };
  return tryJSON(rest) ?? { next: [rest] };
}

export function parseMaybeJSONToList(rest: string): Args {
  return tryJSON(rest) ?? parseWhitespaceDelimited(rest);
}

export function parseHealthConfig(rest: string): Args {
  let sep = 0;
  for (; sep < rest.length; sep++) if (isGoSpace(rest[sep] as string)) break;
  let next = sep;
  for (; next < rest.length; next++) if (!isGoSpace(rest[next] as string)) break;
  if (sep === 0) return { next: [] };
  const typ = rest.slice(0, sep);
  const cmd = parseMaybeJSON(rest.slice(next));
  return { next: [typ, ...cmd.next], ...(cmd.json ? { json: true } : {}) };
}
