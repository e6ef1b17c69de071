import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogMaxFile, defaultLogMaxSize, logLimits, readRotatedLogs, rotatedLogFiles, validateLogConfig } from './log-rotation.ts';

test('logLimits defaults to berth\'s cap and reads docker\'s max-size and max-file', () => {
  assert.deepEqual(logLimits(undefined), { maxSize: defaultLogMaxSize, maxFile: defaultLogMaxFile });
  assert.deepEqual(logLimits({ type: 'json-file', config: { 'max-size': '4k', 'max-file': '2' } }), { maxSize: 4096, maxFile: 2 });
  assert.deepEqual(logLimits({ type: 'json-file', config: { 'max-size': '1.5m' } }), { maxSize: 1572864, maxFile: defaultLogMaxFile });
  assert.equal(logLimits({ type: 'json-file', config: { 'max-size': '-1' } }).maxSize, 0);
  assert.throws(() => logLimits({ type: 'json-file', config: { 'max-size': 'lots' } }));
  assert.throws(() => logLimits({ type: 'json-file', config: { 'max-file': '0' } }));
});

const rec = (n: number) => `2024-01-01T00:00:0${n % 10}.000000000Z stdout F line-${n}\n`;

test('readRotatedLogs reads the rotated files oldest first, then the live one, and tails across them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const path = join(dir, 'c-json.log');
    await writeFile(`${path}.2`, rec(1) + rec(2));
    await writeFile(`${path}.1`, rec(3) + rec(4));
    await writeFile(path, rec(5));
    await writeFile(join(dir, 'c-json.log.tmp'), 'ignored');
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.2`, `${path}.1`]);
    const read = async (tail?: number) => {
      const out: string[] = [];
      for await (const l of readRotatedLogs(path, tail !== undefined ? { tail } : {})) out.push(l.data.toString().trim());
      return out;
    };
    assert.deepEqual(await read(), ['line-1', 'line-2', 'line-3', 'line-4', 'line-5']);
    assert.deepEqual(await read(3), ['line-3', 'line-4', 'line-5']);
    assert.deepEqual(await read(1), ['line-5']);
    assert.deepEqual(await read(0), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validateLogConfig refuses an unknown log opt with docker\'s message', () => {
  assert.throws(() => validateLogConfig({ type: 'json-file', config: { 'max-sise': '1m' } }), /unknown log opt 'max-sise' for json-file log driver/);
  assert.doesNotThrow(() => validateLogConfig({ type: 'json-file', config: { 'max-size': '1m', tag: 'x' } }));
  assert.doesNotThrow(() => validateLogConfig(undefined));
});
