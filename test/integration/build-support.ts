// Build contexts for the build tests: temp directories written from a map of
// file names (with subdirectories) to contents, removed together when the
// test file ends, and a count of the steps the classic builder took from cache.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Contexts {
  /** A new context directory holding `files`. */
  context(files: Record<string, string>): string;
  /** Removes every directory context() made. */
  removeAll(): void;
}

export function contexts(prefix: string): Contexts {
  const dirs: string[] = [];
  return {
    context(files) {
      const dir = mkdtempSync(prefix);
      dirs.push(dir);
      for (const [name, data] of Object.entries(files)) {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), data);
      }
      return dir;
    },
    removeAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many steps the classic builder's output reports as ` ---> Using cache`. */
export function usingCacheCount(out: string): number {
  return out.split('\n').filter((l) => l === ' ---> Using cache').length;
}
