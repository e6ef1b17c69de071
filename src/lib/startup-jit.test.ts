// holdOptimizer() in a child Node with --trace-opt: nothing is optimized while held, a hot function is
// once released, and a command line that chose V8's tiers is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('./startup-jit.ts', import.meta.url));
const script = `
import { holdOptimizer } from ${JSON.stringify(module)};
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
const release = holdOptimizer();
for (let k = 0; k < 5; k++) hot(1e6);
console.log('RELEASED');
release();
for (let k = 0; k < 5; k++) hot(1e6);
await new Promise((r) => setTimeout(r, 100));
`;

function run(flags: string[]): string {
  const r = spawnSync(process.execPath, [...flags, '--trace-opt', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('holdOptimizer() keeps TurboFan off until released, then a hot function is optimized', () => {
  const [held, released] = run([]).split('RELEASED');
  assert.doesNotMatch(held!, /JSFunction hot .*TURBOFAN/);
  assert.match(released!, /completed (optimizing|compiling) .*JSFunction hot /);
});

test('holdOptimizer() leaves V8 as a command line with --no-opt set it', () => {
  const out = run(['--no-opt']);
  assert.doesNotMatch(out, /JSFunction hot .*TURBOFAN/);
});
