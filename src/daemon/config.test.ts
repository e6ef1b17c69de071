import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';

test('flags override the config file, which overrides defaults', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-config-'));
  try {
    const file = join(dir, 'daemon.json');
    await writeFile(file, JSON.stringify({ 'data-root': '/d', 'exec-root': '/e', hosts: ['unix:///s.sock'], 'default-runtime': 'runc', 'log-level': 'debug' }));
    const a = await loadConfig(['--config-file', file, '--exec-root', '/x']);
    assert.ok('config' in a);
    assert.equal(a.config.dataRoot, '/d');
    assert.equal(a.config.execRoot, '/x');
    assert.deepEqual(a.config.hosts, ['/s.sock']);
    assert.equal(a.config.defaultRuntime, 'runc');
    assert.equal(a.config.logLevel, 'debug');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an explicitly named missing config file is an error', async () => {
  await assert.rejects(loadConfig(['--config-file', '/nonexistent/daemon.json']), /unable to configure/);
});

test('-H takes unix sockets and refuses tcp', async () => {
  const a = await loadConfig(['-H', 'unix:///tmp/b.sock', '--config-file', '/dev/null']).catch((e: unknown) => e);
  // /dev/null is not JSON: a clear error too.
  assert.ok(a instanceof Error);
  await assert.rejects(loadConfig(['-H', 'tcp://0.0.0.0:2375']), /unix sockets only/);
});

test('the CRI is off unless --cri or daemon.json "cri" turns it on; its socket moves with --cri-socket or "cri-socket"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-config-'));
  try {
    const none = join(dir, 'none.json');
    await writeFile(none, '{}');
    const off = await loadConfig(['--config-file', none]);
    assert.ok('config' in off);
    assert.equal(off.config.cri, undefined);
    const on = await loadConfig(['--config-file', none, '--cri']);
    assert.ok('config' in on);
    assert.deepEqual(on.config.cri, { socket: '/run/berth/cri.sock', cniConfDir: '/etc/cni/net.d', cniBinDir: '/usr/lib/cni' });
    const file = join(dir, 'daemon.json');
    await writeFile(file, JSON.stringify({ cri: true, 'cri-socket': 'unix:///tmp/x/cri.sock', 'cri-cni-conf-dir': '/tmp/x/net.d' }));
    const fromFile = await loadConfig(['--config-file', file]);
    assert.ok('config' in fromFile);
    assert.deepEqual(fromFile.config.cri, { socket: '/tmp/x/cri.sock', cniConfDir: '/tmp/x/net.d', cniBinDir: '/usr/lib/cni' });
    const flag = await loadConfig(['--config-file', file, '--cri-socket', 'unix:///tmp/y.sock']);
    assert.ok('config' in flag);
    assert.equal(flag.config.cri?.socket, '/tmp/y.sock');
    await writeFile(file, JSON.stringify({ cri: 'yes' }));
    await assert.rejects(loadConfig(['--config-file', file]), /"cri" must be true or false/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
