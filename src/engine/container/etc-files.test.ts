import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile, resolvConf } from './etc-files.ts';

const none = { dns: [], dnsSearch: [], dnsOptions: [] };

test('hosts starts with localhost and the ipv6 lines', () => {
  const text = hostsFile({ hostname: 'abc', extraHosts: ['db:10.0.0.2'], ip: '172.17.0.2' });
  assert.match(text, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.match(text, /10\.0\.0\.2\tdb\n/);
  assert.match(text, /172\.17\.0\.2\tabc\n$/);
});

test('resolv.conf drops localhost nameservers and keeps search and options', () => {
  const text = resolvConf('nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch example.com\noptions edns0\n', none);
  assert.equal(text, 'nameserver 10.1.1.1\nsearch example.com\noptions edns0\n');
});

test('resolv.conf falls back to 8.8.8.8 and 8.8.4.4 when no nameserver is left', () => {
  assert.equal(resolvConf('nameserver 127.0.0.1\n', none), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('--dns replaces the host nameservers', () => {
  assert.equal(resolvConf('nameserver 10.1.1.1\n', { ...none, dns: ['1.1.1.1'] }), 'nameserver 1.1.1.1\n');
});

test('--dns, --dns-search or --dns-option build the file anew as dockerd does: search, nameservers, options', () => {
  const host = 'nameserver 10.1.1.1\nsearch example.com\noptions edns0\nsortlist 10.0.0.0\n';
  assert.equal(resolvConf(host, { ...none, dns: ['9.9.9.9'], dnsSearch: ['ex.com'] }), 'search ex.com\nnameserver 9.9.9.9\noptions edns0\n');
  assert.equal(resolvConf(host, { ...none, dnsOptions: ['ndots:2'] }), 'search example.com\nnameserver 10.1.1.1\noptions ndots:2\n');
});
