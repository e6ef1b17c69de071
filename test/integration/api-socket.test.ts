// The API socket is never open wider than 0660, not even while berthd starts:
// a user outside the socket's group who tries to connect from the moment the
// socket appears (inotify on its directory, and a tight loop) never gets in
// nor sees it with wider permissions than rw-rw----,
// even when berthd runs under umask 000. And `--group` picks the socket's group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthdBundle } from './harness.ts';
import { mountsUnder, unmountUnder, waitForPing } from './acceptance-support.ts';

/** Runs as `nobody`: connects to the socket whenever its directory changes and in a loop, for `ms`; prints how often it got in. */
const probe = `
const net = require('node:net'), fs = require('node:fs'), path = require('node:path');
const [sock, ms] = [process.argv[1], Number(process.argv[2])];
let attempts = 0, connected = 0, refused = {}, widest = 0;
const look = () => { try { widest |= fs.statSync(sock).mode & 0o777; } catch {} };
const tryOnce = () => new Promise((resolve) => {
  attempts++;
  look();
  const c = net.connect(sock);
  c.on('connect', () => { connected++; c.destroy(); resolve(); });
  c.on('error', (e) => { refused[e.code] = (refused[e.code] || 0) + 1; resolve(); });
});
fs.watch(path.dirname(sock), () => { look(); void tryOnce(); });
const end = Date.now() + ms;
(async () => {
  while (Date.now() < end) await tryOnce();
  console.log(JSON.stringify({ attempts, connected, refused, widest: widest.toString(8) }));
  process.exit(0);
})();
`;

/** A directory anyone may enter, for the socket (mkdtemp's are 0700). */
function publicDir(root: string): string {
  const pub = join(root, 'pub');
  mkdirSync(pub, { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(pub, 0o755);
  return pub;
}

async function startBerthd(root: string, args: readonly string[]) {
  const pub = publicDir(root);
  const socket = join(pub, 'berth.sock');
  const tag = randomBytes(3);
  const bridge = `bs${tag.toString('hex')}`;
  // berthd under umask 000: with listen-then-chmod, the socket would be 0777 for a moment.
  const child = spawn('sh', ['-c', `umask 000; exec "$0" "$@"`, process.execPath, berthdBundle, '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--host', `unix://${socket}`, '--bridge', bridge, '--bip', `10.${200 + (tag[0]! % 50)}.${tag[1]!}.1/24`, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { log = (log + s).slice(-8000); });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    }
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  };
  return { socket, child, stop, log: () => log };
}

test('a user outside the socket\'s group never connects, from the socket\'s first moment on (berthd under umask 000)', { timeout: 120_000 }, async () => {
  const root = mkdtempSync('/tmp/berth-test-sock-');
  try {
    publicDir(root);
    const nobody = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe, join(root, 'pub', 'berth.sock'), '6000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    nobody.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const probeDone = new Promise<void>((r) => nobody.once('exit', () => r()));
    // Let the probe start watching before berthd makes the directory's socket.
    await new Promise((r) => setTimeout(r, 300));
    const d = await startBerthd(root, []);
    try {
      await waitForPing(d.socket, 30_000, d.child).catch((err: unknown) => { throw new Error(`${(err as Error).message}: ${d.log()}`); });
      await probeDone;
      const r = JSON.parse(out) as { attempts: number; connected: number; refused: Record<string, number>; widest: string };
      console.log(`probe as nobody: ${JSON.stringify(r)}`);
      assert.ok(r.attempts > 100, `the probe tried ${r.attempts} times`);
      assert.ok((r.refused['EACCES'] ?? 0) > 0, 'the probe saw the socket and was refused');
      assert.equal(r.connected, 0);
      assert.equal(r.widest, '660', 'the socket was never seen with more than rw-rw----');
      const st = statSync(d.socket);
      assert.equal(st.mode & 0o777, 0o660);
      const docker = /^docker:[^:]*:(\d+):/m.exec(spawnSync('getent', ['group', 'docker'], { encoding: 'utf8' }).stdout)?.[1];
      assert.equal(st.gid, docker !== undefined ? Number(docker) : 0, 'the default group is docker if it exists, else root');
    } finally {
      await d.stop();
    }
  } finally {
    const left = mountsUnder(root);
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(left, []);
  }
});

test('--group and daemon.json "group" choose the socket\'s group; an unknown group stops berthd', { timeout: 120_000 }, async () => {
  const root = mkdtempSync('/tmp/berth-test-sock-');
  try {
    const d = await startBerthd(root, ['-G', '4242']);
    try {
      await waitForPing(d.socket, 30_000, d.child);
      assert.equal(statSync(d.socket).gid, 4242);
    } finally {
      await d.stop();
    }
    writeFileSync(join(root, 'daemon.json'), JSON.stringify({ group: 'no-such-group-here' }));
    const bad = await startBerthd(root, ['--config-file', join(root, 'daemon.json')]);
    try {
      await assert.rejects(waitForPing(bad.socket, 30_000, bad.child));
      assert.match(bad.log(), /group no-such-group-here not found/);
    } finally {
      await bad.stop();
    }
  } finally {
    const left = mountsUnder(root);
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
    assert.deepEqual(left, []);
  }
});
