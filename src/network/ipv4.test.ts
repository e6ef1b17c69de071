import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contains, formatCidr, overlaps, parseCidr, parseIp, pickSubnet } from './ipv4.ts';

test('parseCidr clears host bits and formatCidr prints it back', () => {
  assert.equal(formatCidr(parseCidr('172.17.0.1/16')), '172.17.0.0/16');
  assert.throws(() => parseCidr('300.1.1.1/8'));
  assert.throws(() => parseCidr('10.0.0.0'));
});

test('overlaps and contains compare on the shorter prefix', () => {
  assert.equal(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.5.0.0/16')), true);
  assert.equal(overlaps(parseCidr('10.0.0.0/16'), parseCidr('10.1.0.0/16')), false);
  assert.equal(contains(parseCidr('192.168.1.0/24'), parseIp('192.168.1.77')!), true);
});

test('pickSubnet skips pool subnets that overlap taken ones', () => {
  assert.equal(formatCidr(pickSubnet([])!), '172.17.0.0/16');
  assert.equal(formatCidr(pickSubnet([parseCidr('172.17.0.0/16'), parseCidr('172.18.5.0/24')])!), '172.19.0.0/16');
});
