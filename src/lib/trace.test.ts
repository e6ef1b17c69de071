// Unit tests of the debug-only span timings (lib/trace.ts): off, they hand back
// the wrapped call's own promise; on (BERTH_TRACE=<file>), one JSON line per span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { span, spanSync, tracing } from './trace.ts';

test('with BERTH_TRACE unset, span() returns the call\'s own promise and spanSync() its value', () => {
  assert.equal(tracing, process.env['BERTH_TRACE'] !== undefined && process.env['BERTH_TRACE'] !== '' && process.env['BERTH_TRACE'] !== '0');
  if (tracing) return;
  const p = Promise.resolve(7);
  assert.equal(span('x', undefined, () => p), p);
  assert.equal(spanSync('y', undefined, () => 8), 8);
});

test('with BERTH_TRACE=<file>, each span is one JSON line with its name, start, length, outcome and attributes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-trace-'));
  try {
    const file = join(dir, 'trace.jsonl');
    const script = `
      import { span, spanSync } from ${JSON.stringify(new URL('./trace.ts', import.meta.url).href)};
      await span('slow', { container: 'abc' }, () => new Promise((r) => setTimeout(r, 30)));
      await span('fails', undefined, () => Promise.reject(new Error('no'))).catch(() => undefined);
      spanSync('sync', undefined, () => 1);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, BERTH_TRACE: file }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { span: string; ms: number; ok: boolean; start: number; container?: string });
    assert.deepEqual(lines.map((l) => [l.span, l.ok]), [['slow', true], ['fails', false], ['sync', true]]);
    assert.ok(lines[0]!.ms >= 25, `slow took ${lines[0]!.ms} ms`);
    assert.equal(lines[0]!.container, 'abc');
    assert.ok(Math.abs(lines[0]!.start - Date.now()) < 60_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
