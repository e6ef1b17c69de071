// cli/template: parses the subset of Go's text/template that docker's --format
// uses into a tree: text, actions with pipelines, if/else, range (with $k, $v),
// with, variables, literals, parenthesised pipelines and `{{-`/`-}}` trimming.

export type Operand =
  | { readonly kind: 'field'; readonly pos: number; readonly text: string; readonly path: readonly string[] }
  | { readonly kind: 'dot'; readonly pos: number; readonly text: string }
  | { readonly kind: 'var'; readonly pos: number; readonly text: string; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: 'string'; readonly pos: number; readonly text: string; readonly value: string }
  | { readonly kind: 'number'; readonly pos: number; readonly text: string; readonly value: number }
  | { readonly kind: 'bool'; readonly pos: number; readonly text: string; readonly value: boolean }
  | { readonly kind: 'nil'; readonly pos: number; readonly text: string }
  | { readonly kind: 'ident'; readonly pos: number; readonly text: string; readonly name: string }
  | { readonly kind: 'pipe'; readonly pos: number; readonly text: string; readonly pipe: Pipeline };

export interface Command {
  readonly pos: number;
  readonly args: readonly Operand[];
}

export interface Pipeline {
  readonly pos: number;
  readonly decl: readonly string[];
  readonly cmds: readonly Command[];
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pos: number; readonly pipe: Pipeline }
  | { readonly kind: 'if' | 'with'; readonly pos: number; readonly pipe: Pipeline; readonly list: readonly Node[]; readonly elseList: readonly Node[] }
  | { readonly kind: 'range'; readonly pos: number; readonly pipe: Pipeline; readonly list: readonly Node[]; readonly elseList: readonly Node[] };

/** A template error in Go's wording: `template: :1: unexpected "}" in operand`. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

interface Token { readonly type: string; readonly text: string; readonly pos: number }

/** Line number (1-based) of a byte offset, for Go-style messages. */
export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

function lexAction(src: string, start: number, end: number): Token[] {
  const out: Token[] = [];
  let i = start;
  const err = (msg: string) => new TemplateError(`template: :${lineOf(src, i)}: ${msg}`);
  while (i < end) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const pos = i;
    if (c === '|' || c === '(' || c === ')' || c === ',') { out.push({ type: c, text: c, pos }); i++; continue; }
    if (c === ':' && src[i + 1] === '=') { out.push({ type: ':=', text: ':=', pos }); i += 2; continue; }
    if (c === '=') { out.push({ type: '=', text: '=', pos }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < end && src[j] !== '"') { if (src[j] === '\\') j++; j++; }
      if (j >= end) throw err('unterminated quoted string');
      const text = src.slice(i, j + 1);
      out.push({ type: 'string', text, pos });
      i = j + 1; continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0 || j >= end) throw err('unterminated raw quoted string');
      out.push({ type: 'raw', text: src.slice(i, j + 1), pos });
      i = j + 1; continue;
    }
    const m = /^(?:\$[A-Za-z0-9_]*|\.)?(?:[A-Za-z0-9_]+)?(?:\.[A-Za-z0-9_]+)*/.exec(src.slice(i, end));
    let word = m?.[0] ?? '';
    if (word === '') throw err(`unexpected "${c}" in command`);
    // `range.Config.Env`: an identifier directly followed by a field chain is two tokens
    const dot = word.indexOf('.');
    if (/^[A-Za-z_]/.test(word) && dot > 0) word = word.slice(0, dot);
    out.push({ type: 'word', text: word, pos });
    i += word.length;
  }
  return out;
}

function operandOf(tok: Token): Operand {
  const { text, pos } = tok;
  if (tok.type === 'string') return { kind: 'string', pos, text, value: JSON.parse(text) as string };
  if (tok.type === 'raw') return { kind: 'string', pos, text, value: text.slice(1, -1) };
  if (text === '.') return { kind: 'dot', pos, text };
  if (text.startsWith('.')) return { kind: 'field', pos, text, path: text.slice(1).split('.') };
  if (text.startsWith('$')) {
    const [name, ...path] = text.split('.');
    return { kind: 'var', pos, text, name: name as string, path };
  }
  if (text === 'true' || text === 'false') return { kind: 'bool', pos, text, value: text === 'true' };
  if (text === 'nil') return { kind: 'nil', pos, text };
  if (/^-?[0-9]/.test(text)) return { kind: 'number', pos, text, value: Number(text) };
  return { kind: 'ident', pos, text, name: text };
}

class ActionParser {
  #i = 0;
  constructor(readonly src: string, readonly toks: readonly Token[], readonly endPos: number) {}

  #err(msg: string): TemplateError {
    return new TemplateError(`template: :${lineOf(this.src, this.endPos)}: ${msg}`);
  }

  pipeline(context: string): Pipeline {
    const decl: string[] = [];
    const first = this.toks[this.#i];
    const pos = first?.pos ?? this.endPos;
    // `$x :=` or `$k, $v :=`
    const save = this.#i;
    const vars: string[] = [];
    while (this.toks[this.#i]?.text.startsWith('$') && !this.toks[this.#i]?.text.includes('.')) {
      vars.push((this.toks[this.#i] as Token).text);
      this.#i++;
      if (this.toks[this.#i]?.type === ',') { this.#i++; continue; }
      break;
    }
    if (vars.length > 0 && (this.toks[this.#i]?.type === ':=' || this.toks[this.#i]?.type === '=')) {
      this.#i++;
      decl.push(...vars);
    } else {
      this.#i = save;
    }
    const cmds: Command[] = [];
    for (;;) {
      const args: Operand[] = [];
      const cpos = this.toks[this.#i]?.pos ?? this.endPos;
      while (this.#i < this.toks.length) {
        const t = this.toks[this.#i] as Token;
        if (t.type === '|' || t.type === ')') break;
        if (t.type === '(') {
          this.#i++;
          const inner = this.pipeline('parenthesized pipeline');
          if (this.toks[this.#i]?.type !== ')') throw this.#err('unclosed left paren');
          this.#i++;
          args.push({ kind: 'pipe', pos: t.pos, text: '(…)', pipe: inner });
          continue;
        }
        if (t.type !== 'word' && t.type !== 'string' && t.type !== 'raw') throw this.#err(`unexpected "${t.text}" in operand`);
        args.push(operandOf(t));
        this.#i++;
      }
      if (args.length === 0) throw this.#err(`missing value for ${context}`);
      cmds.push({ pos: cpos, args });
      if (this.toks[this.#i]?.type === '|') { this.#i++; continue; }
      break;
    }
    return { pos, decl, cmds };
  }

  done(): boolean { return this.#i >= this.toks.length; }
  peek(): Token | undefined { return this.toks[this.#i]; }
}

interface RawAction { readonly start: number; readonly end: number; readonly keyword: string }

/** Parses a template into its node list; throws TemplateError with Go's wording. */
export function parseTemplate(src: string): Node[] {
  // Split into text and actions first, applying trim markers.
  const items: ({ kind: 'text'; text: string } | { kind: 'act'; start: number; end: number })[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) { if (text) items.push({ kind: 'text', text }); break; }
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) { text = text.replace(/\s+$/, ''); start += 2; }
    if (text) items.push({ kind: 'text', text });
    // a comment {{/* … */}}
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError(`template: :${lineOf(src, open)}: unclosed action`);
    let end = close;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) { end = close - 2; trimNext = true; }
    items.push({ kind: 'act', start, end });
    i = close + 2;
  }

  let k = 0;
  const parseList = (stopAt: readonly string[]): { nodes: Node[]; stop: string; elseNode?: Node } => {
    const nodes: Node[] = [];
    while (k < items.length) {
      const it = items[k++] as (typeof items)[number];
      if (it.kind === 'text') { nodes.push({ kind: 'text', text: it.text }); continue; }
      const body = src.slice(it.start, it.end);
      if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) continue;
      const toks = lexAction(src, it.start, it.end);
      const first = toks[0];
      if (!first) throw new TemplateError(`template: :${lineOf(src, it.start)}: missing value for command`);
      const raw: RawAction = { start: it.start, end: it.end, keyword: first.text };
      if (raw.keyword === 'end' || raw.keyword === 'else') {
        if (!stopAt.includes(raw.keyword)) throw new TemplateError(`template: :${lineOf(src, it.start)}: unexpected {{${raw.keyword}}}`);
        if (raw.keyword === 'else' && toks.length > 1) {
          // `{{else if …}}`: treat as else { if … end } sharing this end.
          const p = new ActionParser(src, toks.slice(2), it.end);
          const kw = toks[1]?.text;
          if (kw !== 'if' && kw !== 'with') throw new TemplateError(`template: :${lineOf(src, it.start)}: unexpected ${kw ?? ''} in else`);
          const pipe = p.pipeline(kw);
          const inner = parseList(['else', 'end']);
          let elseList: Node[] = [];
          if (inner.stop === 'else') elseList = parseList(['end']).nodes;
          else if (inner.stop === 'elseif' && inner.elseNode) elseList = [inner.elseNode];
          return { nodes, stop: 'elseif', elseNode: { kind: kw, pos: first.pos, pipe, list: inner.nodes, elseList } };
        }
        return { nodes, stop: raw.keyword };
      }
      if (raw.keyword === 'if' || raw.keyword === 'range' || raw.keyword === 'with') {
        const p = new ActionParser(src, toks.slice(1), it.end);
        const pipe = p.pipeline(raw.keyword);
        const body1 = parseList(['else', 'end']);
        let elseList: Node[] = [];
        if (body1.stop === 'else') elseList = parseList(['end']).nodes;
        else if (body1.stop === 'elseif' && body1.elseNode) elseList = [body1.elseNode];
        else if (body1.stop !== 'end') throw new TemplateError(`template: :${lineOf(src, src.length)}: unexpected EOF`);
        nodes.push({ kind: raw.keyword, pos: first.pos, pipe, list: body1.nodes, elseList });
        continue;
      }
      const p = new ActionParser(src, toks, it.end);
      const pipe = p.pipeline('command');
      if (!p.done()) throw new TemplateError(`template: :${lineOf(src, it.start)}: unexpected "${p.peek()?.text}" in command`);
      nodes.push({ kind: 'action', pos: first.pos, pipe });
    }
    return { nodes, stop: 'eof' };
  };
  const top = parseList([]);
  if (top.stop !== 'eof') throw new TemplateError(`template: :1: unexpected {{${top.stop}}}`);
  return top.nodes;
}

function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') { i++; while (i < src.length && src[i] !== '"') { if (src[i] === '\\') i++; i++; } i++; continue; }
    if (c === '`') { const j = src.indexOf('`', i + 1); if (j < 0) return -1; i = j + 1; continue; }
    if (c === '}' && src[i + 1] === '}') return i;
    i++;
  }
  return -1;
}
