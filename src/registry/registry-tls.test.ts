import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '../core/errors.ts';
import { readRegistryTls, tlsFingerprint } from './registry-tls.ts';

function certsDir(files: Record<string, string>): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-certsd-'));
  mkdirSync(join(dir, 'reg:5000'));
  for (const [n, v] of Object.entries(files)) writeFileSync(join(dir, 'reg:5000', n), v);
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('readRegistryTls() takes *.crt as CAs and <name>.cert with <name>.key as the client certificate', async () => {
  const c = certsDir({ 'ca.crt': 'CA1', 'extra.crt': 'CA2', 'client.cert': 'CERT', 'client.key': 'KEY', 'README': 'ignored' });
  try {
    const tls = await readRegistryTls(c.dir, 'reg:5000');
    assert.deepEqual(tls.ca.map(String), ['CA1', 'CA2']);
    assert.equal(String(tls.client?.cert), 'CERT');
    assert.equal(String(tls.client?.key), 'KEY');
    assert.equal(tls.dir, join(c.dir, 'reg:5000'));
  } finally {
    c.done();
  }
});

test('readRegistryTls() refuses a certificate without its key and a key without its certificate, as dockerd does', async () => {
  const a = certsDir({ 'client.cert': 'CERT' });
  const b = certsDir({ 'client.key': 'KEY' });
  try {
    await assert.rejects(readRegistryTls(a.dir, 'reg:5000'), (e) => isInvalidArgument(e) && e.message === 'missing key client.key for client certificate client.cert. CA certificates must use the extension .crt');
    await assert.rejects(readRegistryTls(b.dir, 'reg:5000'), (e) => isInvalidArgument(e) && e.message === 'missing client certificate client.cert for key client.key');
  } finally {
    a.done();
    b.done();
  }
});

test('readRegistryTls() has nothing for a host without a directory, and the fingerprint tells material apart', async () => {
  const c = certsDir({ 'ca.crt': 'CA1' });
  try {
    const none = await readRegistryTls(c.dir, 'other:5000');
    assert.deepEqual(none.ca, []);
    assert.equal(none.client, undefined);
    assert.deepEqual((await readRegistryTls(undefined, 'reg:5000')).ca, []);
    const one = await readRegistryTls(c.dir, 'reg:5000');
    assert.notEqual(tlsFingerprint(one), tlsFingerprint(none));
    assert.equal(tlsFingerprint(one), tlsFingerprint(await readRegistryTls(c.dir, 'reg:5000')));
  } finally {
    c.done();
  }
});
