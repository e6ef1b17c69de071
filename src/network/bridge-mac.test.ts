import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBridgeMac } from './bridge-mac.ts';

test('a bridge MAC is unicast and locally administered, and random', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const mac = randomBridgeMac();
    assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 0x01, 0, 'unicast');
    assert.equal(first & 0x02, 0x02, 'locally administered');
    seen.add(mac);
  }
  assert.ok(seen.size > 45);
});
