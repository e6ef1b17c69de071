// conmonCapsLog against stand-ins for conmon: a shell script named `conmon`
// (the kernel names a script's process after the script, as /proc/<pid>/stat
// shows) started with or without --log-size-max.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conmonCapsLog, isLiveConmon } from './conmon-process.ts';

test('conmonCapsLog tells a conmon started with --log-size-max from one started without, and undefined when none runs', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-conmon-'));
  const children: ChildProcess[] = [];
  try {
    const fake = join(dir, 'conmon');
    await writeFile(fake, '#!/bin/sh\nsleep 30\n');
    await chmod(fake, 0o755);
    const start = async (args: string[]) => {
      // A group of its own, so that the script and its sleep end together.
      const child = spawn(fake, args, { stdio: 'ignore', detached: true });
      children.push(child);
      const pidFile = join(dir, `${child.pid}.pid`);
      await writeFile(pidFile, `${child.pid}\n`);
      return pidFile;
    };
    const capped = await start(['--cid', 'x', '--log-size-max', '5242880', '--log-path', '/tmp/l']);
    const uncapped = await start(['--cid', 'x', '--log-path', '/tmp/l']);
    const deadline = Date.now() + 5000;
    while (!(await isLiveConmon(children[1]!.pid!))) {
      assert.ok(Date.now() < deadline, 'the stand-in did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await conmonCapsLog(capped), true);
    assert.equal(await conmonCapsLog(uncapped), false);
    assert.equal(await conmonCapsLog(join(dir, 'missing.pid')), undefined);
    // A pid that is not a conmon (this process): none runs.
    await writeFile(join(dir, 'other.pid'), `${process.pid}\n`);
    assert.equal(await conmonCapsLog(join(dir, 'other.pid')), undefined);
  } finally {
    for (const c of children) if (c.pid) process.kill(-c.pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
