// cli-kit: reads a context's .dockerignore into the exclusion tests build-context.ts
// uses, with Docker's pattern rules (core/dockerignore.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerignoreMatcher } from '../core/dockerignore.ts';

export interface ContextFilter {
  /** Whether a context-relative path is excluded. */
  exclude(rel: string): boolean;
  /** Whether a whole excluded directory can be skipped (no `!` exception reaches inside). */
  skipDir(rel: string): boolean;
}

/** The filter for `dir`, or undefined when it has no .dockerignore. */
export async function loadDockerignore(dir: string): Promise<ContextFilter | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, '.dockerignore'), 'utf8');
  } catch {
    return undefined;
  }
  const m = dockerignoreMatcher(text);
  if (m.empty) return undefined;
  return { exclude: (rel) => m.matches(rel), skipDir: (rel) => m.canSkipDir(rel) };
}
