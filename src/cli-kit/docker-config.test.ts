import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dockerIoKey, eraseAuth, getAuth, registryAuthHeader, registryKey, storeAuth } from './docker-config.ts';

const dir = mkdtempSync('/tmp/berth-docker-config-');
process.env['DOCKER_CONFIG'] = dir;
after(() => rmSync(dir, { recursive: true, force: true }));

test('registryKey() names Docker Hub by its v1 URL and other registries by host', () => {
  assert.equal(registryKey(undefined), dockerIoKey);
  assert.equal(registryKey('docker.io'), dockerIoKey);
  assert.equal(registryKey('localhost:5000'), 'localhost:5000');
  assert.equal(registryKey('https://localhost:5000/v2/'), 'localhost:5000');
});

test('storeAuth() writes base64 user:password under auths, getAuth() reads it, eraseAuth() removes it', async () => {
  await storeAuth('localhost:5000', 'alice', 'pa:ss');
  const doc = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.equal(doc.auths['localhost:5000']?.auth, Buffer.from('alice:pa:ss').toString('base64'));
  assert.deepEqual(await getAuth('localhost:5000'), { username: 'alice', password: 'pa:ss', serverAddress: 'localhost:5000' });
  assert.equal(await eraseAuth('localhost:5000'), true);
  assert.equal(await getAuth('localhost:5000'), undefined);
  assert.equal(await eraseAuth('localhost:5000'), false);
});

test('registryAuthHeader() is base64url JSON with docker\'s field names', () => {
  const h = registryAuthHeader({ username: 'u', password: 'p', serverAddress: 's' });
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { username: 'u', password: 'p', serveraddress: 's' });
});
