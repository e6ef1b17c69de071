import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { displayJsonMessages, StreamError } from './progress.ts';

function sink(): { stream: Writable; text: () => string } {
  let s = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      s += String(chunk);
      cb();
    },
  });
  return { stream, text: () => s };
}

const lines = (...ms: object[]) => Readable.from([ms.map((m) => JSON.stringify(m)).join('\r\n') + '\r\n']);

test('on a non-terminal, progress bars are skipped and statuses printed with their ids', async () => {
  const out = sink();
  await displayJsonMessages(
    lines(
      { status: 'Pulling from library/busybox', id: 'latest', progressDetail: {} },
      { status: 'Pulling fs layer', id: 'abc', progressDetail: {} },
      { status: 'Downloading', id: 'abc', progressDetail: { current: 5, total: 10 }, progress: '[==>  ]' },
      { status: 'Pull complete', id: 'abc', progressDetail: {} },
      { status: 'Digest: sha256:x' },
    ),
    out.stream,
    { tty: false },
  );
  assert.equal(out.text(), 'latest: Pulling from library/busybox\nabc: Pulling fs layer\nabc: Pull complete\nDigest: sha256:x\n');
});

test('an error message rejects with its text, and aux objects are returned', async () => {
  const out = sink();
  const aux = await displayJsonMessages(lines({ status: 'x' }, { aux: { Digest: 'd' } }), out.stream, { tty: false });
  assert.deepEqual(aux, [{ Digest: 'd' }]);
  await assert.rejects(displayJsonMessages(lines({ errorDetail: { message: 'boom' }, error: 'boom' }), sink().stream, { tty: false }), (e) => e instanceof StreamError && e.message === 'boom');
});

test('on a terminal, a layer line is redrawn in place with its bar', async () => {
  const out = sink();
  await displayJsonMessages(lines({ status: 'Downloading', id: 'abc', progressDetail: { current: 5, total: 10 }, progress: '[==>  ]' }), out.stream, { tty: true });
  assert.match(out.text(), /\x1b\[1A\r\x1b\[2Kabc: Downloading \[==>  \]\r\x1b\[1B/);
});
