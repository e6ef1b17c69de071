// Issue 3, Clean-up: container logs rotate by size (`--log-opt max-size`,
// `max-file`; berth's default 10m × 3) and `logs` reads across rotated files.
// conmon caps each file at half of max-size and berth keeps 2 × max-file − 2
// of them (issue 13): the bound is on bytes, max-size × max-file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import Database from 'better-sqlite3';
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

/** conmon's command line for a running container. */
async function conmonArgs(name: string): Promise<string[]> {
  const id = (await d().berth(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
  const pid = (await readFile(join(d().execRoot, 'conmon', id, 'conmon.pid'), 'utf8')).trim();
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
}

test('a container started by a berthd before conmon capped logs is rotated by size until it restarts', { timeout: 120_000 }, async () => {
  // What such a berthd left: conmon running without --log-size-max for a container with a size limit.
  // Made here from a container without a limit, whose record then gets one while berthd is down.
  const run = await d().berth(['run', '-d', '--name', 'legacy', '--log-opt', 'max-size=-1', 'busybox', 'sleep', '1000']);
  assert.equal(run.code, 0, run.stderr);
  try {
    const id = run.stdout.trim();
    await d().kill('SIGKILL');
    const db = new Database(join(d().dataRoot, 'berth.db'));
    try {
      const row = db.prepare('SELECT json FROM containers WHERE id = ?').get(id) as { json: string };
      const record = JSON.parse(row.json) as { spec: { host: { logConfig: { config: Record<string, string> } } } };
      record.spec.host.logConfig.config = { 'max-size': '40k', 'max-file': '3' };
      db.prepare('UPDATE containers SET json = ? WHERE id = ?').run(JSON.stringify(record), id);
    } finally {
      db.close();
    }
    await d().restart();
    assert.ok(!(await conmonArgs('legacy')).includes('--log-size-max'), 'the stand-in runs conmon without a cap');
    // ~56 bytes a line, 100 lines a burst, 3 bursts a second: less than max-size between two of berth's size checks.
    const script = 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i; if [ $((i % 100)) -eq 0 ]; then sleep 0.3; fi; done > /proc/1/fd/1';
    const exec = await d().berth(['exec', 'legacy', 'sh', '-c', script]);
    assert.equal(exec.code, 0, exec.stderr);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await d().berth(['logs', '--tail', '1', 'legacy']);
      if (r.stdout === 'line-3000\n') break;
      assert.ok(Date.now() < deadline, `the lines did not arrive: ${r.stdout}`);
      await new Promise((res) => setTimeout(res, 300));
    }
    await new Promise((res) => setTimeout(res, 1500));
    const files = await logFiles('legacy');
    const path = files[0]!;
    // The old way: the live file and max-file − 1 rotated ones, no second name of the live file.
    assert.deepEqual(files, [path, `${path}.1`, `${path}.2`]);
    const bytes = await logBytes(files);
    assert.ok(bytes <= 3 * 40960 + 20_000, `${bytes} bytes in ${files.join(' ')}`);
    const all = (await d().berth(['logs', 'legacy'])).stdout.trim().split('\n');
    assert.ok(all.length < 3000, `${all.length} lines kept`);
    const first = Number(all[0]!.slice('line-'.length));
    assert.deepEqual(all, Array.from({ length: 3000 - first + 1 }, (_, i) => `line-${first + i}`));
    // Restarted by this berthd: conmon caps the log, and the live file gets its second name.
    assert.equal((await d().berth(['restart', '-t', '0', 'legacy'])).code, 0);
    assert.ok((await conmonArgs('legacy')).includes('--log-size-max'));
    const until = Date.now() + 10_000;
    while ((await stat(`${path}.0`).catch(() => undefined))?.ino !== (await stat(path)).ino) {
      assert.ok(Date.now() < until, `no ${path}.0 after the restart: ${(await logFiles('legacy')).join(' ')}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await d().berth(['rm', '-f', 'legacy']);
  }
});
