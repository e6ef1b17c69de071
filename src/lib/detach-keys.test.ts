import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachScanner, detachKeyBytes } from './detach-keys.ts';

test('detachKeyBytes reads docker\'s default ctrl-p,ctrl-q as bytes 16 and 17', () => {
  assert.deepEqual([...detachKeyBytes('ctrl-p,ctrl-q')!], [16, 17]);
  assert.deepEqual([...detachKeyBytes('a,ctrl-@,ctrl-[')!], [97, 0, 27]);
});

test('detachKeyBytes refuses a key docker does not know', () => {
  assert.equal(detachKeyBytes('ctrl-1'), undefined);
  assert.equal(detachKeyBytes('abc'), undefined);
});

test('the scanner passes ordinary input and detaches on the full sequence', () => {
  const s = new DetachScanner(Buffer.from([16, 17]));
  assert.deepEqual(s.feed(Buffer.from('ls\n')), { forward: Buffer.from('ls\n'), detach: false });
  const held = s.feed(Buffer.from([120, 16]));
  assert.deepEqual(held, { forward: Buffer.from([120]), detach: false });
  assert.deepEqual(s.feed(Buffer.from([17])), { forward: Buffer.alloc(0), detach: true });
});

test('the scanner releases held bytes when the sequence is broken', () => {
  const s = new DetachScanner(Buffer.from([16, 17]));
  assert.deepEqual(s.feed(Buffer.from([16])).forward, Buffer.alloc(0));
  assert.deepEqual(s.feed(Buffer.from([65])).forward, Buffer.from([16, 65]));
  assert.deepEqual(s.feed(Buffer.from([16, 16, 17])), { forward: Buffer.from([16]), detach: true });
});
