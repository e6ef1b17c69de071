import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlatform } from './platform.ts';

const host = { os: 'linux', arch: 'amd64', variant: '' };

test('parsePlatform reads os/arch/variant, bare names and aliases as containerd does', () => {
  assert.deepEqual(parsePlatform('linux/amd64', host), host);
  assert.deepEqual(parsePlatform('linux', host), host);
  assert.deepEqual(parsePlatform('x86_64', host), host);
  assert.deepEqual(parsePlatform('linux/aarch64', host), { os: 'linux', arch: 'arm64', variant: '' });
  assert.deepEqual(parsePlatform('linux/armhf', host), { os: 'linux', arch: 'arm', variant: 'v7' });
});

test('parsePlatform refuses what containerd refuses, in its words', () => {
  assert.throws(() => parsePlatform('foobar', host), { message: '"foobar": unknown operating system or architecture: invalid argument' });
  assert.throws(() => parsePlatform('bogus/x/y/z', host), { message: '"bogus/x/y/z": cannot parse platform specifier: invalid argument' });
});
