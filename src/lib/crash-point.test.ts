// crashPoint(): SIGKILLs the process at the point BERTH_CRASH_AT names, and
// does nothing for any other point or when the variable is unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('./crash-point.ts', import.meta.url));

function runWith(env: Record<string, string>): { signal: NodeJS.Signals | null; stdout: string } {
  const script = `import { crashPoint } from ${JSON.stringify(module)}; crashPoint('a.b'); console.log('after a.b'); crashPoint('c.d'); console.log('after c.d');`;
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base['BERTH_CRASH_AT'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...base, ...env, BERTH_LOG_LEVEL: 'error' }, encoding: 'utf8' });
  return { signal: r.signal, stdout: r.stdout };
}

test('crashPoint() does nothing unless BERTH_CRASH_AT names the point', () => {
  assert.deepEqual(runWith({}), { signal: null, stdout: 'after a.b\nafter c.d\n' });
  assert.deepEqual(runWith({ BERTH_CRASH_AT: 'x.y' }), { signal: null, stdout: 'after a.b\nafter c.d\n' });
});

test('crashPoint() SIGKILLs the process at the named point', () => {
  assert.deepEqual(runWith({ BERTH_CRASH_AT: 'c.d' }), { signal: 'SIGKILL', stdout: 'after a.b\n' });
});
