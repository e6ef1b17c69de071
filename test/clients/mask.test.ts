// mask() hides what legitimately differs between two engines and nothing more;
// shape() keeps keys and value types only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { differences, mask, shape } from './mask.ts';

const id = 'd306a917daf0c19661e5d6a8d808d06a8465582c0a303ecd63462a9dcfdaf15b';

test('mask() replaces ids, digests, times, sizes, durations, generated names, IPs and MACs', () => {
  assert.equal(mask(`${id} ${id.slice(0, 12)} sha256:${id}`), '<id> <id12> <digest>');
  assert.equal(mask('2026-12-06T03:48:58.123456789Z and 2026-12-06 03:48:58 +0000 UTC'), '<time> and <time>');
  assert.equal(mask('Up Less than a second, Exited (0) 2 seconds ago, About a minute ago'), 'Up <duration>, Exited (0) <duration>, <duration>');
  assert.equal(mask('took 1.25s, 12ms; 4.2MB, 1.2 kB'), 'took <duration>, <duration>; <size>, <size>');
  assert.equal(mask('practical_taussig angry_mclean2'), '<name> <name>');
  assert.equal(mask('172.17.0.2 10.201.3.0/24 02:42:ac:11:00:02'), '<ip> <ip> <mac>');
});

test('mask() keeps what must match: loopback, ports, exit codes, chosen names, the zero time', () => {
  const s = '127.0.0.1:5001->80/tcp 0.0.0.0:80 exit 3 my_web web-1 berthpr_web_1 0001-01-01T00:00:00Z v1.41 20.10.24';
  assert.equal(mask(s), s);
});

test('mask() walks JSON values: keys, strings, and the numbers of time, size and pid keys', () => {
  const v = { Id: id, Created: 1765000000, Size: 1234, Pid: 77, ExitCode: 3, Names: ['/sleepy_bohr'], Labels: { [id]: 'x' }, Ports: [{ PrivatePort: 80 }] };
  assert.deepEqual(mask(v), { Id: '<id>', Created: '<time>', Size: '<size>', Pid: '<pid>', ExitCode: 3, Names: ['/<name>'], Labels: { '<id>': 'x' }, Ports: [{ PrivatePort: 80 }] });
});

test('shape() gives keys and value types, arrays as their distinct element shapes', () => {
  assert.deepEqual(shape({ b: [1, 2, 'x'], a: { c: null, d: true } }), { a: { c: 'null', d: 'boolean' }, b: ['number', 'string'] });
});

test('differences() names each differing path with both values', () => {
  assert.deepEqual(differences({ step: { code: 0, out: 'a' } }, { step: { code: 1, out: 'a' } }, ['dockerd', 'berthd']), ['"step".code: dockerd gave 0, berthd gave 1']);
  assert.deepEqual(differences({ x: [1] }, { x: [1] }, ['dockerd', 'berthd']), []);
});
