// Issue 3, Clean-up: container logs rotate by size (`--log-opt max-size`,
// `max-file`; berth's default 10m × 3) and `logs` reads across rotated files.
// conmon caps each file at half of max-size and berth keeps 2 × max-file − 2
// of them (issue 13): the bound is on bytes, max-size × max-file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

async function logFiles(name: string): Promise<string[]> {
  const r = await d().berth(['inspect', '--format', '{{.LogPath}}', name]);
  const path = r.stdout.trim();
  return (await readdir(dirname(path))).filter((f) => f.startsWith(basename(path))).sort().map((f) => `${dirname(path)}/${f}`);
}

/** Bytes of the log files, each inode once (`<log>.0` is a second name of the live file). */
async function logBytes(files: string[]): Promise<number> {
  const sizes = new Map<number, number>();
  for (const f of files) {
    const st = await stat(f);
    sizes.set(st.ino, st.size);
  }
  return [...sizes.values()].reduce((a, b) => a + b, 0);
}

test('a chatty container\'s log rotates by size, keeps max-size × max-file bytes, and logs reads across the files', { timeout: 90_000 }, async () => {
  // ~56 bytes a line on disk, 100 lines a burst: 170 KB in all against a cap of 3 × 40 KiB. A burst
  // fills less than one of conmon's 20 KiB files, so berth keeps every replaced file and the history
  // has no gap (a file filled faster than berth sees it replaced is lost; the cap holds regardless).
  const script = 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i; if [ $((i % 100)) -eq 0 ]; then sleep 0.3; fi; done; sleep 30';
  const run = await d().berth(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=40k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', script]);
  assert.equal(run.code, 0, run.stderr);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await d().berth(['logs', '--tail', '1', 'chatty']);
      if (r.stdout === 'line-3000\n') break;
      assert.ok(Date.now() < deadline, `the container did not finish writing: ${r.stdout}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    const files = await logFiles('chatty');
    const bytes = await logBytes(files);
    assert.ok(files.length >= 3 && bytes <= 3 * 40960 && bytes >= 2 * 40960 - 200, `${bytes} bytes in ${files.join(' ')}`);
    const all = (await d().berth(['logs', 'chatty'])).stdout.trim().split('\n');
    // The oldest lines are gone; what is left is contiguous and ends at the last line.
    assert.ok(all.length < 3000, `${all.length} lines kept`);
    const first = Number(all[0]!.slice('line-'.length));
    assert.deepEqual(all, Array.from({ length: 3000 - first + 1 }, (_, i) => `line-${first + i}`));
    // --tail counts across the rotated files too.
    const tail = (await d().berth(['logs', '--tail', String(all.length - 5), 'chatty'])).stdout.trim().split('\n');
    assert.deepEqual(tail, all.slice(5));
  } finally {
    await d().berth(['rm', '-f', 'chatty']);
  }
});

test('a container without --log-opt gets berth\'s default cap and keeps a single file while small', { timeout: 60_000 }, async () => {
  const run = await d().berth(['run', '-d', '--name', 'quiet', 'busybox', 'sh', '-c', 'echo hi; sleep 30']);
  assert.equal(run.code, 0, run.stderr);
  try {
    await new Promise((res) => setTimeout(res, 1500));
    // The live file, and its second name kept for when conmon replaces it.
    const files = await logFiles('quiet');
    assert.equal(files.length, 2, files.join(' '));
    assert.equal((await stat(files[0]!)).ino, (await stat(files[1]!)).ino);
    assert.equal((await d().berth(['logs', 'quiet'])).stdout, 'hi\n');
  } finally {
    await d().berth(['rm', '-f', 'quiet']);
  }
});
