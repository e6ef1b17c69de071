// Word expansion for Dockerfile arguments: quotes, escapes and every `$var` /
// `${var...}` substitution form, with BuildKit's shell.Lex semantics (which
// is what `docker build` uses for ENV, ARG, COPY, WORKDIR… arguments).
import { invalidArgument } from '../../core/index.ts';
import { goQuote, isGoSpace } from './go-strings.ts';
import { LexError, trimPrefix, trimSuffix, patternToRegex } from './shell-patterns.ts';

/** Variable values: a Map or a plain record. */
export type ExpandEnv = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface ExpandOptions {
  /** The escape token (`# escape=`), default '\\'. */
  readonly escape?: '\\' | '`';
  /** When given, each variable name that was found in env is added (for cache keys). */
  readonly used?: Set<string>;
}

/** Lexer switches BuildKit's parser uses internally (heredoc detection). */
export interface LexMode {
  readonly escape: string;
  readonly rawQuotes?: boolean;
  readonly rawEscapes?: boolean;
  readonly skipUnsetEnv?: boolean;
}

export interface LexResult {
  readonly result: string;
  readonly words: string[];
}

const EOF = '';

const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);

class Words {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(str: string): void {
    for (const ch of str) this.addChar(ch);
  }

  addRawString(str: string): void {
    this.word += str;
    this.inWord = true;
  }

  get(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  readonly #chars: string[];
  #pos = 0;
  #rawEscapes: boolean;
  readonly #mode: LexMode;
  readonly #env: ExpandEnv;
  readonly #used: Set<string> | undefined;

  constructor(word: string, env: ExpandEnv, mode: LexMode, used: Set<string> | undefined) {
    this.#chars = Array.from(word);
    this.#mode = mode;
    this.#rawEscapes = mode.rawEscapes ?? false;
    this.#env = env;
    this.#used = used;
  }

  #peek(): string {
    return this.#chars[this.#pos] ?? EOF;
  }

  #next(): string {
    const ch = this.#chars[this.#pos];
    if (ch === undefined) return EOF;
    this.#pos++;
    return ch;
  }

  process(): LexResult {
    const [result, words] = this.#processStopOn(EOF, this.#rawEscapes);
    return { result, words };
  }

  #processStopOn(stopChar: string, rawEscapes: boolean): [string, string[]] {
    let result = '';
    const words = new Words();
    const saved = this.#rawEscapes;
    this.#rawEscapes = rawEscapes;
    try {
      while (this.#peek() !== EOF) {
        let ch = this.#peek();
        if (stopChar !== EOF && ch === stopChar) {
          this.#next();
          return [result, words.get()];
        }
        if (ch === '$') {
          const tmp = this.#processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (ch === "'" ) {
          const tmp = this.#processSingleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else if (ch === '"') {
          const tmp = this.#processDoubleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else {
          ch = this.#next();
          if (ch === this.#mode.escape) {
            if (this.#rawEscapes) {
              words.addRawChar(ch);
              result += ch;
            }
            ch = this.#next();
            if (ch === EOF) break;
            words.addRawChar(ch);
          } else {
            words.addChar(ch);
          }
          result += ch;
        }
      }
      if (stopChar !== EOF) {
        throw new LexError(`unexpected end of statement while looking for matching ${stopChar}`);
      }
      return [result, words.get()];
    } finally {
      this.#rawEscapes = saved;
    }
  }

  #processSingleQuote(): string {
    let result = '';
    let ch = this.#next();
    if (this.#mode.rawQuotes) result += ch;
    for (;;) {
      ch = this.#next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.#mode.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  #processDoubleQuote(): string {
    let result = '';
    let ch = this.#next();
    if (this.#mode.rawQuotes) result += ch;
    for (;;) {
      const p = this.#peek();
      if (p === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        ch = this.#next();
        if (this.#mode.rawQuotes) result += ch;
        return result;
      }
      if (p === '$') {
        result += this.#processDollar();
        continue;
      }
      ch = this.#next();
      if (ch === this.#mode.escape) {
        if (this.#rawEscapes) result += ch;
        const q = this.#peek();
        if (q === EOF) continue;
        if (q === '"' || q === '$' || q === this.#mode.escape) ch = this.#next();
      }
      result += ch;
    }
  }

  #processDollar(): string {
    this.#next();
    if (this.#peek() !== '{') {
      const name = this.#processName();
      if (name === '') return '$';
      const [value, found] = this.#getEnv(name);
      if (!found && this.#mode.skipUnsetEnv) return '$' + name;
      return value;
    }
    this.#next();
    const p = this.#peek();
    if (p === EOF) throw new LexError("syntax error: missing '}'");
    if (p === '{' || p === '}' || p === ':') throw new LexError('syntax error: bad substitution');
    const name = this.#processName();
    let ch = this.#next();
    let chs = ch;
    let nullIsUnset = false;
    switch (ch) {
      case '}': {
        const [value, set] = this.#getEnv(name);
        if (!set && this.#mode.skipUnsetEnv) return `\${${name}}`;
        return value;
      }
      case ':':
      case '+': case '-': case '?': case '#': case '%': {
        if (ch === ':') {
          nullIsUnset = true;
          ch = this.#next();
          chs += ch;
        }
        const rawEscapes = ch === '#' || ch === '%';
        let word: string;
        try {
          [word] = this.#processStopOn('}', rawEscapes);
        } catch (err) {
          if (this.#peek() === EOF) throw new LexError("syntax error: missing '}'");
          throw err;
        }
        const [value, set] = this.#getEnv(name);
        if (this.#mode.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`;
        switch (ch) {
          case '-':
            return !set || (nullIsUnset && value === '') ? word : value;
          case '+':
            return !set || (nullIsUnset && value === '') ? '' : word;
          case '?':
            if (!set) throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
            if (nullIsUnset && value === '') throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
            return value;
          case '%': case '#': {
            let greedy = false;
            if (word.length > 0 && word[0] === ch) {
              greedy = true;
              word = word.slice(1);
            }
            return ch === '%' ? trimSuffix(word, value, greedy) : trimPrefix(word, value, greedy);
          }
          default:
            throw new LexError(`unsupported modifier (${chs}) in substitution`);
        }
      }
      case '/': {
        const replaceAll = this.#peek() === '/';
        if (replaceAll) this.#next();
        let pattern: string;
        try {
          [pattern] = this.#processStopOn('/', true);
        } catch (err) {
          if (this.#peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
          throw err;
        }
        let replacement: string;
        try {
          [replacement] = this.#processStopOn('}', true);
        } catch (err) {
          if (this.#peek() === EOF) throw new LexError("syntax error: missing '}'");
          throw err;
        }
        const [value, set] = this.#getEnv(name);
        if (this.#mode.skipUnsetEnv && !set) return `\${${name}/${pattern}/${replacement}}`;
        const re = patternToRegex(pattern, true, false, replaceAll);
        if (replaceAll) return value.replace(re, () => replacement);
        const m = re.exec(value);
        if (m === null) return value;
        return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
      }
      default:
        throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  #processName(): string {
    let name = '';
    while (this.#peek() !== EOF) {
      let ch = this.#peek();
      if (name.length === 0 && isDigit(ch)) {
        while (this.#peek() !== EOF && isDigit(this.#peek())) {
          ch = this.#next();
          name += ch;
        }
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) return this.#next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.#next();
    }
    return name;
  }

  #getEnv(name: string): [string, boolean] {
    const env = this.#env;
    let value: string | undefined;
    if (env instanceof Map) {
      value = (env as ReadonlyMap<string, string>).get(name);
    } else if (Object.hasOwn(env, name)) {
      value = (env as Readonly<Record<string, string>>)[name];
    }
    if (value === undefined) return ['', false];
    this.#used?.add(name);
    return [value, true];
  }
}

function isSpecialParam(ch: string): boolean {
  return '@*#?-$!0'.includes(ch) && ch.length === 1;
}

/** Runs the lexer with explicit switches; throws InvalidArgument `failed to process "w": why`. */
export function lexWord(word: string, env: ExpandEnv, mode: LexMode, used?: Set<string>): LexResult {
  try {
    return new ShellWord(word, env, mode, used).process();
  } catch (err) {
    if (err instanceof LexError) throw invalidArgument(`failed to process ${goQuote(word)}: ${err.message}`);
    throw err;
  }
}

/** Expands one word (quotes removed, variables substituted) into one string. */
export function expandWord(word: string, env: ExpandEnv, options: ExpandOptions = {}): string {
  return lexWord(word, env, { escape: options.escape ?? '\\' }, options.used).result;
}

/** Expands and splits into words on unquoted whitespace (wordsTest semantics). */
export function expandWords(word: string, env: ExpandEnv, options: ExpandOptions = {}): string[] {
  return lexWord(word, env, { escape: options.escape ?? '\\' }, options.used).words;
}
