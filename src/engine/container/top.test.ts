import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterPsOutput } from './top.ts';

const ps = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root        4242    4240  0 10:01 ?        00:00:00 sleep 1000
root        4250    4242  0 10:01 ?        00:00:00 sh -c echo a  b
`;

test('filterPsOutput keeps only the container\'s pids and the command with its spaces', () => {
  const r = filterPsOutput(ps, [4242, 4250]);
  assert.deepEqual(r.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.deepEqual(r.processes, [
    ['root', '4242', '4240', '0', '10:01', '?', '00:00:00', 'sleep 1000'],
    ['root', '4250', '4242', '0', '10:01', '?', '00:00:00', 'sh -c echo a b'],
  ]);
});

test('filterPsOutput refuses output without a PID column', () => {
  assert.throws(() => filterPsOutput('USER COMMAND\nroot x\n', [1]), /Couldn't find PID field/);
});
