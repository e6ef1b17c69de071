import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExtraHosts } from './extra-hosts.ts';

test('checkExtraHosts accepts IPv4, IPv6 and host-gateway and refuses what dockerd refuses', () => {
  checkExtraHosts(['a:1.2.3.4', 'b:::1', 'c:host-gateway', 'd:2001:db8::1']);
  assert.throws(() => checkExtraHosts(['bad']), { message: 'bad format for add-host: "bad"' });
  assert.throws(() => checkExtraHosts([':1.2.3.4']), { message: 'bad format for add-host: ":1.2.3.4"' });
  assert.throws(() => checkExtraHosts(['h:notanip']), { message: 'invalid IP address in add-host: "notanip"' });
});
