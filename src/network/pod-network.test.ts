import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from '../lib/logger.ts';
import { CniPodNetworks } from './pod-network.ts';

test('ready() names the first usable configuration of the conf dir by file name, as libcni orders them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-podnet-'));
  try {
    const nets = new CniPodNetworks({ stateDir: join(dir, 'state'), confDir: join(dir, 'net.d'), log });
    const none = await nets.ready();
    assert.equal(none.ready, false);
    assert.match(none.ready ? '' : none.reason, /no network config found in .*net\.d: cni plugin not initialized/);
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'net.d')));
    await writeFile(join(dir, 'net.d', '05-broken.conflist'), '{ not json');
    await writeFile(join(dir, 'net.d', '07-empty.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'empty', plugins: [] }));
    await writeFile(join(dir, 'net.d', '20-b.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'second', plugins: [{ type: 'bridge' }] }));
    await writeFile(join(dir, 'net.d', '10-a.conf'), JSON.stringify({ cniVersion: '0.4.0', name: 'single', type: 'bridge' }));
    await writeFile(join(dir, 'net.d', '00-notes.txt'), 'not a configuration');
    assert.deepEqual(await nets.ready(), { ready: true, network: 'single' });
    assert.equal(await nets.status('nothing-set-up'), undefined);
    await nets.tearDown('nothing-set-up'); // nothing set up: no error
    await assert.rejects(nets.status('../escape'), /invalid pod id/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
