import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCreateBody, parsePublish } from './run-flags.ts';

test('parsePublish splits port ranges into one binding per port, as docker does', () => {
  const p = parsePublish(['127.0.0.1:5000-5002:6000-6002', '7000-7001/udp']);
  assert.deepEqual(p.PortBindings?.['6001/tcp'], [{ HostIp: '127.0.0.1', HostPort: '5001' }]);
  assert.deepEqual(p.PortBindings?.['7001/udp'], [{ HostIp: '', HostPort: '' }]);
  assert.deepEqual(Object.keys(p.ExposedPorts ?? {}).sort(), ['6000/tcp', '6001/tcp', '6002/tcp', '7000/udp', '7001/udp']);
  assert.throws(() => parsePublish(['5000-5001:80-82']));
});

test('--network-alias and --ip go into NetworkingConfig for the named network; -P and --expose set their fields', () => {
  const body = buildCreateBody('busybox', [], { network: ['net1'], networkAlias: ['db'], ip: '10.1.0.9', publishAll: true, expose: ['80'] });
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { net1: { Aliases: ['db'], IPAMConfig: { IPv4Address: '10.1.0.9' } } } });
  assert.equal(body.HostConfig?.PublishAllPorts, true);
  assert.deepEqual(body.ExposedPorts, { '80/tcp': {} });
});
