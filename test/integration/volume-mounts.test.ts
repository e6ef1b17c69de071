// Bind mounts, named and anonymous volumes, copy-up, --mount, --tmpfs and
// --volumes-from through a private berthd and the berth CLI; each test checks
// that no mount is left on the host once its containers are removed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, copyFileSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin, mountsUnder, type RunResult } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let work: string;

/** Runs the berth CLI in `cwd` (the harness's runner has no cwd option). */
function berthIn(cwd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(berthBin, args, { cwd, env: { ...d.env, BERTH_NO_AUTOSTART: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The CLI in the work dir; containers get `--network none` so that these tests do not depend on networking. */
const berth = (args: readonly string[]) =>
  berthIn(work, args[0] === 'run' || args[0] === 'create' ? [args[0], '--network', 'none', ...args.slice(1)] : args);

/** An image with /data/hello owned by 1000:1000 (dir mode 0750) and `VOLUME /data`. */
async function importDataImage(): Promise<void> {
  const root = mkdtempSync(join(work, 'img-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const t of ['sh', 'cat', 'ls', 'stat', 'echo', 'touch', 'grep', 'true']) symlinkSync('busybox', join(root, 'bin', t));
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'hello'), 'from the image\n');
  chownSync(join(root, 'data', 'hello'), 1000, 1000);
  chownSync(join(root, 'data'), 1000, 1000);
  chmodSync(join(root, 'data'), 0o750);
  const tar = spawnSync('tar', ['-C', root, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  assert.equal(tar.status, 0, tar.stderr.toString());
  const q = new URLSearchParams({ fromSrc: '-', repo: 'dataimg', tag: 'latest' });
  q.append('changes', 'VOLUME /data');
  q.append('changes', 'CMD ["sh"]');
  const r = await d.request('POST', `/images/create?${q}`, tar.stdout, { 'Content-Type': 'application/x-tar' });
  assert.equal(r.status, 200, r.body.toString());
  assert.ok(!r.body.toString().includes('"error"'), r.body.toString());
  rmSync(root, { recursive: true, force: true });
}

function volumeMountsOnHost(): string[] {
  return mountsUnder(join(d.dataRoot, 'volumes'));
}

before(async () => {
  d = await startDaemon();
  work = mkdtempSync('/tmp/berth-volume-work-');
  await ensureBusybox(d);
  await importDataImage();
});

after(async () => {
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('bind mounts', () => {
  test('berth run -v ./out:/out leaves ./out/f on the host', async () => {
    const r = await berth(['run', '--rm', '-v', './out:/out', 'busybox', 'sh', '-c', 'echo hi > /out/f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(work, 'out', 'f'), 'utf8'), 'hi\n');
  });

  test('-v . mounts the working directory and inspect shows the absolute source', async () => {
    writeFileSync(join(work, 'marker'), 'here\n');
    const r = await berth(['run', '--name', 'dot', '-v', '.:/w:ro', 'busybox', 'cat', '/w/marker']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'here\n');
    const i = await d.json<{ Mounts: { Type: string; Source: string; Destination: string; Mode: string; RW: boolean; Propagation: string }[] }>('GET', '/containers/dot/json');
    assert.deepEqual(i.body.Mounts, [{ Type: 'bind', Source: work, Destination: '/w', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
    assert.equal((await berth(['rm', 'dot'])).code, 0);
  });

  test('a read-only bind refuses writes and a missing host path is created', async () => {
    const missing = join(work, 'made', 'by', 'run');
    const r = await berth(['run', '--rm', '-v', `${missing}:/x:ro`, 'busybox', 'sh', '-c', 'touch /x/f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);
    assert.ok(statSync(missing).isDirectory());
  });

  test('a relative path sent through the API is a volume name docker refuses', async () => {
    const r = await d.json<{ message: string }>('POST', '/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Binds: ['./nb:/x'] } });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /"\.\/nb" includes invalid characters for a local volume name/);
    const t = await d.json<{ message: string }>('POST', '/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Binds: ['/tmp:x'] } });
    assert.equal(t.status, 400);
    assert.equal(t.body.message, `invalid volume specification: '/tmp:x': invalid mount config for type "bind": invalid mount path: 'x' mount path must be absolute`);
  });

  test('--mount type=bind with a missing source fails as docker does', async () => {
    const r = await berth(['run', '--rm', '--mount', `type=bind,source=${join(work, 'nope')},target=/x`, 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /invalid mount config for type "bind": bind source path does not exist/);
  });
});

describe('named volumes', () => {
  test('volume create, ls, inspect and rm behave as docker', async () => {
    let r = await berth(['volume', 'create', '--label', 'team=a', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v1\n');
    r = await berth(['volume', 'ls']);
    assert.match(r.stdout, /^DRIVER\s+VOLUME NAME\nlocal\s+v1\n/);
    r = await berth(['volume', 'ls', '-q', '--filter', 'label=team=b']);
    assert.equal(r.stdout, '');
    const i = await d.json<Record<string, unknown>>('GET', '/volumes/v1');
    assert.equal(i.status, 200);
    assert.equal(i.body['Mountpoint'], join(d.dataRoot, 'volumes', 'v1', '_data'));
    assert.equal(i.body['Scope'], 'local');
    assert.equal(i.body['Driver'], 'local');
    assert.deepEqual(i.body['Labels'], { team: 'a' });
    assert.match(String(i.body['CreatedAt']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    r = await berth(['volume', 'rm', 'v1']);
    assert.equal(r.stdout, 'v1\n');
    r = await berth(['volume', 'inspect', 'v1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: get v1: no such volume/);
  });

  test('-v name:/path creates the volume on first use; data outlives the container; rm while in use is 409', async () => {
    let r = await berth(['run', '--name', 'w1', '-v', 'keep:/k', 'busybox', 'sh', '-c', 'echo kept > /k/f']);
    assert.equal(r.code, 0, r.stderr);
    r = await berth(['volume', 'rm', 'keep']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /remove keep: volume is in use - \[[0-9a-f]{64}\]/);
    assert.equal((await berth(['rm', '-v', 'w1'])).code, 0);
    r = await berth(['run', '--rm', '-v', 'keep:/k:ro', 'busybox', 'cat', '/k/f']);
    assert.equal(r.stdout, 'kept\n');
    assert.equal((await berth(['volume', 'rm', 'keep'])).code, 0);
  });

  test('an empty named volume receives the image content with its owner and mode', async () => {
    const r = await berth(['run', '--rm', '-v', 'cu:/data', 'dataimg', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(d.dataRoot, 'volumes', 'cu', '_data');
    assert.equal(readFileSync(join(dir, 'hello'), 'utf8'), 'from the image\n');
    const st = statSync(join(dir, 'hello'));
    assert.equal(st.uid, 1000);
    const top = statSync(dir);
    assert.equal(top.uid, 1000);
    assert.equal(top.mode & 0o7777, 0o750);
    // nocopy leaves a new volume empty
    assert.equal((await berth(['run', '--rm', '-v', 'nc:/data:nocopy', 'dataimg', 'true'])).code, 0);
    assert.equal(existsSync(join(d.dataRoot, 'volumes', 'nc', '_data', 'hello')), false);
    assert.equal((await berth(['volume', 'rm', 'cu', 'nc'])).code, 0);
  });

  test("the image's VOLUME becomes an anonymous volume that rm -v removes", async () => {
    let r = await berth(['run', '--name', 'anon', 'dataimg', 'cat', '/data/hello']);
    assert.equal(r.stdout, 'from the image\n');
    const i = await d.json<{ Mounts: { Type: string; Name: string; Destination: string; Mode: string }[] }>('GET', '/containers/anon/json');
    const m = i.body.Mounts[0];
    assert.equal(m?.Type, 'volume');
    assert.equal(m?.Destination, '/data');
    assert.match(m?.Name ?? '', /^[0-9a-f]{64}$/);
    const v = await d.json<{ Labels: Record<string, string> }>('GET', `/volumes/${m?.Name}`);
    assert.deepEqual(v.body.Labels, { 'com.docker.volume.anonymous': '' });
    r = await berth(['rm', '-v', 'anon']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.request('GET', `/volumes/${m?.Name}`)).status, 404);
  });

  test('run --rm removes the anonymous volume of -v /path', async () => {
    const before = (await d.json<{ Volumes: unknown[] }>('GET', '/volumes')).body.Volumes.length;
    const r = await berth(['run', '--rm', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo x > /scratch/x']);
    assert.equal(r.code, 0, r.stderr);
    const afterCount = (await d.json<{ Volumes: unknown[] }>('GET', '/volumes')).body.Volumes.length;
    assert.equal(afterCount, before);
  });

  test('a tmpfs volume (local driver options) is mounted while used and unmounted after rm', async () => {
    let r = await berth(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'tv']);
    assert.equal(r.code, 0, r.stderr);
    r = await berth(['run', '-d', '--name', 'tvuser', '-v', 'tv:/t', 'busybox', 'sleep', '30']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(volumeMountsOnHost().length, 1);
    assert.equal((await berth(['rm', '-f', 'tvuser'])).code, 0);
    assert.deepEqual(volumeMountsOnHost(), []);
    const i = await d.json<{ Options: Record<string, string> }>('GET', '/volumes/tv');
    assert.deepEqual(i.body.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' });
    assert.equal((await berth(['volume', 'rm', 'tv'])).code, 0);
  });

  test('a volume with bind options (type=none,o=bind,device=…) shows that directory', async () => {
    const dev = join(work, 'bindvol');
    mkdirSync(dev, { recursive: true });
    writeFileSync(join(dev, 'in'), 'bound\n');
    assert.equal((await berth(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${dev}`, 'bv'])).code, 0);
    const r = await berth(['run', '--rm', '-v', 'bv:/b', 'busybox', 'cat', '/b/in']);
    assert.equal(r.stdout, 'bound\n', r.stderr);
    assert.deepEqual(volumeMountsOnHost(), []);
    assert.equal((await berth(['volume', 'rm', 'bv'])).code, 0);
    assert.equal(readFileSync(join(dev, 'in'), 'utf8'), 'bound\n');
  });

  test('a mounted tmpfs volume stays mounted for its running user across a berthd restart', async () => {
    assert.equal((await berth(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'rv'])).code, 0);
    assert.equal((await berth(['run', '-d', '--name', 'rvuser', '-v', 'rv:/t', 'busybox', 'sleep', '60'])).code, 0);
    await d.kill('SIGTERM');
    await d.restart();
    assert.equal(volumeMountsOnHost().length, 1);
    assert.equal((await berth(['rm', '-f', 'rvuser'])).code, 0);
    assert.deepEqual(volumeMountsOnHost(), []);
    assert.equal((await berth(['volume', 'rm', 'rv'])).code, 0);
  });

  test('volume prune removes unused anonymous volumes, and named ones only with --all', async () => {
    assert.equal((await berth(['volume', 'create', 'named1'])).code, 0);
    assert.equal((await berth(['create', '--name', 'holder', 'dataimg'])).code, 0);
    assert.equal((await berth(['rm', 'holder'])).code, 0);
    let r = await berth(['volume', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    assert.equal((await d.request('GET', '/volumes/named1')).status, 200);
    r = await berth(['volume', 'prune', '-f', '--all']);
    assert.match(r.stdout, /named1/);
    assert.equal((await d.request('GET', '/volumes/named1')).status, 404);
  });
});

describe('--mount, --tmpfs and --volumes-from', () => {
  test('--mount type=volume and type=tmpfs with options reach the container', async () => {
    const r = await berth([
      'run', '--rm',
      '--mount', 'type=volume,source=mv,target=/m,volume-label=x=y',
      '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770',
      '--tmpfs', '/t2:size=512k',
      'busybox', 'sh', '-c', 'grep -E " /(t|t2) " /proc/mounts; echo ok > /m/f',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770/);
    assert.match(r.stdout, /tmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=512k/);
    const v = await d.json<{ Labels: Record<string, string> }>('GET', '/volumes/mv');
    assert.deepEqual(v.body.Labels, { x: 'y' });
    assert.equal((await berth(['volume', 'rm', 'mv'])).code, 0);
  });

  test('--volumes-from shares the volumes and binds of another container, read-only with :ro', async () => {
    const host = join(work, 'shared');
    mkdirSync(host, { recursive: true });
    assert.equal((await berth(['create', '--name', 'src', '-v', 'vf:/vf', '-v', `${host}:/h`, 'busybox'])).code, 0);
    let r = await berth(['run', '--rm', '--volumes-from', 'src', 'busybox', 'sh', '-c', 'echo a > /vf/a && echo b > /h/b']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(host, 'b'), 'utf8'), 'b\n');
    r = await berth(['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'sh', '-c', 'cat /vf/a; touch /vf/z']);
    assert.equal(r.stdout, 'a\n');
    assert.match(r.stderr, /Read-only file system/);
    assert.equal((await berth(['rm', '-v', 'src'])).code, 0);
    // a named volume survives rm -v
    assert.equal((await d.request('GET', '/volumes/vf')).status, 200);
    assert.equal((await berth(['volume', 'rm', 'vf'])).code, 0);
  });
});

describe('the /volumes API and system df', () => {
  test('list filters by name, label, driver and dangling; bad filters are 400', async () => {
    await d.json('POST', '/volumes/create', { Name: 'fa', Labels: { tier: 'db' } });
    await d.json('POST', '/volumes/create', { Name: 'fb' });
    assert.equal((await berth(['create', '--name', 'fuser', '-v', 'fb:/x', 'busybox'])).code, 0);
    const names = async (filters: Record<string, string[]>) =>
      (await d.json<{ Volumes: { Name: string }[] }>('GET', `/volumes?filters=${encodeURIComponent(JSON.stringify(filters))}`)).body.Volumes.map((v) => v.Name).filter((n) => n.startsWith('f'));
    assert.deepEqual(await names({ name: ['fa'] }), ['fa']);
    assert.deepEqual(await names({ label: ['tier=db'] }), ['fa']);
    assert.deepEqual(await names({ label: ['tier'] }), ['fa']);
    assert.deepEqual(await names({ driver: ['local'], name: ['f'] }), ['fa', 'fb']);
    assert.deepEqual(await names({ dangling: ['true'] }), ['fa']);
    assert.deepEqual(await names({ dangling: ['false'] }), ['fb']);
    const bad = await d.json<{ message: string }>('GET', `/volumes?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, "invalid filter 'bogus'");
    const again = await d.json<{ Name: string }>('POST', '/volumes/create', { Name: 'fa' });
    assert.equal(again.status, 201);
    const badName = await d.json<{ message: string }>('POST', '/volumes/create', { Name: 'a/b' });
    assert.equal(badName.status, 400);
    const badOpt = await d.json<{ message: string }>('POST', '/volumes/create', { Name: 'x1', DriverOpts: { foo: 'bar' } });
    assert.equal(badOpt.body.message, 'create x1: invalid option: "foo"');
    assert.equal((await d.request('DELETE', '/volumes/fb')).status, 409);
    assert.equal((await d.request('DELETE', '/volumes/nosuch?force=1')).status, 204);
    assert.equal((await d.request('DELETE', '/volumes/nosuch')).status, 404);
    assert.equal((await berth(['rm', 'fuser'])).code, 0);
    assert.equal((await d.request('DELETE', '/volumes/fa')).status, 204);
    assert.equal((await d.request('DELETE', '/volumes/fb')).status, 204);
  });

  test('prune through API versions before 1.42 also takes named volumes', async () => {
    await d.json('POST', '/volumes/create', { Name: 'oldapi' });
    const r = await d.json<{ VolumesDeleted: string[] }>('POST', '/v1.41/volumes/prune');
    assert.equal(r.status, 200);
    assert.ok(r.body.VolumesDeleted.includes('oldapi'));
  });

  test('a volume created without a name through API 1.42+ is anonymous (labelled, pruned without all=true), through 1.41 unlabelled', async () => {
    const made = await d.json<{ Name: string; Labels: Record<string, string> | null }>('POST', '/v1.45/volumes/create', { Labels: { k: 'v' } });
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.Labels, { k: 'v', 'com.docker.volume.anonymous': '' });
    const old = await d.json<{ Name: string; Labels: Record<string, string> | null }>('POST', '/v1.41/volumes/create', {});
    assert.equal(old.body.Labels, null);
    await d.json('POST', '/volumes/create', { Name: 'keptnamed' });
    const r = await d.json<{ VolumesDeleted: string[] }>('POST', '/v1.45/volumes/prune');
    assert.ok(r.body.VolumesDeleted.includes(made.body.Name), JSON.stringify(r.body));
    assert.ok(!r.body.VolumesDeleted.includes(old.body.Name));
    assert.ok(!r.body.VolumesDeleted.includes('keptnamed'));
    assert.equal((await d.request('DELETE', `/volumes/${old.body.Name}`)).status, 204);
    assert.equal((await d.request('DELETE', '/volumes/keptnamed')).status, 204);
  });

  test('system df counts volumes, their size and their users', async () => {
    assert.equal((await berth(['run', '--name', 'dfuser', '-v', 'dfv:/d', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /d/z'])).code, 0);
    const df = await d.json<{ Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[] }>('GET', '/system/df?type=volume');
    assert.equal(df.status, 200);
    const v = df.body.Volumes.find((x) => x.Name === 'dfv');
    assert.deepEqual(v?.UsageData, { Size: 3000, RefCount: 1 });
    const r = await berth(['system', 'df']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\n/);
    assert.match(r.stdout, /\nLocal Volumes\s+\d+\s+\d+\s+\S+\s+\S+/);
    assert.equal((await berth(['rm', '-v', 'dfuser'])).code, 0);
    assert.equal((await berth(['volume', 'rm', 'dfv'])).code, 0);
  });
});

describe('the docker CLI against berthd', () => {
  test('docker run -v ./dout:/out, docker volume create/ls/inspect/rm work as with dockerd', async () => {
    const docker = (args: string[]) =>
      new Promise<RunResult>((resolve, reject) => {
        const child = spawn('docker', args, { cwd: work, env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    let r = await docker(['run', '--rm', '--network', 'none', '-v', './dout:/out', 'busybox', 'sh', '-c', 'echo hi > /out/f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(work, 'dout', 'f'), 'utf8'), 'hi\n');
    r = await docker(['volume', 'create', '--label', 'k=v', 'dk']);
    assert.equal(r.stdout, 'dk\n');
    r = await docker(['volume', 'ls', '--filter', 'name=dk']);
    assert.equal(r.stdout, 'DRIVER    VOLUME NAME\nlocal     dk\n');
    r = await docker(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}}', 'dk']);
    assert.equal(r.stdout, 'dk local local map[k:v]\n');
    r = await docker(['run', '--rm', '--network', 'none', '--mount', 'source=dk,target=/d', 'busybox', 'sh', '-c', 'echo x > /d/x']);
    assert.equal(r.code, 0, r.stderr);
    r = await docker(['volume', 'rm', 'dk']);
    assert.equal(r.stdout, 'dk\n');
  });
});
