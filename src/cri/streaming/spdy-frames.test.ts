// SPDY/3.1 framing: the dictionary is the protocol's, frames are cut whole from
// any chunking, header blocks survive encode/decode, and one compression
// context per direction carries a connection's blocks in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader, HeaderCompression, controlFrame, controlType, dataFrame, decodeHeaders, encodeHeaders, maxHeaderBlock } from './spdy-frames.ts';
import { spdy3Dictionary } from './spdy-dictionary.ts';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('the header dictionary is SPDY/3\'s: 1423 bytes, zlib dictionary id 0xe3c6a7c2', () => {
  assert.equal(spdy3Dictionary.length, 1423);
  assert.equal(adler32(spdy3Dictionary).toString(16), 'e3c6a7c2');
});

test('FrameReader cuts whole frames out of any chunking', () => {
  const frames = Buffer.concat([dataFrame(1, Buffer.from('hello'), false), controlFrame(controlType.ping, 0, Buffer.from([0, 0, 0, 7])), dataFrame(3, Buffer.alloc(0), true)]);
  for (const step of [1, 3, 7, frames.length]) {
    const r = new FrameReader();
    const got: unknown[] = [];
    for (let off = 0; off < frames.length; off += step) {
      r.push(frames.subarray(off, off + step));
      for (let f = r.next(); f; f = r.next()) got.push(f.control ? { type: f.type, version: f.version, payload: [...f.payload] } : { id: f.streamId, flags: f.flags, data: f.payload.toString() });
    }
    assert.deepEqual(got, [{ id: 1, flags: 0, data: 'hello' }, { type: controlType.ping, version: 3, payload: [0, 0, 0, 7] }, { id: 3, flags: 1, data: '' }], `chunks of ${step}`);
  }
});

test('a header block keeps names lowercase and several values of one name', () => {
  const block = encodeHeaders({ StreamType: 'data', port: '8080', 'x-many': ['a', 'b'] });
  assert.deepEqual([...decodeHeaders(block)], [['streamtype', ['data']], ['port', ['8080']], ['x-many', ['a', 'b']]]);
  assert.throws(() => decodeHeaders(block.subarray(0, block.length - 1)), /truncated/);
});

test('header compression carries a connection\'s blocks in order through one context per direction', async () => {
  const sender = new HeaderCompression();
  const receiver = new HeaderCompression();
  try {
    const blocks = [{ streamtype: 'error' }, { streamtype: 'stdout' }, { streamtype: 'stdout', requestid: '0' }, {}];
    for (const h of blocks) {
      const wire = await sender.compress(h);
      const back = await receiver.decompress(wire);
      assert.deepEqual(Object.fromEntries([...back].map(([k, v]) => [k, v[0]])), h);
    }
  } finally {
    sender.close();
    receiver.close();
  }
});

test('a header block that inflates past the limit is refused', async () => {
  const sender = new HeaderCompression();
  const receiver = new HeaderCompression();
  try {
    const wire = await sender.compress({ big: 'x'.repeat(maxHeaderBlock + 1) });
    await assert.rejects(receiver.decompress(wire), /header block over/);
  } finally {
    sender.close();
    receiver.close();
  }
});
