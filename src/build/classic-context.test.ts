import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readContextDockerfile, removeIgnoredBuildFiles } from './classic-context.ts';
import { hostFs } from './context-fs.ts';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync('/tmp/berth-classic-ctx-');
  for (const [n, data] of Object.entries(files)) {
    mkdirSync(join(d, n, '..'), { recursive: true });
    writeFileSync(join(d, n), data);
  }
  return d;
}

test('removeIgnoredBuildFiles removes only .dockerignore and the Dockerfile, when matched', async () => {
  const d = dir({ Dockerfile: 'FROM x\n', '.dockerignore': 'secret.txt\nDockerfile\n.dockerignore\n', 'secret.txt': 's', 'a.txt': 'a' });
  await removeIgnoredBuildFiles(hostFs, d, 'Dockerfile');
  assert.deepEqual(readdirSync(d).sort(), ['a.txt', 'secret.txt']);
  const nested = dir({ 'sub/Df': 'FROM x\n', '.dockerignore': 'sub\n' });
  await removeIgnoredBuildFiles(hostFs, nested, 'sub/Df');
  assert.deepEqual(readdirSync(join(nested, 'sub')), []);
  assert.deepEqual(readdirSync(nested).sort(), ['.dockerignore', 'sub']);
  rmSync(d, { recursive: true });
  rmSync(nested, { recursive: true });
});

test('readContextDockerfile falls back to dockerfile only for the default name, with dockerd\'s errors', async () => {
  const d = dir({ dockerfile: 'FROM x\n', empty: '' });
  assert.deepEqual(await readContextDockerfile(hostFs, d, ''), { text: 'FROM x\n', path: 'dockerfile' });
  await assert.rejects(readContextDockerfile(hostFs, d, 'nope'), { message: 'Cannot locate specified Dockerfile: nope' });
  await assert.rejects(readContextDockerfile(hostFs, d, '../x'), { message: 'forbidden path outside the build context: ../x ()' });
  await assert.rejects(readContextDockerfile(hostFs, d, 'empty'), { message: 'the Dockerfile (empty) cannot be empty' });
  rmSync(d, { recursive: true });
});
