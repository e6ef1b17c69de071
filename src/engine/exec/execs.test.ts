// Unit tests of LocalExecService's record keeping: records are bounded in
// number and age, dropped on request (health probes) and with their container.
// No process is started: only created records are involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../core/types.ts';
import { isNotFound } from '../../core/errors.ts';
import { log } from '../../lib/logger.ts';
import { LocalExecService, type ExecSpec } from './execs.ts';

const spec: ExecSpec = { cmd: ['true'], env: [], user: '', workingDir: '', tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false, detachKeys: '' };

function service(options: { maxRecords?: number; keepFinishedMs?: number } = {}): LocalExecService {
  const containers: Record<string, Container> = {
    a: { id: 'a'.repeat(64), state: { status: 'running' }, env: [], hostname: 'a', spec: { host: {} } } as unknown as Container,
    b: { id: 'b'.repeat(64), state: { status: 'running' }, env: [], hostname: 'b', spec: { host: {} } } as unknown as Container,
  };
  return new LocalExecService({
    execRoot: '/nonexistent',
    inspectContainer: async (idOrName) => {
      const c = containers[idOrName] ?? Object.values(containers).find((x) => x.id === idOrName);
      if (!c) throw new Error(`no container ${idOrName}`);
      return c;
    },
    runtimeFor: () => Promise.reject(new Error('no runtime in this test')),
    log,
    ...options,
  });
}

const known = (s: LocalExecService, id: string) => {
  try {
    s.inspect(id);
    return true;
  } catch (err) {
    assert.ok(isNotFound(err), String(err));
    return false;
  }
};

test('past maxRecords the oldest idle exec records go first', async () => {
  const s = service({ maxRecords: 3 });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await s.create('a', spec));
  assert.deepEqual(ids.map((id) => known(s, id)), [false, false, true, true, true]);
});

test('records older than keepFinishedMs go at the next create', async () => {
  const s = service({ keepFinishedMs: 20 });
  const old = await s.create('a', spec);
  await new Promise((r) => setTimeout(r, 40));
  const fresh = await s.create('a', spec);
  assert.equal(known(s, old), false);
  assert.equal(known(s, fresh), true);
});

test('discard drops one record and forgetContainer every record of a container', async () => {
  const s = service();
  const a1 = await s.create('a', spec);
  const a2 = await s.create('a', spec);
  const b1 = await s.create('b', spec);
  s.discard(a1);
  assert.deepEqual([known(s, a1), known(s, a2), known(s, b1)], [false, true, true]);
  s.forgetContainer('a'.repeat(64));
  assert.deepEqual([known(s, a2), known(s, b1)], [false, true]);
  s.discard('no-such-exec');
});
