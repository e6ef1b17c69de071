// The tail of a log read from its end gives what a full read gives, cut to its
// last N lines: checked on random logs of interleaved streams, partial
// records, records across chunk boundaries and several files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readLogFiles } from './k8s-log.ts';
import { maxLinePiece } from './k8s-log-parse.ts';
import type { LogLine, ReadLogsOptions } from './types.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-k8stail-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(paths: string[], options: ReadLogsOptions = {}): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of readLogFiles(paths, options)) out.push(l);
  return out;
}
const shown = (lines: LogLine[]) => lines.map((l) => `${l.stream}|${l.time}|${l.data.toString()}`);

const record = fc.record({
  stream: fc.constantFrom('stdout', 'stderr'),
  partial: fc.boolean(),
  // Mostly short, sometimes long enough to cross a 64 KiB chunk in a few records.
  size: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 9000, max: 30000 })),
});

test('a tail read from the end equals the last N lines of a full read, across files and chunks', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(record, { minLength: 0, maxLength: 60 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), async (records, nFiles, n, window) => {
      const text = records.map((r, i) => {
        const time = `2024-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000000Z`;
        return `${time} ${r.stream} ${r.partial ? 'P' : 'F'} ${String.fromCharCode(97 + (i % 26)).repeat(r.size)}\n`;
      });
      const paths: string[] = [];
      const per = Math.ceil(text.length / nFiles);
      run++;
      for (let f = 0; f < nFiles; f++) {
        const p = join(dir, `r${run}-${f}.log`);
        await writeFile(p, text.slice(f * per, (f + 1) * per).join(''));
        paths.push(p);
      }
      const t0 = Date.parse('2024-01-01T00:00:00Z') / 1000;
      const options: ReadLogsOptions = window ? { since: t0 + 10.5, until: t0 + 40.5 } : {};
      const all = await read(paths, options);
      const tail = await read(paths, { ...options, tail: n });
      assert.deepEqual(shown(tail), shown(all.slice(-n)));
    }),
    { numRuns: 150 },
  );
});

test('a line written without newlines comes out in pieces of 16 KiB, and tail counts the pieces', async () => {
  const p = join(dir, 'long.log');
  const part = 'y'.repeat(8000);
  const lines = Array.from({ length: 10 }, () => `2024-01-01T00:00:01Z stdout P ${part}\n`).join('') + '2024-01-01T00:00:02Z stdout F end\n';
  await writeFile(p, lines);
  const all = await read([p]);
  assert.ok(all.every((l) => l.data.length <= maxLinePiece + 8001), 'no piece grows past 16 KiB and a record');
  assert.equal(Buffer.concat(all.map((l) => l.data)).toString(), part.repeat(10) + 'end\n');
  assert.deepEqual(shown(await read([p], { tail: 2 })), shown(all.slice(-2)));
});
