// A registry that wants a client certificate (mutual TLS: docker-registry's
// http.tls.clientcas), with certificates made by openssl in the test. berthd
// reads docker's certs.d layout beside its config file: `ca.crt` to trust the
// registry, `client.cert` + `client.key` to be trusted by it. Without the
// client certificate push and pull fail saying so (and berth does not fall
// back to plain http, which would only hide the reason); once it is put there
// they succeed without a restart, and skopeo, given the same directory, agrees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { makeClientCert, makePki, skopeo, startRegistry, type Registry, type TestPki } from './registry-support.ts';

describe('a registry that wants a client certificate', () => {
  let d: Daemon;
  let reg: Registry;
  let pki: TestPki;
  let home: string;
  let certs: string;

  before(async () => {
    pki = makePki();
    reg = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caPem, clientCa: pki.caPem } });
    home = mkdtempSync('/tmp/berth-mtls-');
    certs = join(home, 'etc', 'certs.d', reg.host);
    mkdirSync(certs, { recursive: true });
    writeFileSync(join(certs, 'ca.crt'), pki.caPem);
    writeFileSync(join(home, 'etc', 'daemon.json'), '{}\n');
    d = await startDaemon({ args: ['--config-file', join(home, 'etc', 'daemon.json')] });
    await ensureBusybox(d);
    await d.berth(['tag', 'busybox', `${reg.host}/mtls/bb:1`]);
  });

  after(async () => {
    await d?.stop();
    await reg?.stop();
    pki?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('without a client certificate push and pull fail, saying the registry may want one', { timeout: 60_000 }, async () => {
    const why = new RegExp(`remote error: tls: (bad certificate|certificate required); the registry may want a client certificate, and there is none in ${certs.replace(/\./g, '\\.')} \\(client\\.cert and client\\.key\\)`);
    const push = await d.berth(['push', `${reg.host}/mtls/bb:1`]);
    assert.equal(push.code, 1);
    assert.match(push.stderr, why);
    const pull = await d.berth(['pull', `${reg.host}/mtls/other:1`]);
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, why);
  });

  test('a certificate without its key is refused with docker\'s words', { timeout: 30_000 }, async () => {
    const c = makeClientCert(pki, 'client');
    writeFileSync(join(certs, 'client.cert'), c.cert);
    try {
      const r = await d.berth(['push', `${reg.host}/mtls/bb:1`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /missing key client\.key for client certificate client\.cert\. CA certificates must use the extension \.crt/);
    } finally {
      rmSync(join(certs, 'client.cert'));
    }
  });

  test('with client.cert and client.key, push, rmi and pull round-trip, and skopeo agrees', { timeout: 90_000 }, async () => {
    const c = makeClientCert(pki, 'client');
    writeFileSync(join(certs, 'client.cert'), c.cert);
    writeFileSync(join(certs, 'client.key'), c.key);
    const push = await d.berth(['push', `${reg.host}/mtls/bb:1`]);
    assert.equal(push.code, 0, push.stderr);
    const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    assert.equal((await d.berth(['rmi', `${reg.host}/mtls/bb:1`])).code, 0);
    const pull = await d.berth(['pull', `${reg.host}/mtls/bb:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const inspected = skopeo(['inspect', '--cert-dir', certs, `docker://${reg.host}/mtls/bb:1`]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal((JSON.parse(inspected.stdout) as { Digest: string }).Digest, digest);
  });
});
