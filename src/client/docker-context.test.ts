import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextName, resolveHost } from './docker-context.ts';

function withConfig(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'berth-docker-config-'));
  try {
    const meta = join(dir, 'contexts', 'meta', createHash('sha256').update('lab').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'lab', Metadata: {}, Endpoints: { docker: { Host: 'unix:///run/lab.sock', SkipTLSVerify: false } } }));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the context is chosen as the docker CLI chooses it', () => {
  withConfig((dir) => {
    const env = { DOCKER_CONFIG: dir };
    assert.equal(contextName({}, env), 'default');
    assert.equal(contextName({ context: 'lab' }, env), 'lab');
    assert.equal(contextName({}, { ...env, DOCKER_CONTEXT: 'lab' }), 'lab');
    assert.equal(contextName({}, { ...env, DOCKER_CONTEXT: 'lab', DOCKER_HOST: 'unix:///h' }), 'default');
    assert.equal(contextName({ host: 'unix:///h' }, { ...env, DOCKER_CONTEXT: 'lab' }), 'default');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'lab' }));
    assert.equal(contextName({}, env), 'lab');
    assert.throws(() => contextName({ host: 'unix:///h', context: 'lab' }, env), /conflicting options: cannot specify both --host and --context/);
  });
});

test('a context resolves to its docker endpoint; default leaves the choice to -H and DOCKER_HOST', () => {
  withConfig((dir) => {
    const env = { DOCKER_CONFIG: dir };
    assert.equal(resolveHost({ context: 'lab' }, env), 'unix:///run/lab.sock');
    assert.equal(resolveHost({ host: 'unix:///h' }, env), 'unix:///h');
    assert.equal(resolveHost({}, env), undefined);
    assert.throws(() => resolveHost({ context: 'nope' }, env), /context "nope": context not found/);
  });
});
