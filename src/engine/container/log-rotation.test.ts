import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conmonFileSize, defaultLogMaxFile, defaultLogMaxSize, keptRotated, logLimits, prepareLogForStart, readRotatedLogs, rotateIfReplaced, rotateUncapped, rotatedLogFiles, validateLogConfig } from './log-rotation.ts';

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

test('conmon caps files at half of max-size and berth keeps 2 × max-file − 2 of them: never more than max-size × max-file', () => {
  for (const [maxSize, maxFile] of [[10 * 1024 * 1024, 3], [4096, 1], [4097, 2], [2, 5]] as const) {
    const limits = { maxSize, maxFile };
    // The live file, the one conmon just replaced and the kept ones, each at most conmon's size.
    assert.ok((keptRotated(limits) + 2) * conmonFileSize(limits) <= maxSize * maxFile, `${maxSize} × ${maxFile}`);
  }
  assert.equal(conmonFileSize({ maxSize: 0, maxFile: 3 }), 0);
});

/** conmon's replacement of a full log: a new file renamed over the log path. */
async function conmonReplaces(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

test('rotateIfReplaced keeps the file conmon replaced as .1, shifts the others and drops the oldest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const path = join(dir, 'c-json.log');
    const limits = { maxSize: 1000, maxFile: 2 }; // keeps 2 rotated files
    await writeFile(path, rec(1));
    assert.equal(await rotateIfReplaced(path, limits), false, 'the first call only names the live file');
    assert.equal((await stat(`${path}.0`)).ino, (await stat(path)).ino);
    for (let n = 2; n <= 4; n++) {
      await conmonReplaces(path, rec(n));
      assert.equal(await rotateIfReplaced(path, limits), true);
      assert.equal(await rotateIfReplaced(path, limits), false);
    }
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.2`, `${path}.1`, `${path}.0`]);
    assert.equal(await readFile(`${path}.2`, 'utf8'), rec(2));
    assert.equal(await readFile(`${path}.1`, 'utf8'), rec(3));
    const lines: string[] = [];
    for await (const l of readRotatedLogs(path, {})) lines.push(l.data.toString().trim());
    assert.deepEqual(lines, ['line-2', 'line-3', 'line-4'], 'the live file is read once under its two names');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('prepareLogForStart moves a restarted container\'s log aside: appended to .1 while it fits, rotated otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const path = join(dir, 'c-json.log');
    const limits = { maxSize: 2 * 3 * rec(1).length, maxFile: 2 }; // conmon's file: three records
    await writeFile(path, rec(1));
    await prepareLogForStart(path, limits);
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.1`]);
    await writeFile(path, rec(2));
    await prepareLogForStart(path, limits);
    assert.equal(await readFile(`${path}.1`, 'utf8'), rec(1) + rec(2), 'appended');
    await writeFile(path, rec(3) + rec(4));
    await prepareLogForStart(path, limits);
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.2`, `${path}.1`]);
    assert.equal(await readFile(`${path}.1`, 'utf8'), rec(3) + rec(4), 'rotated: the two would not fit in one file');
    await assert.rejects(stat(path));
    // Unlimited logs stay as they are.
    await writeFile(path, rec(5));
    await prepareLogForStart(path, { maxSize: 0, maxFile: 2 });
    assert.equal(await readFile(path, 'utf8'), rec(5));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rotateUncapped (a log conmon does not cap): past max-size the live file becomes .1, the others shift, conmon reopens', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const path = join(dir, 'c-json.log');
    const limits = { maxSize: 2 * rec(1).length, maxFile: 3 }; // keeps 2 rotated files
    let reopened = 0;
    // conmon's answer to the reopen message: a fresh file at the log path.
    const reopen = async () => {
      reopened++;
      await writeFile(path, '');
    };
    await writeFile(path, rec(1) + rec(2));
    assert.equal(await rotateUncapped(path, limits, reopen), false, 'at max-size, not past it');
    await writeFile(path, rec(3), { flag: 'a' });
    assert.equal(await rotateUncapped(path, limits, reopen), true, 'past max-size');
    assert.equal(await readFile(path, 'utf8'), '');
    await writeFile(path, rec(4) + rec(5));
    assert.equal(await rotateUncapped(path, limits, reopen), false);
    await writeFile(path, rec(6), { flag: 'a' });
    assert.equal(await rotateUncapped(path, limits, reopen), true);
    assert.equal(reopened, 2);
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.2`, `${path}.1`]);
    assert.equal(await readFile(`${path}.2`, 'utf8'), rec(1) + rec(2) + rec(3));
    assert.equal(await readFile(`${path}.1`, 'utf8'), rec(4) + rec(5) + rec(6));
    // Once more: the oldest goes, max-file − 1 rotated files stay.
    await writeFile(path, rec(7) + rec(8) + rec(9));
    assert.equal(await rotateUncapped(path, limits, reopen), true);
    assert.deepEqual(await rotatedLogFiles(path), [`${path}.2`, `${path}.1`]);
    assert.equal(await readFile(`${path}.2`, 'utf8'), rec(4) + rec(5) + rec(6));
    // max-file 1: the full file is dropped after conmon reopened.
    await writeFile(path, rec(9) + rec(9) + rec(9));
    assert.equal(await rotateUncapped(path, { maxSize: limits.maxSize, maxFile: 1 }, reopen), true);
    assert.deepEqual(await rotatedLogFiles(path), []);
    // No limit: never.
    await writeFile(path, rec(1).repeat(10));
    assert.equal(await rotateUncapped(path, { maxSize: 0, maxFile: 3 }, reopen), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a read that races a rotation sees a contiguous log ending at the last line written (the rotation and the listing do not interleave)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const path = join(dir, 'c-json.log');
    const limits = { maxSize: 1_000_000, maxFile: 4 }; // keeps 6 rotated files: nothing is dropped here
    let last = 1;
    await writeFile(path, rec(1));
    await rotateIfReplaced(path, limits);
    let bad = 0;
    for (let round = 0; round < 150; round++) {
      // conmon replaces the live file; the rotator and a reader start at the same moment.
      last++;
      await conmonReplaces(path, rec(last));
      const rotation = rotateIfReplaced(path, limits);
      const lines: number[] = [];
      for await (const l of readRotatedLogs(path, {})) lines.push(Number(l.data.toString().trim().slice('line-'.length)));
      await rotation;
      const first = lines[0] ?? 0;
      const want = Array.from({ length: last - first + 1 }, (_, i) => first + i);
      if (JSON.stringify(lines) !== JSON.stringify(want)) bad++;
    }
    assert.equal(bad, 0, `${bad} of 150 reads were not contiguous up to the last line`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
