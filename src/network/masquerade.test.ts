import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masqueradeRule, parseMasqueradeTags } from './masquerade.ts';

test('parseMasqueradeTags finds berth\'s rules in iptables -S output and nobody else\'s', () => {
  const rules = [
    '-P POSTROUTING ACCEPT',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    '-A POSTROUTING -s 172.18.0.0/16 ! -d 224.0.0.0/4 ! -o br-38f0138b8ae4 -m comment --comment "berth masquerade berth-38f0138b8ae4" -j MASQUERADE',
    '-A POSTROUTING -s 10.88.0.0/16 -m comment --comment "name: \\"podman\\" id: \\"x\\"" -j CNI-abc',
    '-A POSTROUTING -s 10.226.34.0/24 ! -d 224.0.0.0/4 ! -o bt1a22b4 -m comment --comment "berth masquerade berth-b692bed2e5b2" -j MASQUERADE',
    '',
  ].join('\n');
  assert.deepEqual([...parseMasqueradeTags(rules)].sort(), ['berth-38f0138b8ae4', 'berth-b692bed2e5b2']);
  assert.deepEqual([...parseMasqueradeTags('-P POSTROUTING ACCEPT\n')], []);
});

test('the rule berth adds carries the comment parseMasqueradeTags reads', () => {
  const args = masqueradeRule('172.18.0.0/16', 'br-x', 'berth-x');
  const line = `-A POSTROUTING ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}`;
  assert.deepEqual([...parseMasqueradeTags(line)], ['berth-x']);
});
