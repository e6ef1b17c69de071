import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedResolvConf, embeddedUpstreams } from './resolv-conf.ts';

const none = { dnsSearch: [], dnsOptions: [] };

test('a user-network resolv.conf names 127.0.0.11 with ndots:0, as dockerd writes it', () => {
  assert.equal(embeddedResolvConf('nameserver 10.255.255.53\n', none), 'nameserver 127.0.0.11\noptions ndots:0\n');
  assert.equal(embeddedResolvConf('nameserver 10.1.1.1\nsearch corp.example\noptions edns0\n', none), 'search corp.example\nnameserver 127.0.0.11\noptions edns0 ndots:0\n');
});

test('--dns-search and --dns-option replace the host\'s, and a user ndots above 0 is kept alone', () => {
  assert.equal(embeddedResolvConf('search a.example\n', { dnsSearch: ['x.org'], dnsOptions: ['ndots:2'] }), 'search x.org\nnameserver 127.0.0.11\noptions ndots:2\n');
  assert.equal(embeddedResolvConf('', { dnsSearch: [], dnsOptions: ['edns0'] }), 'nameserver 127.0.0.11\noptions edns0 ndots:0\n');
});

test('the embedded server relays to the host\'s resolvers, skipping a loopback stub for the servers behind it', () => {
  assert.deepEqual(embeddedUpstreams('nameserver 10.255.255.53\nnameserver ::1\n', ''), ['10.255.255.53']);
  assert.deepEqual(embeddedUpstreams('nameserver 127.0.0.53\n', 'nameserver 192.0.2.53\n'), ['192.0.2.53']);
  assert.deepEqual(embeddedUpstreams('nameserver 127.0.0.53\n', ''), ['8.8.8.8', '8.8.4.4']);
});
