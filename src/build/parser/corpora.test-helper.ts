// Locates the shared Dockerfile corpora for the parser's compatibility tests:
// $BERTH_CORPORA, then <repo>/../shared/corpora, then /work/shared/corpora.
// Tests skip (naming every path tried) when none exists, e.g. in a CI clone.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const corporaCandidates: readonly string[] = [
  ...(process.env['BERTH_CORPORA'] ? [process.env['BERTH_CORPORA']] : []),
  path.resolve(repoRoot, '../shared/corpora'),
  '/work/shared/corpora',
];

/** The corpora directory, or undefined when none of the candidates exists. */
export const corporaDir: string | undefined = corporaCandidates.find((p) => existsSync(path.join(p, 'dockerfile')));

/** Why the corpus tests are skipped (false when they run). */
export const corporaSkip: string | false = corporaDir === undefined
  ? `Dockerfile corpora not found (tried ${corporaCandidates.join(', ')}); set BERTH_CORPORA`
  : false;

export function buildkitDir(): string {
  return path.join(corporaDir ?? '', 'dockerfile', 'buildkit');
}

export function realworldDir(): string {
  return path.join(corporaDir ?? '', 'dockerfile', 'realworld');
}
