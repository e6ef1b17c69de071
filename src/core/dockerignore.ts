// `.dockerignore` with Docker's rules (moby/patternmatcher): one pattern a
// line, `#` comments, paths cleaned and made relative, `*` and `?` within one
// path component, `**` across any number, `!` re-includes, and the LAST
// matching pattern wins. A path is excluded when a pattern matches it or any
// of its parent directories.
import { invalidArgument } from './errors.ts';

/** Go's path.Clean for slash-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/**
 * Reads a .dockerignore file into patterns the way Docker does: comments and
 * blank lines dropped, each pattern trimmed and cleaned, a leading `/` removed,
 * `!` kept in front of exceptions.
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  let first = true;
  for (let line of text.split(/\r?\n/)) {
    if (first && line.startsWith('\uFEFF')) line = line.slice(1);
    first = false;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? '!' + pattern : pattern);
  }
  return out;
}

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

interface Pattern {
  readonly cleaned: string;
  readonly exclusion: boolean;
  readonly matchType: MatchType;
  readonly regexp?: RegExp;
  readonly dirs: readonly string[];
}

const regexpSpecial = '.+()|{}$';

function compilePattern(raw: string): Pattern {
  // Docker cleans before looking at '!', and not again after it.
  let p = cleanPath(raw.trim());
  let exclusion = false;
  if (p.startsWith('!')) {
    if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
    exclusion = true;
    p = p.slice(1);
  }
  if (!validGlob(p)) throw invalidArgument(`syntax error in pattern: ${JSON.stringify(raw)}`);
  const chars = Array.from(p);
  let re = '^';
  let matchType: MatchType = 'exact';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        const atStart = i === 0;
        i++;
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          // "**" at the end matches everything below, like .gitignore.
          if (matchType === 'exact') matchType = 'prefix';
          else {
            re += '.*';
            matchType = 'regexp';
          }
        } else {
          re += '(.*/)?';
          matchType = 'regexp';
        }
        if (atStart) matchType = 'suffix';
      } else {
        re += '[^/]*';
        matchType = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      matchType = 'regexp';
    } else if (regexpSpecial.includes(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next !== undefined) {
        re += '\\' + next;
        i++;
        matchType = 'regexp';
      } else {
        re += '\\\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      matchType = 'regexp';
    } else {
      re += ch;
    }
  }
  let regexp: RegExp | undefined;
  if (matchType === 'regexp') {
    try {
      regexp = new RegExp(re + '$');
    } catch {
      throw invalidArgument(`syntax error in pattern: ${JSON.stringify(raw)}`);
    }
  }
  return { cleaned: p, exclusion, matchType, ...(regexp ? { regexp } : {}), dirs: p.split('/') };
}

/** The syntax check Docker gets from filepath.Match: closed `[...]`, no trailing `\\`. */
function validGlob(p: string): boolean {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      if (i + 1 >= p.length) return false;
      i++;
    } else if (ch === '[' && !inClass) {
      inClass = true;
      if (p[i + 1] === '^') i++;
    } else if (ch === ']' && inClass) {
      inClass = false;
    }
  }
  return !inClass;
}

function matchPattern(pat: Pattern, path: string): boolean {
  switch (pat.matchType) {
    case 'exact':
      return path === pat.cleaned;
    case 'prefix':
      return path.startsWith(pat.cleaned.slice(0, -2));
    case 'suffix': {
      const suffix = pat.cleaned.slice(2);
      if (path.endsWith(suffix)) return true;
      return suffix.startsWith('/') && path === suffix.slice(1);
    }
    case 'regexp':
      return (pat.regexp as RegExp).test(path);
  }
}

/** Docker's pattern matcher over context-relative, slash-separated paths. */
export class DockerignoreMatcher {
  readonly #patterns: Pattern[];
  readonly #hasExclusions: boolean;

  /** Throws InvalidArgument for a malformed pattern (`illegal exclusion pattern: "!"`). */
  constructor(patterns: readonly string[]) {
    this.#patterns = patterns.filter((p) => p.trim() !== '').map(compilePattern);
    this.#hasExclusions = this.#patterns.some((p) => p.exclusion);
  }

  /** True when there are no patterns at all. */
  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  /** Whether `path` (e.g. `src/app.js`) is excluded from the context. */
  matches(path: string): boolean {
    const file = cleanPath(path.replace(/^\/+/, ''));
    const slash = file.lastIndexOf('/');
    const parent = slash < 0 ? '.' : file.slice(0, slash);
    const parentDirs = parent.split('/');
    let matched = false;
    for (const pat of this.#patterns) {
      // An include that already matched, or an exception to nothing, changes nothing.
      if (pat.exclusion !== matched) continue;
      let match = matchPattern(pat, file);
      if (!match && parent !== '.') {
        for (let i = 0; i < parentDirs.length && !match; i++) {
          match = matchPattern(pat, parentDirs.slice(0, i + 1).join('/'));
        }
      }
      if (match) matched = !pat.exclusion;
    }
    return matched;
  }

  // Whether a directory is pruned while walking the context (its contents are
  // never sent): it is matched, and no `!` pattern starts with `dir/`. This is
  // Docker's own shortcut (archive.TarWithOptions, fsutil): with the lines
  // `tmp` and `!**/*.keep`, tmp/a.keep is NOT sent, exactly as `docker build`.
  canSkipDir(dir: string): boolean {
    if (!this.matches(dir)) return false;
    if (!this.#hasExclusions) return true;
    const dirSlash = cleanPath(dir.replace(/^\/+/, '')) + '/';
    return !this.#patterns.some((p) => p.exclusion && (p.cleaned + '/').startsWith(dirSlash));
  }

  /**
   * Whether a context path is left out of the build context, as Docker's
   * walker decides it: an ancestor directory was pruned (canSkipDir), or the
   * path itself matches. For a directory, true means its own entry is not
   * sent (its children may still be, unless it was pruned).
   */
  excludes(path: string): boolean {
    const clean = cleanPath(path.replace(/^\/+/, ''));
    if (clean === '.') return false;
    const parts = clean.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (this.canSkipDir(parts.slice(0, i).join('/'))) return true;
    }
    return this.matches(clean);
  }
}

/** Convenience: the matcher for the text of a .dockerignore file. */
export function dockerignoreMatcher(text: string): DockerignoreMatcher {
  return new DockerignoreMatcher(parseDockerignore(text));
}
