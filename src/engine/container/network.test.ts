import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSpec } from '../../core/types.ts';
import { endpointSpecOf, networksOf, portBindingsOf, primaryNetwork, specAfterConnect, specAfterDisconnect } from './network.ts';

function spec(host: Partial<ContainerSpec['host']>, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { exposedPorts: [], networkDisabled: false, host: { networkMode: 'default', portBindings: {}, publishAllPorts: false, ...host }, ...extra } as unknown as ContainerSpec;
}

test('the default network mode means the bridge network; host, none and container: have no CNI network', () => {
  assert.equal(primaryNetwork(spec({})), 'bridge');
  assert.equal(primaryNetwork(spec({ networkMode: 'net1' })), 'net1');
  for (const m of ['host', 'none', 'container:x']) assert.equal(primaryNetwork(spec({ networkMode: m })), undefined);
});

test('networksOf lists the primary network first, then connected ones, naming `default` as bridge', () => {
  const s = spec({ networkMode: 'net1' }, { endpoints: { net1: { aliases: ['a'] }, net2: { aliases: [] }, default: { aliases: [] } } });
  assert.deepEqual(networksOf(s), ['net1', 'net2', 'bridge']);
  assert.deepEqual(endpointSpecOf(spec({}, { endpoints: { default: { aliases: ['x'] } } }), 'bridge').aliases, ['x']);
});

test('portBindingsOf adds every exposed port with -P and keeps explicit bindings', () => {
  const s = spec({ portBindings: { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }, publishAllPorts: true }, { exposedPorts: ['80/tcp', '53/udp', '9000'] });
  assert.deepEqual(portBindingsOf(s), {
    '80/tcp': [{ hostIp: '', hostPort: '8080' }],
    '53/udp': [{ hostIp: '', hostPort: '' }],
    '9000/tcp': [{ hostIp: '', hostPort: '' }],
  });
});

test('disconnecting the last network keeps the network mode and leaves no network; connecting again works', () => {
  const created = spec({ networkMode: 'v1_back' }, { endpoints: { v1_back: { aliases: ['web'] } } });
  const bare = specAfterDisconnect(created, 'v1_back');
  assert.equal(bare.host.networkMode, 'v1_back');
  assert.deepEqual(networksOf(bare), []);
  assert.equal(primaryNetwork(bare), 'v1_back');
  const back = specAfterConnect(bare, 'v1_back', { aliases: ['web', 'abc'] });
  assert.deepEqual(networksOf(back), ['v1_back']);
  assert.equal(back.modeNetworkDisconnected, undefined);
  assert.deepEqual(endpointSpecOf(back, 'v1_back').aliases, ['web', 'abc']);
});

test('after the mode network is disconnected, the container is on the networks connected later only', () => {
  const bare = specAfterDisconnect(spec({}), 'bridge');
  assert.deepEqual(networksOf(bare), []);
  const other = specAfterConnect(bare, 'net2', { aliases: [] });
  assert.deepEqual(networksOf(other), ['net2']);
  assert.equal(other.modeNetworkDisconnected, true);
  assert.deepEqual(networksOf(specAfterDisconnect(other, 'net2')), []);
});
