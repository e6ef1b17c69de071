// Detach keys as docker reads them (`--detach-keys`, `detachKeys=`): parsing
// `ctrl-p,ctrl-q` into bytes, and a scanner that passes typed input through
// while holding back what may be the start of the sequence.

export const defaultDetachKeys = 'ctrl-p,ctrl-q';

/** docker's term.ToBytes: `ctrl-p,ctrl-q`, `a,ctrl-@`…; undefined for a sequence docker refuses. */
export function detachKeyBytes(keys: string): Buffer | undefined {
  const out: number[] = [];
  for (const raw of keys.split(',')) {
    const key = raw.trim();
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    const c = m?.[1];
    if (c !== undefined) {
      const lower = c.toLowerCase();
      if (lower >= 'a' && lower <= 'z') {
        out.push(lower.charCodeAt(0) - 96);
        continue;
      }
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };
      const code = special[c];
      if (code !== undefined) {
        out.push(code);
        continue;
      }
    }
    return undefined;
  }
  return Buffer.from(out);
}

/**
 * Passes input through, holding back bytes that may start the detach sequence;
 * `feed` returns what to forward and whether the full sequence was typed.
 */
export class DetachScanner {
  readonly #keys: Buffer;
  #held: number[] = [];

  constructor(keys: Buffer) {
    this.#keys = keys;
  }

  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.#keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.#keys[this.#held.length]) {
        this.#held.push(b);
        if (this.#held.length === this.#keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // Not the sequence after all: the held bytes were input.
      out.push(...this.#held);
      this.#held = [];
      if (b === this.#keys[0]) this.#held.push(b);
      else out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

