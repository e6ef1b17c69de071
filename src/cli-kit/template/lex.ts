// cli-kit/template: the lexer of Go's text/template (text, {{ }} delimiters with `-`
// trim markers, comments, and the tokens inside an action), with Go's error texts.
// It stops at the first error and leaves an 'error' token for the parser to report,
// so an earlier parse error wins over a later lexical one, as in Go.

export type TokenType =
  | 'text' | 'left' | 'right' | 'space' | 'field' | 'ident' | 'var' | 'dot' | 'bool' | 'nil'
  | 'number' | 'charconst' | 'string' | 'raw' | 'pipe' | 'lparen' | 'rparen' | 'assign' | 'declare'
  | 'char' | 'eof' | 'error'
  | 'if' | 'else' | 'end' | 'range' | 'with' | 'template' | 'define' | 'block' | 'break' | 'continue';

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly pos: number;
  readonly line: number;
}

const keywords: Readonly<Record<string, TokenType>> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else',
  end: 'end', if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

/** Go's %#U of a character: `U+007D '}'`. */
export function goRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /\p{C}/u.test(c) ? `U+${hex}` : `U+${hex} '${c}'`;
}

class Lexer {
  readonly toks: Token[] = [];
  pos = 0;
  start = 0;
  line = 1;
  startLine = 1;
  parenDepth = 0;
  failed = false;
  constructor(readonly src: string) {}

  #advance(n: number): void {
    for (let k = 0; k < n && this.pos < this.src.length; k++) if (this.src[this.pos++] === '\n') this.line++;
  }
  #ignore(): void { this.start = this.pos; this.startLine = this.line; }
  #emit(type: TokenType): void {
    this.toks.push({ type, text: this.src.slice(this.start, this.pos), pos: this.start, line: this.startLine });
    this.#ignore();
  }
  #error(msg: string): void {
    this.toks.push({ type: 'error', text: msg, pos: this.start, line: this.startLine });
    this.failed = true;
  }
  #peek(): string | undefined { return this.src[this.pos]; }
  #atRightDelim(): { delim: boolean; trim: boolean } {
    const rest = this.src.slice(this.pos);
    if (isSpace(rest[0]) && rest[1] === '-' && rest.startsWith('}}', 2)) return { delim: true, trim: true };
    return { delim: rest.startsWith('}}'), trim: false };
  }
  #atTerminator(): boolean {
    const c = this.#peek();
    if (c === undefined || isSpace(c) || '.,|:()'.includes(c)) return true;
    return this.src.startsWith('}}', this.pos);
  }
  #trimLeft(): void { while (isSpace(this.#peek())) this.#advance(1); }

  run(): Token[] {
    while (!this.failed) {
      // text up to the next action
      const open = this.src.indexOf('{{', this.pos);
      if (open < 0) {
        this.#advance(this.src.length - this.pos);
        if (this.pos > this.start) this.#emit('text');
        break;
      }
      const trim = this.src[open + 2] === '-' && isSpace(this.src[open + 3]);
      this.#advance(open - this.pos);
      let end = this.pos;
      if (trim) while (end > this.start && isSpace(this.src[end - 1])) end--;
      if (end > this.start) this.toks.push({ type: 'text', text: this.src.slice(this.start, end), pos: this.start, line: this.startLine });
      this.#ignore();
      this.#advance(2);
      const after = trim ? 2 : 0;
      if (this.src.startsWith('/*', this.pos + after)) {
        this.#advance(after);
        this.#ignore();
        this.#comment();
        continue;
      }
      this.#emit('left');
      this.#advance(after);
      this.#ignore();
      this.parenDepth = 0;
      this.#insideAction();
    }
    if (!this.failed) this.toks.push({ type: 'eof', text: '', pos: this.pos, line: this.line });
    return this.toks;
  }

  #comment(): void {
    this.#advance(2);
    const x = this.src.indexOf('*/', this.pos);
    if (x < 0) return this.#error('unclosed comment');
    this.#advance(x + 2 - this.pos);
    const { delim, trim } = this.#atRightDelim();
    if (!delim) return this.#error('comment ends before closing delimiter');
    this.#advance((trim ? 2 : 0) + 2);
    if (trim) this.#trimLeft();
    this.#ignore();
  }

  #insideAction(): void {
    while (!this.failed) {
      const { delim, trim } = this.#atRightDelim();
      if (delim) {
        if (this.parenDepth > 0) return this.#error('unclosed left paren');
        if (trim) { this.#advance(2); this.#ignore(); }
        this.#advance(2);
        this.#emit('right');
        if (trim) { this.#trimLeft(); this.#ignore(); }
        return;
      }
      const c = this.#peek();
      if (c === undefined) return this.#error('unclosed action');
      if (isSpace(c)) { this.#space(); continue; }
      if (c === '=') { this.#advance(1); this.#emit('assign'); continue; }
      if (c === ':') {
        this.#advance(1);
        if (this.#peek() !== '=') return this.#error('expected :=');
        this.#advance(1); this.#emit('declare'); continue;
      }
      if (c === '|') { this.#advance(1); this.#emit('pipe'); continue; }
      if (c === '"') { this.#quote(); continue; }
      if (c === '`') { this.#rawQuote(); continue; }
      if (c === '$') { this.#advance(1); this.#fieldOrVar('var'); continue; }
      if (c === "'") { this.#charConst(); continue; }
      if (c === '.') {
        const n = this.src[this.pos + 1];
        if (n === undefined || n < '0' || n > '9') { this.#advance(1); this.#fieldOrVar('field'); continue; }
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) { this.#number(); continue; }
      if (isAlnum(c)) { this.#identifier(); continue; }
      if (c === '(') { this.parenDepth++; this.#advance(1); this.#emit('lparen'); continue; }
      if (c === ')') {
        this.parenDepth--;
        if (this.parenDepth < 0) return this.#error('unexpected right paren');
        this.#advance(1); this.#emit('rparen'); continue;
      }
      const cp = c.codePointAt(0) ?? 0;
      const ch = String.fromCodePoint(cp);
      if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) { this.#advance(1); this.#emit('char'); continue; }
      return this.#error(`unrecognized character in action: ${goRune(ch)}`);
    }
  }

  #space(): void {
    let n = 0;
    while (isSpace(this.#peek())) { this.#advance(1); n++; }
    // a space that belongs to a ` -}}` marker is not an item of its own
    if (this.src[this.pos] === '-' && this.src.startsWith('}}', this.pos + 1)) {
      this.pos--; if (this.src[this.pos] === '\n') this.line--;
      if (n === 1) return;
    }
    this.#emit('space');
  }

  #fieldOrVar(type: 'field' | 'var'): void {
    if (this.#atTerminator()) return this.#emit(type === 'var' ? 'var' : 'dot');
    while (isAlnum(this.#peek())) this.#advance(1);
    if (!this.#atTerminator()) return this.#badChar();
    this.#emit(type);
  }

  #badChar(): void {
    const c = this.src.codePointAt(this.pos);
    this.#error(`bad character ${goRune(c === undefined ? '' : String.fromCodePoint(c))}`);
  }

  #identifier(): void {
    while (isAlnum(this.#peek())) this.#advance(1);
    if (!this.#atTerminator()) return this.#badChar();
    const word = this.src.slice(this.start, this.pos);
    const kw = keywords[word];
    if (kw) return this.#emit(kw);
    this.#emit(word === 'true' || word === 'false' ? 'bool' : 'ident');
  }

  #quote(): void {
    this.#advance(1);
    for (;;) {
      const c = this.#peek();
      if (c === '\\') { this.#advance(1); const d = this.#peek(); if (d !== undefined && d !== '\n') { this.#advance(1); continue; } }
      if (c === undefined || c === '\n' || (c === '\\')) return this.#error('unterminated quoted string');
      this.#advance(1);
      if (c === '"') break;
    }
    this.#emit('string');
  }

  #rawQuote(): void {
    const j = this.src.indexOf('`', this.pos + 1);
    if (j < 0) return this.#error('unterminated raw quoted string');
    this.#advance(j + 1 - this.pos);
    this.#emit('raw');
  }

  #charConst(): void {
    this.#advance(1);
    for (;;) {
      const c = this.#peek();
      if (c === '\\') { this.#advance(1); const d = this.#peek(); if (d !== undefined && d !== '\n') { this.#advance(1); continue; } }
      if (c === undefined || c === '\n' || c === '\\') return this.#error('unterminated character constant');
      this.#advance(1);
      if (c === "'") break;
    }
    this.#emit('charconst');
  }

  #number(): void {
    const accept = (set: string) => { const c = this.#peek(); if (c !== undefined && set.includes(c)) { this.#advance(1); return true; } return false; };
    const acceptRun = (set: string) => { while (accept(set)) { /* absorb */ } };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) { accept('+-'); acceptRun('0123456789_'); }
    if (digits.length === 23 && accept('pP')) { accept('+-'); acceptRun('0123456789_'); }
    accept('i');
    if (isAlnum(this.#peek())) {
      this.#advance(1);
      return this.#error(`bad number syntax: ${JSON.stringify(this.src.slice(this.start, this.pos))}`);
    }
    this.#emit('number');
  }
}

/** Tokenises a template; the last token is 'eof' or 'error'. */
export function lex(src: string): Token[] {
  return new Lexer(src).run();
}
