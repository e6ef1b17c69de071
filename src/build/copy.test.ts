import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostFs } from './context-fs.ts';
import { cleanSource, hashSources, resolveSources } from './copy.ts';

describe('COPY sources', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-copy-'));
  mkdirSync(join(root, 'src/sub'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'a');
  writeFileSync(join(root, 'b.txt'), 'b');
  writeFileSync(join(root, 'c.md'), 'c');
  writeFileSync(join(root, 'src/sub/x.txt'), 'x');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('cleanSource() refuses paths that climb out of the context', () => {
    assert.equal(cleanSource('./a/../b/', 'COPY'), 'b');
    assert.equal(cleanSource('/', 'COPY'), '.');
    assert.equal(cleanSource('../../etc/passwd', 'COPY'), 'etc/passwd');
  });

  it('resolveSources() expands wildcards per path component, sorted', async () => {
    assert.deepEqual((await resolveSources(hostFs, root, ['*.txt'], 'COPY')).map((s) => s.rel), ['a.txt', 'b.txt']);
    assert.deepEqual((await resolveSources(hostFs, root, ['src/*/x.*'], 'COPY')).map((s) => s.rel), ['src/sub/x.txt']);
    assert.deepEqual((await resolveSources(hostFs, root, ['[ab].txt', 'c.md'], 'COPY')).map((s) => s.rel), ['a.txt', 'b.txt', 'c.md']);
  });

  it('resolveSources() names a missing file as docker does', async () => {
    await assert.rejects(resolveSources(hostFs, root, ['nope.txt'], 'COPY'), /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope\.txt: file does not exist/);
    await assert.rejects(resolveSources(hostFs, root, ['*.none'], 'COPY'), /COPY failed: no source files were specified/);
  });

  it('hashSources() ignores mtimes but not content', async () => {
    const before = await hashSources(await resolveSources(hostFs, root, ['src'], 'COPY'));
    utimesSync(join(root, 'src/sub/x.txt'), 5, 5);
    assert.equal(await hashSources(await resolveSources(hostFs, root, ['src'], 'COPY')), before);
    writeFileSync(join(root, 'src/sub/x.txt'), 'y');
    assert.notEqual(await hashSources(await resolveSources(hostFs, root, ['src'], 'COPY')), before);
  });
});
