// The Dockerfile lexer/parser: text → raw Node tree, following BuildKit's
// parser.Parse line for line (directives, continuation lines, comments inside
// them, per-instruction argument splitting, heredoc bodies), so that berth
// reads every Dockerfile exactly as `docker build` does.
import type { Directives, Heredoc, Node, ParseResult } from './ast.ts';
import { lexWord } from './shell-lex.ts';
import { parseHealthConfig, parseMaybeJSON, parseMaybeJSONToList, parseNameVal, parseWhitespaceDelimited, parseWords, splitCommand, trimLeftSpace, type Args } from './line-parsers.ts';
import { dockerfileError, ParseFailure } from './errors.ts';

export interface ParseOptions {
  /** The file name used in error messages (default `Dockerfile`). */
  readonly file?: string;
}

interface State {
  escape: '\\' | '`';
  continuation: RegExp;
  directivesDone: boolean;
  seen: Set<string>;
  syntax?: string;
  check?: string;
}

const reDirective = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
const reHeredoc = /^([0-9]*)<<(-?)([^<]*)$/;
const heredocInstructions = new Set(['add', 'copy', 'run']);

/** Parses a Dockerfile. Throws InvalidArgument (`Dockerfile:3: ENV must have two arguments`). */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.file ?? 'Dockerfile';
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof ParseFailure) throw dockerfileError(file, err.line, err.message);
    throw err;
  }
}

function setEscape(st: State, s: string): void {
  if (s !== '`' && s !== '\\') throw new ParseFailure(`invalid escape token '${s}' does not match \` or \\`, 0);
  st.escape = s;
  const e = s === '\\' ? '\\\\' : '`';
  // The token ends a line unless it is itself escaped (BuildKit's regexp, same quirks).
  st.continuation = new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/** BuildKit's DirectiveParser.ParseLine: true when the line was a directive. */
function possibleDirective(st: State, line: string, lineNo: number): boolean {
  if (st.directivesDone) return false;
  if (!line.startsWith('#')) {
    st.directivesDone = true;
    return false;
  }
  const rest = trimLeftSpace(line.slice(1));
  const m = reDirective.exec(rest);
  if (m === null) {
    st.directivesDone = true;
    return false;
  }
  const key = (m[1] as string).toLowerCase();
  const value = m[2] as string;
  if (key !== 'syntax' && key !== 'escape' && key !== 'check') {
    st.directivesDone = true;
    return false;
  }
  if (st.seen.has(key)) throw new ParseFailure(`only one ${key} parser directive can be used`, lineNo);
  st.seen.add(key);
  if (key === 'escape') setEscape(st, value);
  else if (key === 'syntax') st.syntax = value;
  else st.check = value;
  return true;
}

function trimNewline(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}

function isComment(s: string): boolean {
  return trimLeftSpace(s).startsWith('#');
}

/** Splits keeping each line's "\n" (BuildKit's scanLines). */
function scanLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) break;
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function parse(text: string): ParseResult {
  const st: State = { escape: '\\', continuation: /$^/, directivesDone: false, seen: new Set() };
  setEscape(st, '\\');
  const lines = scanLines(text);
  let idx = 0;
  const scan = (): string | undefined => lines[idx++];
  let currentLine = 0;
  const children: Node[] = [];
  const warnings: string[] = [];
  let comments: string[] = [];
  let directiveLine = 0;

  const processLine = (token: string, stripLeft: boolean): [string, boolean] => {
    token = trimNewline(token);
    if (stripLeft) token = trimLeftSpace(token);
    directiveLine++;
    const ok = possibleDirective(st, token, directiveLine);
    return [isComment(token) ? '' : token, ok];
  };

  for (let raw = scan(); raw !== undefined; raw = scan()) {
    if (currentLine === 0 && raw.startsWith('\uFEFF')) raw = raw.slice(1);
    if (isComment(raw)) {
      const comment = raw.slice(1).trim();
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    let [bytes, directiveOk] = processLine(raw, true);
    if (directiveOk) comments.pop();
    currentLine++;
    const startLine = currentLine;
    let [chunk, isEnd] = trimContinuation(st, bytes);
    if (isEnd && chunk === '') continue;
    let line = chunk;
    let hasEmptyContinuation = false;
    while (!isEnd) {
      const next = scan();
      if (next === undefined) break;
      [bytes] = processLine(next, false);
      currentLine++;
      if (isComment(next)) continue;
      if (trimLeftSpace(trimNewline(bytes)).length === 0) {
        hasEmptyContinuation = true;
        continue;
      }
      [chunk, isEnd] = trimContinuation(st, bytes);
      line += chunk;
    }
    if (hasEmptyContinuation) warnings.push('Empty continuation line found in: ' + line);

    let child: Node;
    try {
      child = newNodeFromLine(line, st, comments);
    } catch (err) {
      if (err instanceof ParseFailure) throw new ParseFailure(err.message, startLine);
      throw err;
    }

    if (canContainHeredoc(child) && line.includes('<<')) {
      const found = heredocsFromLine(line, startLine);
      const heredocs: Heredoc[] = [];
      for (const h of found) {
        let terminated = false;
        let content = '';
        for (let l = scan(); l !== undefined; l = scan()) {
          currentLine++;
          let possible = trimNewline(l);
          if (h.chomp) possible = possible.replace(/^\t+/, '');
          if (possible === h.name) {
            terminated = true;
            break;
          }
          content += l;
        }
        if (!terminated) throw new ParseFailure('unterminated heredoc', startLine);
        heredocs.push({ ...h, content });
      }
      child = { ...child, heredocs };
    }
    children.push({ ...child, startLine, endLine: currentLine });
    comments = [];
  }

  if (children.length === 0) throw new ParseFailure('file with no instructions', currentLine);

  const directives: Directives = {
    escape: st.escape,
    ...(st.syntax !== undefined ? { syntax: st.syntax } : {}),
    ...(st.check !== undefined ? { check: st.check } : {}),
  };
  return { children, escapeToken: st.escape, directives, warnings };
}

function trimContinuation(st: State, line: string): [string, boolean] {
  if (st.continuation.test(line)) return [line.replace(st.continuation, '$1'), false];
  return [line, true];
}

function canContainHeredoc(node: Node): boolean {
  let n = node;
  if (n.value.toLowerCase() === 'onbuild' && n.onbuild !== undefined) n = n.onbuild;
  if (!heredocInstructions.has(n.value.toLowerCase())) return false;
  return n.attributes.json !== true;
}

type HeredocHead = Omit<Heredoc, 'content'>;

function heredocsFromLine(line: string, lineNo: number): HeredocHead[] {
  let words: string[];
  try {
    words = lexWord(line, new Map(), { escape: '\\', rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    words = [];
  }
  const docs: HeredocHead[] = [];
  for (const word of words) {
    const h = parseHeredoc(word, lineNo);
    if (h !== undefined) docs.push(h);
  }
  return docs;
}

/** BuildKit's ParseHeredoc: the heredoc a word like `<<-"EOF"` opens, if any. */
export function parseHeredoc(src: string, lineNo = 0): HeredocHead | undefined {
  const m = reHeredoc.exec(src);
  if (m === null) return undefined;
  const fd = m[1] === '' ? 0 : Number.parseInt(m[1] as string, 10);
  const chomp = m[2] === '-';
  const rest = m[3] as string;
  if (rest.length === 0) return undefined;
  let words: string[];
  let raw: string[];
  try {
    words = lexWord(rest, new Map(), { escape: '\\', skipUnsetEnv: true }).words;
    if (words.length !== 1) return undefined;
    raw = lexWord(rest, new Map(), { escape: '\\', skipUnsetEnv: true, rawQuotes: true }).words;
  } catch (err) {
    throw new ParseFailure(err instanceof Error ? err.message : String(err), lineNo);
  }
  const word = words[0] as string;
  const count = (s: string) => (s.match(/['"]/g) ?? []).length;
  return { name: word, fileDescriptor: fd, expand: count(word) === count(raw[0] ?? ''), chomp };
}

function newNodeFromLine(line: string, st: State, comments: readonly string[]): Node {
  const { cmd, flags, args } = splitCommand(line, st);
  const parsed = dispatch(cmd.toLowerCase(), args, st);
  return {
    value: cmd,
    original: line,
    flags,
    next: parsed.next,
    ...(parsed.onbuild !== undefined ? { onbuild: parsed.onbuild } : {}),
    heredocs: [],
    attributes: parsed.json ? { json: true } : {},
    startLine: 0,
    endLine: 0,
    prevComment: [...comments],
  };
}

function dispatch(cmd: string, rest: string, st: State): Args {
  switch (cmd) {
    case 'add': case 'copy': case 'volume':
      return parseMaybeJSONToList(rest);
    case 'arg':
      return { next: parseWords(rest, st) };
    case 'cmd': case 'entrypoint': case 'run': case 'shell':
      return parseMaybeJSON(rest);
    case 'env':
      return parseNameVal(rest, 'ENV', st);
    case 'label':
      return parseNameVal(rest, 'LABEL', st);
    case 'expose': case 'from':
      return parseWhitespaceDelimited(rest);
    case 'healthcheck':
      return parseHealthConfig(rest);
    case 'maintainer': case 'stopsignal': case 'user': case 'workdir':
      return { next: rest === '' ? [] : [rest] };
    case 'onbuild':
      if (rest === '') return { next: [] };
      return { next: [], onbuild: newNodeFromLine(rest, st, []) };
    default:
      // Unknown instructions are kept (with one empty argument, as BuildKit
      // does); the instruction layer rejects them with their line number.
      return { next: [''] };
  }
}
