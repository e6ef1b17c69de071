import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from './auth-challenge.ts';

test('parseChallenges() reads a Bearer challenge with quoted realm, service and scope', () => {
  const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
  assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
});

test('parseChallenges() reads a Basic challenge and unquoted values', () => {
  assert.deepEqual(parseChallenges('Basic realm=basic-realm'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
});

test('parseChallenges() keeps commas inside quoted values and reads several challenges', () => {
  const cs = parseChallenges(['Bearer realm="http://h/t",scope="repository:a:pull,push"', 'Basic realm="x"']);
  assert.equal(cs.length, 2);
  assert.equal(cs[0]?.params['scope'], 'repository:a:pull,push');
  assert.equal(cs[1]?.scheme, 'basic');
});

test('parseChallenges() of no header is empty', () => {
  assert.deepEqual(parseChallenges(undefined), []);
});
