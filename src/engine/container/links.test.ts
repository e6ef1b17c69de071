import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkEnv, replaceOrAppend } from './links.ts';

test('linkEnv writes docker\'s variables: default port tcp first, ranges of three, every port, name, child env without HOME and PATH', () => {
  const env = linkEnv({ alias: 'my-alias', parent: 'web-1', ip: '172.17.0.2', exposedPorts: ['80/tcp', '53/udp', '53/tcp', '6000/tcp', '6001/tcp', '6002/tcp'], env: ['X=1', 'HOME=/h', 'PATH=/bin', 'Y=a=b'] });
  assert.deepEqual(env, [
    'MY_ALIAS_PORT=tcp://172.17.0.2:53',
    'MY_ALIAS_PORT_6000_TCP_START=tcp://172.17.0.2:6000',
    'MY_ALIAS_PORT_6000_TCP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_6000_TCP_PROTO=tcp',
    'MY_ALIAS_PORT_6000_TCP_PORT_START=6000',
    'MY_ALIAS_PORT_6000_TCP_END=tcp://172.17.0.2:6002',
    'MY_ALIAS_PORT_6000_TCP_PORT_END=6002',
    'MY_ALIAS_PORT_53_TCP=tcp://172.17.0.2:53',
    'MY_ALIAS_PORT_53_TCP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_53_TCP_PORT=53',
    'MY_ALIAS_PORT_53_TCP_PROTO=tcp',
    'MY_ALIAS_PORT_53_UDP=udp://172.17.0.2:53',
    'MY_ALIAS_PORT_53_UDP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_53_UDP_PORT=53',
    'MY_ALIAS_PORT_53_UDP_PROTO=udp',
    'MY_ALIAS_PORT_80_TCP=tcp://172.17.0.2:80',
    'MY_ALIAS_PORT_80_TCP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_80_TCP_PORT=80',
    'MY_ALIAS_PORT_80_TCP_PROTO=tcp',
    'MY_ALIAS_PORT_6000_TCP=tcp://172.17.0.2:6000',
    'MY_ALIAS_PORT_6000_TCP_PORT=6000',
    'MY_ALIAS_PORT_6001_TCP=tcp://172.17.0.2:6001',
    'MY_ALIAS_PORT_6001_TCP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_6001_TCP_PORT=6001',
    'MY_ALIAS_PORT_6001_TCP_PROTO=tcp',
    'MY_ALIAS_PORT_6002_TCP=tcp://172.17.0.2:6002',
    'MY_ALIAS_PORT_6002_TCP_ADDR=172.17.0.2',
    'MY_ALIAS_PORT_6002_TCP_PORT=6002',
    'MY_ALIAS_PORT_6002_TCP_PROTO=tcp',
    'MY_ALIAS_NAME=/web-1/my-alias',
    'MY_ALIAS_ENV_X=1',
    'MY_ALIAS_ENV_Y=a=b',
  ]);
});

test('linkEnv without exposed ports has only the name and the environment', () => {
  assert.deepEqual(linkEnv({ alias: 'db', parent: 'web', ip: '', exposedPorts: [], env: [] }), ['DB_NAME=/web/db']);
});

test('replaceOrAppend replaces a variable where it stands and appends new ones', () => {
  assert.deepEqual(replaceOrAppend(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
});
