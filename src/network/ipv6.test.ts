import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contains6, formatCidr6, formatIp6, parseCidr6, parseIp6, rangeBounds6 } from './ipv6.ts';

test('IPv6 addresses round-trip in RFC 5952 form', () => {
  for (const [s, want] of <[string, string][]>[['2001:389::1', '2001:389::1'], ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::', '::'], ['::1', '::1'], ['fe80::', 'fe80::'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8']]) {
    assert.equal(formatIp6(parseIp6(s)!), want, s);
  }
  assert.equal(parseIp6('1.2.3.4'), undefined);
  assert.equal(parseIp6('2001:389::g'), undefined);
});

test('IPv6 CIDRs: the network address, containment and host-local bounds', () => {
  const s = parseCidr6('2001:389::1/64');
  assert.equal(formatCidr6(s), '2001:389::/64');
  assert.ok(contains6(s, parseIp6('2001:389::f00d')!));
  assert.ok(!contains6(s, parseIp6('2001:390::1')!));
  assert.deepEqual(rangeBounds6(s, parseCidr6('2001:389::0/96')), { rangeStart: '2001:389::1', rangeEnd: '2001:389::ffff:ffff' });
  assert.deepEqual(rangeBounds6(s, parseCidr6('2001:999::/96')), {});
  assert.throws(() => parseCidr6('2001:389::1'), /invalid CIDR address/);
});
