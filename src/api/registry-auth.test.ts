import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { parseRegistryAuthHeader, parseRegistryConfigHeader } from './registry-auth.ts';

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

test('X-Registry-Config maps each registry, however config.json spells it, to its credentials', () => {
  const header = Buffer.from(
    JSON.stringify({
      'https://index.docker.io/v1/': { username: 'hub', password: 'a' },
      'localhost:5000': { Username: 'loc', Password: 'b', ServerAddress: 'localhost:5000' },
      'http://127.0.0.1:5001/v2/': { identitytoken: 'tok' },
      'empty.example': {},
    }),
  ).toString('base64');
  const m = parseRegistryConfigHeader(header);
  assert.deepEqual([...m.keys()].sort(), ['127.0.0.1:5001', 'docker.io', 'localhost:5000']);
  assert.equal(m.get('docker.io')?.username, 'hub');
  assert.equal(m.get('localhost:5000')?.password, 'b');
  assert.equal(m.get('127.0.0.1:5001')?.identityToken, 'tok');
  assert.equal(parseRegistryConfigHeader(undefined).size, 0);
  assert.throws(() => parseRegistryConfigHeader('%%%not json'), /X-Registry-Config/);
});
