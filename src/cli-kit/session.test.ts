// cli-kit/session: berth starts a berthd by itself only on its default socket
// (root, nothing answering, nobody chose an address); an address somebody chose
// that nothing listens on is docker's "Cannot connect" error, never a new daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitError, getClient, mayStartDaemon, setGlobalOptions } from './session.ts';

test('berthd is started only for the default socket, as root, with a berthd at hand and autostart allowed', () => {
  const facts = { isDefaultHost: true, uid: 0, env: {}, berthd: '/x/dist/berthd.mjs' };
  assert.equal(mayStartDaemon(facts), true);
  assert.equal(mayStartDaemon({ ...facts, isDefaultHost: false }), false, '-H, DOCKER_HOST or a context chose the address');
  assert.equal(mayStartDaemon({ ...facts, uid: 1000 }), false, 'not root');
  assert.equal(mayStartDaemon({ ...facts, uid: undefined }), false, 'no uid (not POSIX)');
  assert.equal(mayStartDaemon({ ...facts, berthd: undefined }), false, 'no berthd next to berth');
  assert.equal(mayStartDaemon({ ...facts, env: { BERTH_NO_AUTOSTART: '1' } }), false, 'BERTH_NO_AUTOSTART=1');
});

test('an explicit socket that nothing listens on fails with docker\'s message and starts nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-autostart-'));
  const marker = join(dir, 'berthd-was-started');
  // A stand-in berthd beside a stand-in berth: starting it only leaves a marker.
  writeFileSync(join(dir, 'berthd.mjs'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, process.argv.slice(2).join(' '));\n`);
  const argv1 = process.argv[1];
  const noAutostart = process.env['BERTH_NO_AUTOSTART'];
  process.argv[1] = join(dir, 'berth.cjs');
  delete process.env['BERTH_NO_AUTOSTART'];
  try {
    const socket = join(dir, 'nothing-listens.sock');
    setGlobalOptions({ host: `unix://${socket}` });
    const client = await getClient();
    assert.equal(client.isDefaultHost, false);
    await assert.rejects(client.ping(), (e: unknown) => {
      assert.ok(e instanceof ExitError);
      assert.equal(e.message, `Cannot connect to the Docker daemon at unix://${socket}. Is the docker daemon running?`);
      return true;
    });
    // The stand-in writes its marker at once when started; give a wrongly started one time to show.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(existsSync(marker), false, 'berth started a daemon for an explicit socket');
  } finally {
    process.argv[1] = argv1 as string;
    if (noAutostart !== undefined) process.env['BERTH_NO_AUTOSTART'] = noAutostart;
    rmSync(dir, { recursive: true, force: true });
  }
});
