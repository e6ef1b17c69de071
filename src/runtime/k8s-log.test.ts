// Unit tests for the k8s-file log reader: partial lines, tail, since/until, follow, rotation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseK8sLine, readLogs, timeToSeconds } from './k8s-log.ts';
import type { LogLine, ReadLogsOptions } from './types.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-k8slog-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = [
  '2024-01-01T00:00:01.000000001+00:00 stdout F one',
  '2024-01-01T00:00:02.500000000+00:00 stdout P par',
  '2024-01-01T00:00:02.600000000+00:00 stderr F err line',
  '2024-01-01T00:00:02.700000000+00:00 stdout P ti',
  '2024-01-01T00:00:02.800000000+00:00 stdout F al',
  '2024-01-01T00:00:03.000000000+00:00 stdout F ',
  '2024-01-01T00:00:04.000000000Z stdout F four with  spaces',
  '',
].join('\n');

async function read(path: string, options: ReadLogsOptions = {}): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of readLogs(path, options)) out.push(l);
  return out;
}
const text = (lines: LogLine[]) => lines.map((l) => `${l.stream}:${l.data.toString()}`);

test('parseK8sLine splits time, stream, tag and content', () => {
  const r = parseK8sLine(Buffer.from('2024-01-01T00:00:01.5Z stderr P  x y'));
  assert.deepEqual({ ...r, content: r?.content.toString() }, { time: '2024-01-01T00:00:01.5Z', stream: 'stderr', partial: true, content: ' x y' });
  assert.equal(parseK8sLine(Buffer.from('garbage')), undefined);
});

test('timeToSeconds keeps nanosecond precision as a fraction', () => {
  assert.equal(timeToSeconds('1970-01-01T00:00:01.5Z'), 1.5);
  assert.equal(timeToSeconds('1970-01-01T01:00:00+01:00'), 0);
  assert.ok(Number.isNaN(timeToSeconds('yesterday')));
});

test('readLogs joins partial records with the following full one and restores newlines', async () => {
  const p = join(dir, 'a.log');
  await writeFile(p, sample);
  // The other stream's record ends the piece so far: lines come out where they end, never overlapping.
  assert.deepEqual(text(await read(p)), ['stdout:one\n', 'stdout:par', 'stderr:err line\n', 'stdout:tial\n', 'stdout:\n', 'stdout:four with  spaces\n']);
  const joined = (await read(p))[3];
  assert.equal(joined?.time, '2024-01-01T00:00:02.700000000+00:00');
});

test('readLogs emits a trailing partial record without a newline', async () => {
  const p = join(dir, 'b.log');
  await writeFile(p, '2024-01-01T00:00:01Z stdout F hi\n2024-01-01T00:00:02Z stdout P no newline\n');
  assert.deepEqual(text(await read(p)), ['stdout:hi\n', 'stdout:no newline']);
});

test('readLogs tail keeps the last N lines, 0 none, negative all', async () => {
  const p = join(dir, 'a.log');
  await writeFile(p, sample);
  assert.deepEqual(text(await read(p, { tail: 2 })), ['stdout:\n', 'stdout:four with  spaces\n']);
  assert.deepEqual(await read(p, { tail: 0 }), []);
  assert.equal((await read(p, { tail: -1 })).length, 6);
});

test('readLogs since and until filter by the record time', async () => {
  const p = join(dir, 'a.log');
  await writeFile(p, sample);
  const t0 = timeToSeconds('2024-01-01T00:00:00Z');
  assert.deepEqual(text(await read(p, { since: t0 + 2.55 })), ['stderr:err line\n', 'stdout:tial\n', 'stdout:\n', 'stdout:four with  spaces\n']);
  assert.deepEqual(text(await read(p, { until: t0 + 2.6 })), ['stdout:one\n', 'stdout:par', 'stderr:err line\n']);
  assert.deepEqual(text(await read(p, { since: t0 + 2, until: t0 + 3 })), ['stdout:par', 'stderr:err line\n', 'stdout:tial\n', 'stdout:\n']);
  // A tail counts the lines within since/until (the order of filters berth always had).
  assert.deepEqual(text(await read(p, { since: t0 + 2, until: t0 + 3, tail: 2 })), ['stdout:tial\n', 'stdout:\n']);
});

test('readLogs of a missing file yields nothing', async () => {
  assert.deepEqual(await read(join(dir, 'missing.log')), []);
});

test('readLogs follow yields new lines as they are written and stops when stopWhen resolves', async () => {
  const p = join(dir, 'f.log');
  await writeFile(p, '2024-01-01T00:00:01Z stdout F old\n');
  let stop!: () => void;
  const stopWhen = new Promise<void>((r) => (stop = r));
  const seen: string[] = [];
  const done = (async () => {
    for await (const l of readLogs(p, { follow: true, tail: 0, stopWhen })) seen.push(l.data.toString());
  })();
  await new Promise((r) => setTimeout(r, 100));
  await appendFile(p, '2024-01-01T00:00:02Z stdout P new');
  await new Promise((r) => setTimeout(r, 100));
  await appendFile(p, ' \n2024-01-01T00:00:02Z stdout F line\n2024-01-01T00:00:03Z stderr F last\n');
  stop();
  await done;
  assert.deepEqual(seen, ['new line\n', 'last\n']);
});

test('readLogs follow ends when the signal aborts', async () => {
  const p = join(dir, 'g.log');
  await writeFile(p, '2024-01-01T00:00:01Z stdout F x\n');
  const ac = new AbortController();
  const seen: string[] = [];
  setTimeout(() => ac.abort(), 150);
  const t = Date.now();
  for await (const l of readLogs(p, { follow: true, signal: ac.signal })) seen.push(l.data.toString());
  assert.deepEqual(seen, ['x\n']);
  assert.ok(Date.now() - t < 2000);
});

test('readLogs follow starts over when conmon replaces the file', async () => {
  const p = join(dir, 'h.log');
  await writeFile(p, '2024-01-01T00:00:01Z stdout F first\n2024-01-01T00:00:01Z stdout F second\n');
  let stop!: () => void;
  const stopWhen = new Promise<void>((r) => (stop = r));
  const seen: string[] = [];
  const done = (async () => {
    for await (const l of readLogs(p, { follow: true, stopWhen })) seen.push(l.data.toString());
  })();
  await new Promise((r) => setTimeout(r, 100));
  const tmp = `${p}.tmp`;
  await writeFile(tmp, '2024-01-01T00:00:05Z stdout F after rotation\n');
  const { rename } = await import('node:fs/promises');
  await rename(tmp, p);
  await new Promise((r) => setTimeout(r, 400));
  stop();
  await done;
  assert.deepEqual(seen, ['first\n', 'second\n', 'after rotation\n']);
});
