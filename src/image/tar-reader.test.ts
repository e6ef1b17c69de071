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

/** A raw ustar header block (typeflag `flag`, `size` bytes of content follow). */
function rawHeader(name: string, flag: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14000000000\0', 136);
  h.write('        ', 148);
  h.write(flag, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function padded(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

/** A PAX record `<len> key=value\n`, its length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

test('TarReader refuses PAX sizes, owners and times that are not plain numbers Linux can take', async () => {
  for (const [key, value] of [['size', 'abc'], ['size', '-1'], ['uid', 'x'], ['uid', '99999999999'], ['gid', '-5'], ['mtime', 'nan'], ['mtime', '1e400']] as const) {
    const bytes = await makeTar([{ name: 'f', data: 'hello', pax: { [key]: value } }]);
    assert.throws(() => read(bytes, 512), (e: Error) => isInvalidArgument(e) && e.message === `cannot unpack layer: invalid PAX record ${key}=${JSON.stringify(value)}`);
  }
  const ok = read(await makeTar([{ name: 'f', data: 'x', pax: { mtime: '-12.5', uid: '4294967294' } }]));
  assert.equal(ok.entries[0]?.mtime, -12.5);
  assert.equal(ok.entries[0]?.uid, 4294967294);
});

test('TarReader bounds a chain of PAX headers before one entry, not only each one', () => {
  // Three PAX headers of 900 KiB each, every one within the 1 MiB limit, all for the same entry.
  const pax = Array.from({ length: 3 }, (_, i) => {
    const content = Buffer.from(paxRecord(`SCHILY.xattr.user.k${i}`, 'v'.repeat(900 * 1024)));
    return Buffer.concat([rawHeader(`PaxHeader/f${i}`, 'x', content.length), padded(content)]);
  });
  const tar = Buffer.concat([...pax, rawHeader('f', '0', 0), Buffer.alloc(1024)]);
  assert.throws(() => read(tar, 65536), (e: Error) => isInvalidArgument(e) && /metadata headers before one entry take more than 2097152 bytes/.test(e.message));
  // Two are still fine.
  const two = read(Buffer.concat([...pax.slice(0, 2), rawHeader('f', '0', 0), Buffer.alloc(1024)]), 65536);
  assert.equal(two.entries[0]?.xattrs.size, 2);
});

test('TarReader pauses before an entry its sink waits for and resumes with the same events, at any chunking, holding no view of the chunk', async () => {
  const bytes = await makeTar([
    { name: 'a', data: 'x'.repeat(700) },
    { name: 'h1', type: 'link', linkname: 'a' },
    { name: 'long/'.repeat(30) + 'name', data: 'pax named' },
    { name: 'h2', type: 'link', linkname: 'a' },
    { name: 'd/', type: 'directory' },
    { name: 'b', data: 'tail' },
  ]);
  const plain = read(bytes, 100_000);
  for (const chunk of [1, 13, 512, 1000, 100_000]) {
    const names: string[] = [];
    const data: string[] = [];
    let cur: Buffer[] = [];
    let waits = 0;
    let pending = false;
    const r = new TarReader({
      wait: (e) => {
        if (e.type !== 'link') return undefined;
        waits++;
        pending = true;
        return new Promise<void>((res) => setImmediate(() => ((pending = false), res())));
      },
      entry: (e) => {
        assert.equal(pending, false, 'no entry is handed over while its wait is pending');
        names.push(e.name);
        cur = [];
      },
      data: (p) => cur.push(Buffer.from(p)),
      entryEnd: () => data.push(Buffer.concat(cur).toString()),
    });
    // Every chunk is written from the same buffer, scribbled over while paused (as a reused read buffer is).
    const scratch = Buffer.alloc(chunk);
    for (let i = 0; i < bytes.length; i += chunk) {
      const n = bytes.copy(scratch, 0, i, i + chunk);
      for (let paused = r.write(scratch.subarray(0, n)); paused !== undefined; paused = r.resume()) {
        assert.throws(() => r.write(Buffer.alloc(1)), /while paused/);
        scratch.fill(0x5a);
        await paused;
      }
    }
    r.end();
    assert.equal(waits, 2, `chunk ${chunk}`);
    assert.deepEqual(names, plain.entries.map((e) => e.name), `chunk ${chunk}`);
    assert.deepEqual(data, plain.data, `chunk ${chunk}`);
  }
});

/** `h` with bytes `at` replaced by `field` (padded with NULs to `len`) and its checksum made right again. */
function withField(h: Buffer, at: number, len: number, field: string): Buffer {
  const out = Buffer.from(h);
  out.fill(0, at, at + len);
  out.write(field, at, 'latin1');
  out.write('        ', 148);
  let sum = 0;
  for (const b of out) sum += b;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return out;
}

test('TarReader reads numeric header fields in every padding tar writers use, and the odd forms as before', () => {
  const cases: [string, number][] = [
    ['0000644\0', 0o644],
    [' 644 \0', 0o644],
    ['644     ', 0o644],
    ['  644', 0o644],
    ['0000000\0', 0],
    ['', 0],
    ['   \0', 0],
    // Not plain octal digits: read as text, as parseInt does.
    ['+644\0', 0o644],
    ['\t644\0', 0o644],
    ['644x\0', 0o644],
    ['64 4\0', 0o64],
  ];
  for (const [field, mode] of cases) {
    const tar = Buffer.concat([withField(rawHeader('f', '0', 0), 100, 8, field), Buffer.alloc(1024)]);
    assert.equal(read(tar, 512).entries[0]?.mode, mode, JSON.stringify(field));
  }
  const bad = Buffer.concat([withField(rawHeader('f', '0', 0), 100, 8, 'xyz\0'), Buffer.alloc(1024)]);
  assert.throws(() => read(bad, 512), (e: Error) => isInvalidArgument(e) && /invalid number "xyz"/.test(e.message));
});
