// Unit tests of the synchronous tar reader against archives made by tar-stream and by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { makeTar } from './tar-fixture.ts';
import { TarReader, type TarEntry } from './tar-reader.ts';

function read(bytes: Buffer, chunk = 7): { entries: TarEntry[]; data: string[] } {
  const entries: TarEntry[] = [];
  const data: string[] = [];
  let cur: Buffer[] = [];
  const r = new TarReader({
    entry: (e) => {
      entries.push(e);
      cur = [];
    },
    data: (p) => cur.push(Buffer.from(p)),
    entryEnd: () => data.push(Buffer.concat(cur).toString()),
  });
  for (let i = 0; i < bytes.length; i += chunk) r.write(bytes.subarray(i, i + chunk));
  r.end();
  return { entries, data };
}

test('TarReader reads entries and content split across any chunk boundaries', async () => {
  const bytes = await makeTar([
    { name: 'd/', type: 'directory', mode: 0o750, uid: 5, gid: 6 },
    { name: 'd/f', data: 'hello world', mode: 0o4755 },
    { name: 'd/l', type: 'symlink', linkname: 'f' },
    { name: 'd/h', type: 'link', linkname: 'd/f' },
    { name: 'empty', data: '' },
  ]);
  for (const chunk of [1, 7, 512, 100_000]) {
    const { entries, data } = read(bytes, chunk);
    assert.deepEqual(entries.map((e) => [e.name, e.type]), [['d/', 'directory'], ['d/f', 'file'], ['d/l', 'symlink'], ['d/h', 'link'], ['empty', 'file']]);
    assert.equal(entries[0]?.mode, 0o750);
    assert.equal(entries[0]?.uid, 5);
    assert.equal(entries[1]?.mode, 0o4755);
    assert.equal(entries[2]?.linkname, 'f');
    assert.deepEqual(data, ['', 'hello world', '', '', '']);
  }
});

test('TarReader takes long names, owners and binary xattrs from PAX headers', async () => {
  const long = `${'a'.repeat(150)}/${'b'.repeat(120)}`;
  const bytes = await makeTar([{ name: long, data: 'x', pax: { 'SCHILY.xattr.user.k': 'v', uid: '70000' } }]);
  const { entries } = read(bytes);
  assert.equal(entries[0]?.name, long);
  assert.equal(entries[0]?.uid, 70000);
  assert.deepEqual(entries[0]?.xattrs.get('user.k'), Buffer.from('v'));
});

test('TarReader rejects a corrupted header and a truncated archive', async () => {
  const bytes = await makeTar([{ name: 'f', data: 'content' }]);
  const bad = Buffer.from(bytes);
  bad[10] = 0x41;
  assert.throws(() => read(bad), isInvalidArgument);
  assert.throws(() => read(bytes.subarray(0, 515)), isInvalidArgument);
});
