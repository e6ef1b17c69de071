import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { parseRegistryAuthHeader } from './registry-auth.ts';

const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('X-Registry-Auth decodes base64url JSON into credentials and the server address', () => {
  assert.deepEqual(parseRegistryAuthHeader(enc({ username: 'u', password: 'p', serveraddress: 'localhost:5000' })), { username: 'u', password: 'p', serverAddress: 'localhost:5000' });
  assert.deepEqual(parseRegistryAuthHeader(enc({ identitytoken: 'tok' })), { identityToken: 'tok' });
  // docker-py sends standard base64 and capitalised keys
  assert.deepEqual(parseRegistryAuthHeader(Buffer.from(JSON.stringify({ Username: 'a', Password: 'b' })).toString('base64')), { username: 'a', password: 'b' });
});

test('an empty X-Registry-Auth means no credentials', () => {
  assert.equal(parseRegistryAuthHeader(undefined), undefined);
  assert.equal(parseRegistryAuthHeader(''), undefined);
  assert.equal(parseRegistryAuthHeader(enc({})), undefined);
});

test('a malformed X-Registry-Auth is an invalid argument', () => {
  assert.throws(() => parseRegistryAuthHeader('!!!notbase64json'), isInvalidArgument);
});
