// Recursive read-only binds (Docker Engine 25, API 1.44) through a private
// berthd: a host directory with a tmpfs mounted inside it, bound read-only.
// At API 1.47 (`-v dir:/m:ro`) the submount is read-only too (EROFS) where the
// runtime and kernel make `rro`; `bind-recursive=writable`, `ro-non-recursive`
// and clients at API 1.41 (the docker CLI with DOCKER_API_VERSION) keep the
// old behaviour: the submount stays writable. The tmpfs is unmounted at the end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let work: string;
let dir: string;
let rroSupported = false;

function sh(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

before(async () => {
  work = mkdtempSync('/tmp/rro-submount-');
  dir = join(work, 'dir');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rro-test', join(dir, 'sub')]);
  d = await startDaemon();
  await ensureBusybox(d);
  // What runc/crun and this kernel can do decides what a plain `ro` becomes.
  const info = spawnSync('runc', ['features'], { encoding: 'utf8' });
  const kernel = (readFileSync('/proc/sys/kernel/osrelease', 'utf8').match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  rroSupported = info.status === 0 && info.stdout.includes('"rro"') && ((kernel[0] ?? 0) > 5 || ((kernel[0] ?? 0) === 5 && (kernel[1] ?? 0) >= 12));
});

after(async () => {
  await d?.stop();
  if (dir) spawnSync('umount', [join(dir, 'sub')]);
  if (work) rmSync(work, { recursive: true, force: true });
  const left = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' rro-test ') || (work && l.includes(work)));
  assert.deepEqual(left, [], 'the test tmpfs is still mounted');
});

/** Tries to write into the bind's top and into its submount; answers what the shell printed. */
async function writes(cli: 'berth' | 'docker', flags: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ top: string; sub: string }> {
  const script = 'touch /m/top 2>&1 && echo top-ok; touch /m/sub/file 2>&1 && echo sub-ok; true';
  const r = await d[cli](['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', script], { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const line = (what: string) => lines.find((l) => l.includes(what)) ?? '';
  rmSync(join(dir, 'sub', 'file'), { force: true });
  rmSync(join(dir, 'top'), { force: true });
  return { top: line('top'), sub: line('sub') };
}

test('-v dir:/m:ro at API 1.47: the submount is read-only too (rro) when the runtime and kernel can', async () => {
  const w = await writes('berth', ['-v', `${dir}:/m:ro`]);
  assert.match(w.top, /Read-only file system/);
  if (rroSupported) assert.match(w.sub, /Read-only file system/);
  else assert.equal(w.sub, 'sub-ok');
  const forced = await writes('berth', ['-v', `${dir}:/m:rro`]);
  if (rroSupported) assert.match(forced.sub, /Read-only file system/);
});

test('bind-recursive=writable and ro-non-recursive keep the submount writable; the top stays read-only', async () => {
  const w = await writes('berth', ['--mount', `type=bind,src=${dir},dst=/m,readonly,bind-recursive=writable`]);
  assert.match(w.top, /Read-only file system/);
  assert.equal(w.sub, 'sub-ok');
  const v = await writes('berth', ['-v', `${dir}:/m:ro-non-recursive`]);
  assert.match(v.top, /Read-only file system/);
  assert.equal(v.sub, 'sub-ok');
});

test('a client at API 1.41 (docker CLI, DOCKER_API_VERSION) gets the old non-recursive read-only bind', async () => {
  const w = await writes('docker', ['-v', `${dir}:/m:ro`], { DOCKER_API_VERSION: '1.41' });
  assert.match(w.top, /Read-only file system/);
  assert.equal(w.sub, 'sub-ok');
  // The same CLI at the engine's own version gets the recursive one.
  if (rroSupported) assert.match((await writes('docker', ['-v', `${dir}:/m:ro`])).sub, /Read-only file system/);
});

test('the API gates ReadOnlyForceRecursive by version and inspect shows BindOptions as given', async () => {
  const mount = { Type: 'bind', Source: dir, Target: '/m', ReadOnly: true, BindOptions: { ReadOnlyForceRecursive: true } };
  const old = await d.json<{ message: string }>('POST', '/v1.43/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Mounts: [mount] } });
  assert.equal(old.status, 400);
  assert.equal(old.body.message, 'BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer');
  const made = await d.json<{ Id: string }>('POST', '/v1.47/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Mounts: [mount] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  try {
    const c = await d.json<{ HostConfig: { Mounts: { BindOptions?: unknown }[] } }>('GET', `/v1.47/containers/${made.body.Id}/json`);
    assert.deepEqual(c.body.HostConfig.Mounts[0]?.BindOptions, { ReadOnlyForceRecursive: true });
    // At 1.41 a read-only Mount is non-recursive inside, yet shown as it was given.
    const plain = { Type: 'bind', Source: dir, Target: '/m', ReadOnly: true };
    const legacy = await d.json<{ Id: string }>('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Mounts: [plain] } });
    assert.equal(legacy.status, 201);
    const l = await d.json<{ HostConfig: { Mounts: { BindOptions?: unknown }[] } }>('GET', `/v1.41/containers/${legacy.body.Id}/json`);
    assert.equal(l.body.HostConfig.Mounts[0]?.BindOptions, undefined);
    await d.request('DELETE', `/containers/${legacy.body.Id}?force=1`);
    // Both asked: the start is refused, as dockerd refuses it.
    const both = await d.json<{ Id: string }>('POST', '/v1.47/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'none', Mounts: [{ ...mount, BindOptions: { ReadOnlyForceRecursive: true, ReadOnlyNonRecursive: true } }] } });
    assert.equal(both.status, 201);
    const start = await d.json<{ message: string }>('POST', `/v1.47/containers/${both.body.Id}/start`);
    assert.notEqual(start.status, 204);
    assert.match(start.body.message, /mount options conflict: ReadOnlyNonRecursive && BindOptions.ReadOnlyForceRecursive/);
    await d.request('DELETE', `/containers/${both.body.Id}?force=1`);
  } finally {
    await d.request('DELETE', `/containers/${made.body.Id}?force=1`);
  }
});
