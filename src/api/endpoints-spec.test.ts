// Unit tests for the create body's endpoint count by API version (endpoints-spec.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpointCount } from './endpoints-spec.ts';

const body = (names: string[]) => ({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: Object.fromEntries(names.map((n) => [n, {}])) } });

test('before API 1.44 a create body names one endpoint at most, as dockerd 20.10 requires', () => {
  assert.throws(() => checkEndpointCount(body(['a', 'b']), '1.41'), { message: 'Container cannot be connected to network endpoints: a, b', name: 'BerthError' });
  assert.doesNotThrow(() => checkEndpointCount(body(['a']), '1.41'));
  assert.doesNotThrow(() => checkEndpointCount({ Image: 'busybox' }, '1.24'));
});

test('from API 1.44 several endpoints are taken', () => {
  assert.doesNotThrow(() => checkEndpointCount(body(['a', 'b', 'c']), '1.44'));
  assert.doesNotThrow(() => checkEndpointCount(body(['a', 'b']), '1.47'));
});
