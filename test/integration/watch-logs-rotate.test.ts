// Issue 3, Clean-up: container logs rotate by size (`--log-opt max-size`,
// `max-file`; berth's default 10m × 3) and `logs` reads across rotated files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

async function logFiles(name: string): Promise<string[]> {
  const r = await d().berth(['inspect', '--format', '{{.LogPath}}', name]);
  const path = r.stdout.trim();
  return (await readdir(dirname(path))).filter((f) => f.startsWith(basename(path))).sort();
}

test('a chatty container\'s log rotates at max-size, keeps max-file files, and logs reads across them', { timeout: 90_000 }, async () => {
  // ~60 bytes a line on disk, 400 lines a burst: each burst passes max-size=4k several times over time.
  const script = 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i; if [ $((i % 100)) -eq 0 ]; then sleep 0.3; fi; done; sleep 30';
  const run = await d().berth(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=4k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', script]);
  assert.equal(run.code, 0, run.stderr);
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await d().berth(['logs', '--tail', '1', 'chatty']);
      if (r.stdout === 'line-3000\n') break;
      assert.ok(Date.now() < deadline, `the container did not finish writing: ${r.stdout}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    // Rotation is checked once a second: give it a tick after the last write.
    await new Promise((res) => setTimeout(res, 1500));
    const files = await logFiles('chatty');
    assert.ok(files.length >= 2 && files.length <= 3, `files: ${files.join(' ')}`);
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
    assert.equal((await logFiles('quiet')).length, 1);
    assert.equal((await d().berth(['logs', 'quiet'])).stdout, 'hi\n');
  } finally {
    await d().berth(['rm', '-f', 'quiet']);
  }
});
