// Unit tests for docker's --network on run and create (run-flags-networks.ts):
// repeated networks, the csv syntax, the single-network flags on the first
// network, and the docker CLI's refusals with its texts (checked against the
// docker v28 CLI's create bodies and messages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCreateBody, type RunFlags } from './run-flags.ts';
import { networkParts, parseNetworkValue } from './run-flags-networks.ts';

const body = (f: RunFlags) => buildCreateBody('busybox', [], f, () => '');

test('one plain network is the mode alone; several get an endpoint each, the first is the mode', () => {
  assert.deepEqual(networkParts({ network: ['n1'] }), { mode: 'n1' });
  assert.deepEqual(networkParts({}), { mode: 'default' });
  assert.deepEqual(networkParts({ network: ['n1', 'n2'] }), { mode: 'n1', endpoints: { n1: {}, n2: {} } });
  assert.deepEqual(networkParts({ network: ['host', 'none'] }), { mode: 'host', endpoints: { host: {}, none: {} } });
  assert.equal(body({ network: ['n2', 'n1'] }).HostConfig?.NetworkMode, 'n2');
});

test('the csv syntax sets the endpoint, lower-cased and trimmed, Go csv quoting included', () => {
  const f = { network: ['name=n1,alias=x,ip=10.0.0.2,ip6=fd00::2,mac-address=02:42:ac:11:00:02,link-local-ip=169.254.1.1,driver-opt=a=b,gw-priority=5'] };
  assert.deepEqual(networkParts(f), {
    mode: 'n1',
    endpoints: { n1: { Aliases: ['x'], DriverOpts: { a: 'b' }, IPAMConfig: { IPv4Address: '10.0.0.2', IPv6Address: 'fd00::2', LinkLocalIPs: ['169.254.1.1'] }, MacAddress: '02:42:ac:11:00:02', GwPriority: 5 } },
  });
  assert.deepEqual(networkParts({ network: ['NAME=N1,Alias=A'] }), { mode: 'n1', endpoints: { n1: { Aliases: ['a'] } } });
  assert.deepEqual(networkParts({ network: ['name=n1, alias = Y '] }), { mode: 'n1', endpoints: { n1: { Aliases: ['y'] } } });
  assert.deepEqual(networkParts({ network: ['name=n1,"alias=x"'] }), { mode: 'n1', endpoints: { n1: { Aliases: ['x'] } } });
  // Without a `\w=\w` anywhere it is a plain name.
  assert.equal(parseNetworkValue('n1=').target, 'n1=');
  assert.equal(parseNetworkValue('container:abc').target, 'container:abc');
});

test('a value pflag refuses names the flag, as the docker CLI does', () => {
  const refused = (v: string, why: string) => assert.throws(() => parseNetworkValue(v), { message: `invalid argument ${JSON.stringify(v)} for "--network" flag: ${why}` });
  refused('name=x,foo=1', 'invalid field key foo');
  refused('name=n1,ALIAS', 'invalid field ALIAS');
  refused('name=n1,=x', 'invalid field =x');
  refused('alias=a', 'network name/id is not specified');
  refused('name= ,alias=x', 'network name/id is not specified');
  refused('a-b=c', 'invalid field key a-b');
  refused('name=n1,gw-priority=x', 'invalid gw-priority (x): invalid syntax');
  refused('name=n1,gw-priority=', 'invalid gw-priority (): invalid syntax');
  refused('name=n1,gw-priority=99999999999999999999', 'invalid gw-priority (99999999999999999999): value out of range');
  refused('name=n1,driver-opt=x', 'invalid key value pair format in driver options');
  refused('name=n1,alias=a"b', 'parse error on line 1, column 16: bare " in non-quoted-field');
  refused('name=n1,"alias=x"y', 'parse error on line 1, column 17: extraneous or missing " in quoted-field');
});

test('the single-network flags go to the first network; --link becomes an endpoint link on a user-defined one', () => {
  assert.deepEqual(networkParts({ network: ['n1', 'n2'], networkAlias: ['a'], ip: '10.0.0.3', ip6: 'fd00::3', linkLocalIp: ['169.254.0.9'], link: ['db:d'] }), {
    mode: 'n1',
    endpoints: { n1: { Aliases: ['a'], Links: ['db:d'], IPAMConfig: { IPv4Address: '10.0.0.3', IPv6Address: 'fd00::3', LinkLocalIPs: ['169.254.0.9'] } }, n2: {} },
  });
  const b = body({ network: ['n1'], link: ['a:b'] });
  assert.deepEqual((b.HostConfig as Record<string, unknown> | undefined)?.['Links'], ['a:b']);
  assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: { n1: { Links: ['a:b'] } } });
  // On the default bridge a link is a legacy link only.
  assert.equal(body({ link: ['a:b'] }).NetworkingConfig, undefined);
});

test('conflicts and misplaced options are refused with the docker CLI\'s texts', () => {
  const refused = (f: RunFlags, message: string) => assert.throws(() => body(f), { message });
  refused({ network: ['n1', 'none'] }, 'conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  refused({ network: ['n1', 'n1'] }, 'network "n1" is specified multiple times');
  refused({ network: ['name=n1,alias=a'], networkAlias: ['b'] }, 'conflicting options: cannot specify both --network-alias and per-network alias');
  refused({ network: ['name=n1,ip=10.0.0.2'], ip: '10.0.0.3' }, 'conflicting options: cannot specify both --ip and per-network IPv4 address');
  refused({ network: ['name=n1,ip6=fd00::2'], ip6: 'fd00::3' }, 'conflicting options: cannot specify both --ip6 and per-network IPv6 address');
  refused({ network: ['name=n1,link-local-ip=169.254.0.1'], linkLocalIp: ['169.254.0.2'] }, 'conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses');
  refused({ network: ['name=none,alias=a'] }, 'network-scoped aliases are only supported for user-defined networks');
  refused({ network: ['bridge'], networkAlias: ['a'] }, 'network-scoped aliases are only supported for user-defined networks');
  refused({ network: ['name=n1,mac-address=zz'] }, 'zz is not a valid mac address');
  // pflag names the flag as typed.
  assert.throws(() => body({ network: ['n1', 'x=y'], networkFlag: ['--network', '--net'] }), { message: 'invalid argument "x=y" for "--net" flag: invalid field key x' });
  // A bad value is pflag's error, before any other check of the flags.
  assert.throws(() => body({ network: ['x=y'], memory: 'lots' }), { message: 'invalid argument "x=y" for "--network" flag: invalid field key x' });
});
