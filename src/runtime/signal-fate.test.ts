// signal-fate.ts: what the kernel does with a signal to a container's init,
// read from /proc, and the watch that sends a stop signal again once taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { procStat, type ProcStat } from './proc-stat.ts';
import { resendWhenTaken, signalFate } from './signal-fate.ts';

const runtime = { startCode: 0x400000, startStack: 0x7ffc00001000 };
const loaded: ProcStat = { comm: 'top', state: 'S', startTime: 100, startCode: 0x55d000000000, startStack: 0x7ffd00002000 };
/** /proc/<pid>/status lines with SIGTERM (15, bit 14: 0x4000) caught, ignored or neither. */
const status = (o: { cgt?: string; ign?: string; nspid?: string }) =>
  `Name:\ttop\nState:\tS (sleeping)\nNSpid:\t${o.nspid ?? '4242\t1'}\nSigBlk:\t0000000000000000\nSigIgn:\t${o.ign ?? '0000000000000000'}\nSigCgt:\t${o.cgt ?? '0000000000000000'}\n`;

test("a namespace's init takes a signal it catches and loses one it leaves at its default", () => {
  assert.equal(signalFate(loaded, status({ cgt: '0000000003807a27' }), 15, runtime), 'taken');
  assert.equal(signalFate(loaded, status({}), 15, runtime), 'lost');
  assert.equal(signalFate(loaded, status({ ign: '0000000000004000' }), 15, runtime), 'lost', 'ignored');
  assert.equal(signalFate(loaded, status({ cgt: '0000000000004000' }), 10, runtime), 'lost', 'another signal caught, not this one');
  assert.equal(signalFate(loaded, status({}), 9, runtime), 'taken', 'SIGKILL always gets through');
});

test('a process that is not a namespace init takes a signal by its default action', () => {
  assert.equal(signalFate(loaded, status({ nspid: '4242' }), 15, runtime), 'taken', 'the host pid namespace');
  assert.equal(signalFate(loaded, status({ nspid: '4242\t7' }), 15, runtime), 'taken', 'not pid 1 of its namespace');
  assert.equal(signalFate(loaded, status({ nspid: '4242', ign: '0000000000004000' }), 15, runtime), 'lost', 'ignored');
});

test("until the container's program is loaded, a signal goes with the runtime's init", () => {
  const goHandlers = status({ cgt: 'fffffffd7fc1feff' });
  assert.equal(signalFate({ ...loaded, ...runtime }, goHandlers, 15, runtime), 'lost', "still the runtime's init");
  assert.equal(signalFate({ ...loaded, startCode: 0, startStack: 0 }, goHandlers, 15, runtime), 'lost', 'an execve under way');
  assert.equal(signalFate({ ...loaded, startCode: runtime.startCode }, goHandlers, 15, runtime), 'taken', 'the same code address, a new stack: a new program');
  assert.equal(signalFate(undefined, '', 15, runtime), 'gone');
  assert.equal(signalFate({ ...loaded, state: 'Z' }, status({}), 15, runtime), 'gone', 'a zombie');
});

test('the watch sends again once the process catches the signal, and not before', async () => {
  // A shell that ignores TERM (lost, as to a namespace init without a handler), then sets a trap for it after a while.
  const { child, init } = await ignoringShell('sleep 0.3; trap "exit 7" TERM; while :; do sleep 0.05; done');
  let sends = 0;
  const t0 = Date.now();
  await resendWhenTaken(init, 15, new AbortController().signal, async () => {
    sends++;
    child.kill('SIGTERM');
  });
  assert.equal(sends, 1);
  assert.ok(Date.now() - t0 >= 250, `sent after the trap was set (${Date.now() - t0} ms)`);
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 7, 'the trap ran');
});

test('the watch ends without sending when aborted, or when the process goes', async () => {
  const { child, init } = await ignoringShell('sleep 30');
  let sends = 0;
  const send = async () => {
    sends++;
  };
  const grace = new AbortController();
  setTimeout(() => grace.abort(), 200);
  await resendWhenTaken(init, 15, grace.signal, send);
  assert.equal(sends, 0, 'an ignored signal is never taken: the end of the grace period ends the watch');
  await resendWhenTaken({ ...init, startTime: init.startTime + 1 }, 15, new AbortController().signal, send);
  assert.equal(sends, 0, 'another start time: not this process');
  child.kill('SIGKILL');
  await once(child, 'exit');
});

/**
 * A shell that ignores SIGTERM (lost, as to a namespace init without a handler) and then runs `script`,
 * once it does; with the init the watch takes (a runtime image no process has).
 */
async function ignoringShell(script: string) {
  const child = spawn('sh', ['-c', `trap "" TERM; ${script}`]);
  const pid = child.pid!;
  for (let i = 0; i < 200; i++) {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (((BigInt(`0x${/^SigIgn:\s*(\w+)/m.exec(text)?.[1] ?? '0'}`) >> 14n) & 1n) === 1n) {
      const stat = await procStat(pid);
      assert.ok(stat);
      return { child, init: { pid, startTime: stat.startTime, runtime: { startCode: 1, startStack: 1 } } };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} did not come to ignore SIGTERM`);
}
