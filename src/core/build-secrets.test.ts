// Unit tests of the --secret / --ssh header encoding between berth's CLI and berthd.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSecretsHeader, buildSshHeader, encodeBuildSecrets, encodeBuildSsh, maxSecretBytes } from './build-secrets.ts';

describe('build secrets transport', () => {
  it('round-trips secret values, binary ones included', () => {
    const secrets = new Map([['tok', Buffer.from('s3cr3t\n')], ['bin', Buffer.from([0, 255, 10, 13])]]);
    const back = buildSecretsHeader(encodeBuildSecrets(secrets));
    assert.deepEqual([...back.keys()], ['tok', 'bin']);
    assert.deepEqual(back.get('bin'), Buffer.from([0, 255, 10, 13]));
    assert.equal(back.get('tok')?.toString(), 's3cr3t\n');
  });

  it('reads an absent header as no secrets and refuses a malformed one', () => {
    assert.equal(buildSecretsHeader(undefined).size, 0);
    assert.throws(() => buildSecretsHeader('bm90IGpzb24='), /invalid build secrets header/);
    assert.throws(() => buildSecretsHeader(Buffer.from('{"a":1}').toString('base64')), /invalid build secrets header/);
  });

  it('refuses secrets larger than the header can carry', () => {
    assert.throws(() => encodeBuildSecrets(new Map([['big', Buffer.alloc(maxSecretBytes + 1)]])), /too large/);
  });

  it('round-trips ssh agent sockets and accepts only absolute paths', () => {
    assert.deepEqual([...buildSshHeader(encodeBuildSsh(new Map([['default', '/tmp/a.sock']])))], [['default', '/tmp/a.sock']]);
    assert.throws(() => buildSshHeader(encodeBuildSsh(new Map([['default', 'rel.sock']]))), /invalid build ssh header/);
  });
});
