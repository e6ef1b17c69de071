// Issue 3, --mac-address: the address asked for (EndpointSettings.MacAddress
// from the docker CLI, the container-wide Config.MacAddress from older clients
// and berth's CLI) is the container interface's, on the default bridge and on a
// user network, and inspect reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';
import { show } from './acceptance-support.ts';

const d = useBusyboxDaemon();

test('docker run --mac-address sets eth0\'s address on the default bridge, and inspect shows it', { timeout: 60_000 }, async () => {
  const r = await d().docker(['run', '-d', '--name', 'mac1', '--mac-address', '02:42:AC:11:00:99', 'busybox', 'sleep', '1000']);
  assert.equal(r.code, 0, show(r));
  const addr = await d().docker(['exec', 'mac1', 'cat', '/sys/class/net/eth0/address']);
  assert.equal(addr.stdout, '02:42:ac:11:00:99\n', show(addr));
  const insp = await d().docker(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.MacAddress}} {{.NetworkSettings.MacAddress}}', 'mac1']);
  assert.equal(insp.stdout, '02:42:ac:11:00:99 02:42:ac:11:00:99\n', show(insp));
  // It is kept for the next start.
  assert.equal((await d().docker(['restart', '-t', '0', 'mac1'])).code, 0);
  assert.equal((await d().docker(['exec', 'mac1', 'cat', '/sys/class/net/eth0/address'])).stdout, '02:42:ac:11:00:99\n');
  assert.equal((await d().docker(['rm', '-f', 'mac1'])).code, 0);
});

test('--mac-address works on a user network, from the docker CLI and from berth\'s', { timeout: 60_000 }, async () => {
  assert.equal((await d().docker(['network', 'create', 'macnet'])).code, 0);
  try {
    const r = await d().docker(['run', '--rm', '--network', 'macnet', '--mac-address', '02:42:0a:00:00:07', 'busybox', 'cat', '/sys/class/net/eth0/address']);
    assert.equal(r.stdout, '02:42:0a:00:00:07\n', show(r));
    const b = await d().berth(['run', '--rm', '--network', 'macnet', '--mac-address', '02:42:0a:00:00:08', 'busybox', 'cat', '/sys/class/net/eth0/address']);
    assert.equal(b.stdout, '02:42:0a:00:00:08\n', show(b));
    const plain = await d().docker(['run', '--rm', '--network', 'macnet', 'busybox', 'cat', '/sys/class/net/eth0/address']);
    assert.match(plain.stdout, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}\n$/);
    assert.notEqual(plain.stdout, '02:42:0a:00:00:07\n');
  } finally {
    await d().docker(['network', 'rm', 'macnet']);
  }
});

test('a malformed MAC address is refused at create', { timeout: 60_000 }, async () => {
  const viaEndpoint = await d().json<{ message: string }>('POST', '/containers/create', { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { bridge: { MacAddress: 'bogus' } } } });
  assert.deepEqual([viaEndpoint.status, viaEndpoint.body.message], [400, 'bogus is not a valid mac address']);
  const viaConfig = await d().json<{ message: string }>('POST', '/containers/create', { Image: 'busybox', MacAddress: '02:42:zz:00:00:01' });
  assert.deepEqual([viaConfig.status, viaConfig.body.message], [400, '02:42:zz:00:00:01 is not a valid mac address']);
  const disagree = await d().json<{ message: string }>('POST', '/containers/create', { Image: 'busybox', MacAddress: '02:42:00:00:00:01', NetworkingConfig: { EndpointsConfig: { default: { MacAddress: '02:42:00:00:00:02' } } } });
  assert.equal(disagree.status, 400, disagree.body.message);
});
