// Unit tests of the off-thread SHA-256: the same digests as node:crypto on this thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Stream } from './sha256-worker.ts';

// The worker is used with BERTH_HASH_THREAD=1 (the default hashes on the calling thread): these tests run it.
process.env['BERTH_HASH_THREAD'] = '1';

const onThread = (parts: readonly Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Pieces of random sizes (some past the 1 MiB slab, some tiny), as a pipe or a socket delivers them. */
function pieces(total: number): Buffer[] {
  const out: Buffer[] = [];
  for (let n = 0; n < total; ) {
    const size = Math.min(total - n, [1, 511, 65536, 1_500_000, 3][out.length % 5] as number);
    out.push(randomBytes(size));
    n += size;
  }
  return out;
}

test('sha256Stream() gives the digest node:crypto gives, for pieces across slab boundaries', async () => {
  const parts = pieces(5_000_000);
  const s = sha256Stream();
  for (const p of parts) s.update(p);
  assert.equal(await s.digest(), onThread(parts));
});

test('sha256Stream() keeps interleaved streams apart', async () => {
  const a = pieces(3_000_000);
  const b = pieces(2_500_001);
  const sa = sha256Stream();
  const sb = sha256Stream();
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) sa.update(a[i] as Buffer);
    if (b[i]) sb.update(b[i] as Buffer);
  }
  const [da, db] = await Promise.all([sa.digest(), sb.digest()]);
  assert.equal(da, onThread(a));
  assert.equal(db, onThread(b));
});

test('sha256Stream() of nothing is the empty digest, and an abandoned stream does not disturb the next', async () => {
  assert.equal(await sha256Stream().digest(), onThread([]));
  const dropped = sha256Stream();
  dropped.update(randomBytes(2_000_000));
  dropped.abandon();
  const parts = pieces(1_200_000);
  const s = sha256Stream();
  for (const p of parts) s.update(p);
  assert.equal(await s.digest(), onThread(parts));
  await assert.rejects(s.digest(), /twice/);
  assert.throws(() => s.update(Buffer.from('x')), /after digest/);
});

test('sha256Stream() hashes on this thread by default (BERTH_HASH_THREAD unset or 0)', async () => {
  const saved = process.env['BERTH_HASH_THREAD'];
  try {
    for (const v of [undefined, '0']) {
      if (v === undefined) delete process.env['BERTH_HASH_THREAD'];
      else process.env['BERTH_HASH_THREAD'] = v;
      const parts = pieces(1_100_000);
      const s = sha256Stream();
      for (const p of parts) s.update(p);
      assert.equal(await s.digest(), onThread(parts));
    }
  } finally {
    if (saved === undefined) delete process.env['BERTH_HASH_THREAD'];
    else process.env['BERTH_HASH_THREAD'] = saved;
  }
});

test('sha256Stream() is exact at every size around its slab boundaries (hashed here or on the worker)', async () => {
  for (const size of [0, 1, 65_535, 65_536, 65_537, 262_144, 300_000, 1_048_575, 1_048_576, 1_048_577, 2_097_152, 2_500_000]) {
    const data = randomBytes(size);
    for (const step of [1000, 65_536, size || 1]) {
      const s = sha256Stream();
      for (let i = 0; i < data.length; i += step) s.update(data.subarray(i, i + step));
      assert.equal(await s.digest(), onThread([data]), `size ${size}, pieces of ${step}`);
    }
  }
});
