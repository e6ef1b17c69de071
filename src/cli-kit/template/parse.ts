// cli-kit/template: the parser of Go's text/template, after text/template/parse: actions,
// pipelines with declarations (`$x :=`, `$x =`, `$i, $v :=`), commands, operands with
// field chains (`(index .M "k").IP`), if/else if/with/else with/range/else,
// break/continue, define/template/block, and Go's parse-error texts.
import { lex, type Token, type TokenType } from './lex.ts';

export type Operand =
  | { readonly kind: 'field'; readonly pos: number; readonly path: readonly string[] }
  | { readonly kind: 'var'; readonly pos: number; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: 'dot' | 'nil'; readonly pos: number }
  | { readonly kind: 'string'; readonly pos: number; readonly text: string; readonly value: string }
  | { readonly kind: 'number'; readonly pos: number; readonly text: string; readonly value: number; readonly isInt: boolean }
  | { readonly kind: 'bool'; readonly pos: number; readonly value: boolean }
  | { readonly kind: 'ident'; readonly pos: number; readonly name: string }
  | { readonly kind: 'pipe'; readonly pos: number; readonly pipe: Pipeline }
  | { readonly kind: 'chain'; readonly pos: number; readonly node: Operand; readonly path: readonly string[] };

export interface Command { readonly pos: number; readonly args: readonly Operand[] }

export interface Pipeline {
  readonly pos: number;
  readonly line: number;
  readonly isAssign: boolean;
  readonly decl: readonly string[];
  readonly cmds: readonly Command[];
}

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pos: number; readonly pipe: Pipeline }
  | { readonly kind: 'if' | 'with' | 'range'; readonly pos: number; readonly pipe: Pipeline; readonly list: readonly Node[]; readonly elseList: readonly Node[] }
  | { readonly kind: 'break' | 'continue'; readonly pos: number }
  | { readonly kind: 'template'; readonly pos: number; readonly name: string; readonly pipe?: Pipeline };

/** A template error in Go's wording: `template: :1: unexpected "}" in operand`. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Line number (1-based) of a byte offset, for Go-style messages. */
export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

/** Go's node.String(): how an error message quotes an operand. */
export function operandText(op: Operand): string {
  switch (op.kind) {
    case 'field': return op.path.map((p) => `.${p}`).join('');
    case 'var': return [op.name, ...op.path].join('.');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'string': case 'number': return op.text;
    case 'bool': return String(op.value);
    case 'ident': return op.name;
    case 'pipe': return pipelineText(op.pipe);
    case 'chain': {
      const base = op.node.kind === 'pipe' ? `(${operandText(op.node)})` : operandText(op.node);
      return base + op.path.map((p) => `.${p}`).join('');
    }
  }
}

export function pipelineText(p: Pipeline): string {
  const decl = p.decl.length > 0 ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map((c) => c.args.map((a) => (a.kind === 'pipe' ? `(${operandText(a)})` : operandText(a))).join(' ')).join(' | ');
}

const itemText = (t: Token): string => {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.text;
  if (['if', 'else', 'end', 'range', 'with', 'template', 'define', 'block', 'break', 'continue', 'dot', 'nil'].includes(t.type)) return `<${t.text}>`;
  // Go: %.10q... for long items
  if ([...t.text].length > 10) return `${JSON.stringify([...t.text].slice(0, 10).join(''))}...`;
  return JSON.stringify(t.text);
};

type Stop = { readonly kind: 'end' | 'else'; readonly pos: number };

export interface Parsed { readonly root: readonly Node[]; readonly defines: ReadonlyMap<string, readonly Node[]> }

class Parser {
  #i = 0;
  #last: Token;
  #vars: string[] = ['$'];
  #rangeDepth = 0;
  #actionLine = 0;
  readonly defines = new Map<string, readonly Node[]>();
  constructor(readonly toks: readonly Token[], readonly hasFunction: (name: string) => boolean) {
    this.#last = toks[0] as Token;
  }

  #error(msg: string): never {
    throw new TemplateError(`template: :${this.#last.line}: ${msg}`);
  }
  #unexpected(t: Token, context: string): never {
    if (t.type === 'error') {
      let extra = '';
      if (this.#actionLine !== 0 && this.#actionLine !== t.line) {
        extra = ` in action started at :${this.#actionLine}`;
        if (t.text.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.#error(`${t.text}${extra}`);
    }
    this.#error(`unexpected ${itemText(t)} in ${context}`);
  }
  #next(): Token {
    const t = this.toks[this.#i] ?? (this.toks[this.toks.length - 1] as Token);
    if (this.#i < this.toks.length) this.#i++;
    this.#last = t;
    return t;
  }
  #backup(n = 1): void { this.#i -= n; }
  #peek(): Token { return this.toks[this.#i] ?? (this.toks[this.toks.length - 1] as Token); }
  #nextNonSpace(): Token { let t = this.#next(); while (t.type === 'space') t = this.#next(); return t; }
  #peekNonSpace(): Token { const t = this.#nextNonSpace(); this.#backup(); return t; }
  #expect(type: TokenType, context: string): Token {
    const t = this.#nextNonSpace();
    if (t.type !== type) this.#unexpected(t, context);
    return t;
  }

  parse(): Node[] {
    const root: Node[] = [];
    while (this.#peek().type !== 'eof') {
      if (this.#peek().type === 'left') {
        const save = this.#i;
        this.#next();
        if (this.#nextNonSpace().type === 'define') { this.#define(); continue; }
        this.#i = save;
      }
      const n = this.#textOrAction();
      if ('stop' in n) this.#error(`unexpected {{${n.stop.kind}}}`);
      root.push(n.node);
    }
    return root;
  }

  #define(): void {
    const nameTok = this.#nextNonSpace();
    const name = this.#templateName(nameTok, 'define clause');
    this.#expect('right', 'define clause');
    const saveVars = this.#vars;
    this.#vars = ['$'];
    const { list, stop } = this.#itemList();
    if (stop.kind !== 'end') this.#error(`unexpected {{${stop.kind}}} in define clause`);
    this.#vars = saveVars;
    this.defines.set(name, list);
  }

  #templateName(t: Token, context: string): string {
    if (t.type === 'string' || t.type === 'raw') return unquote(t, (m) => this.#error(m));
    this.#unexpected(t, context);
  }

  #textOrAction(): { node: Node } | { stop: Stop } {
    const t = this.#nextNonSpace();
    if (t.type === 'text') return { node: { kind: 'text', text: t.text } };
    if (t.type === 'left') {
      this.#actionLine = t.line;
      try { return this.#action(); } finally { this.#actionLine = 0; }
    }
    this.#unexpected(t, 'input');
  }

  #itemList(): { list: Node[]; stop: Stop } {
    const list: Node[] = [];
    while (this.#peekNonSpace().type !== 'eof') {
      const n = this.#textOrAction();
      if ('stop' in n) return { list, stop: n.stop };
      list.push(n.node);
    }
    this.#error('unexpected EOF');
  }

  #action(): { node: Node } | { stop: Stop } {
    const t = this.#nextNonSpace();
    switch (t.type) {
      case 'block': return { node: this.#block(t) };
      case 'break': case 'continue': {
        const r = this.#nextNonSpace();
        if (r.type !== 'right') this.#unexpected(r, `{{${t.type}}}`);
        if (this.#rangeDepth === 0) this.#error(`{{${t.type}}} outside {{range}}`);
        return { node: { kind: t.type, pos: t.pos } };
      }
      case 'else': {
        const p = this.#peekNonSpace();
        if (p.type === 'if' || p.type === 'with') return { stop: { kind: 'else', pos: p.pos } };
        return { stop: { kind: 'else', pos: this.#expect('right', 'else').pos } };
      }
      case 'end': return { stop: { kind: 'end', pos: this.#expect('right', 'end').pos } };
      case 'if': case 'range': case 'with': return { node: this.#control(t.type) };
      case 'template': {
        const nameTok = this.#nextNonSpace();
        const name = this.#templateName(nameTok, 'template clause');
        if (this.#nextNonSpace().type === 'right') return { node: { kind: 'template', pos: nameTok.pos, name } };
        this.#backup();
        return { node: { kind: 'template', pos: nameTok.pos, name, pipe: this.#pipeline('template clause', 'right') } };
      }
      default: {
        this.#backup();
        const p = this.#peek();
        return { node: { kind: 'action', pos: p.pos, pipe: this.#pipeline('command', 'right') } };
      }
    }
  }

  #block(t: Token): Node {
    const nameTok = this.#nextNonSpace();
    const name = this.#templateName(nameTok, 'block clause');
    const pipe = this.#pipeline('block clause', 'right');
    const saveVars = this.#vars;
    this.#vars = ['$'];
    const { list, stop } = this.#itemList();
    if (stop.kind !== 'end') this.#error(`unexpected {{${stop.kind}}} in block clause`);
    this.#vars = saveVars;
    this.defines.set(name, list);
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  #control(context: 'if' | 'range' | 'with'): Node {
    const depth = this.#vars.length;
    try {
      const pipe = this.#pipeline(context, 'right');
      if (context === 'range') this.#rangeDepth++;
      const body = this.#itemList();
      if (context === 'range') this.#rangeDepth--;
      let elseList: Node[] = [];
      if (body.stop.kind === 'else') {
        const p = this.#peek();
        if ((context === 'if' && p.type === 'if') || (context === 'with' && p.type === 'with')) {
          this.#nextNonSpace();
          elseList = [this.#control(context)];
        } else {
          const e = this.#itemList();
          if (e.stop.kind !== 'end') this.#error(`expected end; found {{${e.stop.kind}}}`);
          elseList = e.list;
        }
      }
      return { kind: context, pos: pipe.pos, pipe, list: body.list, elseList };
    } finally {
      this.#vars.length = depth;
    }
  }

  #pipeline(context: string, end: TokenType): Pipeline {
    const first = this.#peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    for (;;) {
      const v = this.#peekNonSpace();
      if (v.type !== 'var') break;
      this.#nextNonSpace();
      const afterVar = this.#peek();
      const next = this.#peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        isAssign = next.type === 'assign';
        this.#nextNonSpace();
        decl.push(v.text);
        this.#vars.push(v.text);
        break;
      }
      if (next.type === 'char' && next.text === ',') {
        this.#nextNonSpace();
        decl.push(v.text);
        this.#vars.push(v.text);
        if (context === 'range' && decl.length < 2) {
          const p = this.#peekNonSpace().type;
          if (p === 'var' || p === 'right' || p === 'rparen') continue;
          this.#error('range can only initialize variables');
        }
        this.#error(`too many declarations in ${context}`);
      }
      this.#backup(afterVar.type === 'space' ? 2 : 1);
      break;
    }
    const cmds: Command[] = [];
    for (;;) {
      const t = this.#nextNonSpace();
      if (t.type === end) {
        if (cmds.length === 0) this.#error(`missing value for ${context}`);
        cmds.slice(1).forEach((c, i) => {
          const k = c.args[0]?.kind;
          if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') this.#error(`non executable command in pipeline stage ${i + 2}`);
        });
        return { pos: first.pos, line: first.line, isAssign, decl, cmds };
      }
      if (['bool', 'charconst', 'dot', 'field', 'ident', 'number', 'nil', 'raw', 'string', 'var', 'lparen'].includes(t.type)) {
        this.#backup();
        cmds.push(this.#command());
        continue;
      }
      this.#unexpected(t, context);
    }
  }

  #command(): Command {
    const pos = this.#peekNonSpace().pos;
    const args: Operand[] = [];
    for (;;) {
      this.#peekNonSpace();
      const op = this.#operand();
      if (op) args.push(op);
      const t = this.#next();
      if (t.type === 'space') continue;
      if (t.type === 'right' || t.type === 'rparen') this.#backup();
      else if (t.type !== 'pipe') this.#unexpected(t, 'operand');
      break;
    }
    if (args.length === 0) this.#error('empty command');
    return { pos, args };
  }

  #operand(): Operand | undefined {
    const node = this.#term();
    if (!node || this.#peek().type !== 'field') return node;
    const pos = this.#peek().pos;
    const path: string[] = [];
    while (this.#peek().type === 'field') path.push(this.#next().text.slice(1));
    switch (node.kind) {
      case 'field': return { kind: 'field', pos, path: [...node.path, ...path] };
      case 'var': return { kind: 'var', pos, name: node.name, path: [...node.path, ...path] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        this.#error(`unexpected . after term ${JSON.stringify(operandText(node))}`);
      default: return { kind: 'chain', pos, node, path };
    }
  }

  #term(): Operand | undefined {
    const t = this.#nextNonSpace();
    switch (t.type) {
      case 'ident':
        if (!this.hasFunction(t.text)) this.#error(`function ${JSON.stringify(t.text)} not defined`);
        return { kind: 'ident', pos: t.pos, name: t.text };
      case 'dot': return { kind: 'dot', pos: t.pos };
      case 'nil': return { kind: 'nil', pos: t.pos };
      case 'var': {
        const name = t.text;
        if (!this.#vars.includes(name)) this.#error(`undefined variable ${JSON.stringify(name)}`);
        return { kind: 'var', pos: t.pos, name, path: [] };
      }
      case 'field': return { kind: 'field', pos: t.pos, path: [t.text.slice(1)] };
      case 'bool': return { kind: 'bool', pos: t.pos, value: t.text === 'true' };
      case 'number': case 'charconst': return numberOf(t, (m) => this.#error(m));
      case 'lparen': return { kind: 'pipe', pos: t.pos, pipe: this.#pipeline('parenthesized pipeline', 'rparen') };
      case 'string': case 'raw': return { kind: 'string', pos: t.pos, text: t.text, value: unquote(t, (m) => this.#error(m)) };
      default: this.#backup(); return undefined;
    }
  }
}

function unquote(t: Token, fail: (m: string) => never): string {
  if (t.type === 'raw') return t.text.slice(1, -1).replace(/\r/g, '');
  try {
    return JSON.parse(t.text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\([abfv'])/g, (_m, c: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" })[c] ?? c)) as string;
  } catch {
    return fail('invalid syntax');
  }
}

function numberOf(t: Token, fail: (m: string) => never): Operand {
  const text = t.text;
  if (t.type === 'charconst') {
    const inner = text.slice(1, -1);
    const s = inner.startsWith('\\') ? (JSON.parse(`"${inner === "\\'" ? "'" : inner}"`) as string) : inner;
    const cp = s.codePointAt(0);
    if (cp === undefined || [...s].length !== 1) fail(`malformed character constant: ${text}`);
    return { kind: 'number', pos: t.pos, text, value: cp, isInt: true };
  }
  const clean = text.replace(/_/g, '');
  if (clean.endsWith('i')) fail(`complex constants are not supported: ${text}`);
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  let value: number;
  let isInt = true;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[oO]?[0-7]+$/.test(body)) value = parseInt(body.replace(/^0[oO]?/, ''), 8);
  else if (/^0[bB][01]+$/.test(body)) value = parseInt(body.slice(2), 2);
  else if (/^[0-9]+$/.test(body)) value = Number(body);
  else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) { value = Number(body); isInt = Number.isInteger(value) && !/[.eE]/.test(body) ; }
  else fail(`illegal number syntax: ${JSON.stringify(text)}`);
  return { kind: 'number', pos: t.pos, text, value: neg ? -value : value, isInt };
}

/** Parses a template; throws TemplateError with Go's wording. */
export function parseTemplate(src: string, hasFunction: (name: string) => boolean): Parsed {
  const p = new Parser(lex(src), hasFunction);
  const root = p.parse();
  return { root, defines: p.defines };
}
