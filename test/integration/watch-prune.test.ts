// Issue 3, Clean-up: `container prune`, `image prune [-a]` and `system prune`
// remove what docker would, with docker's prompts and report lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBusybox, useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

async function names(all = true): Promise<string[]> {
  const r = await d().berth(['ps', ...(all ? ['-a'] : []), '--format', '{{.Names}}']);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('the prune prompts are word for word the docker CLI\'s, and "n" keeps everything', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['create', '--name', 'keep1', 'busybox', 'true'])).code, 0);
  for (const args of [['container', 'prune'], ['image', 'prune'], ['image', 'prune', '-a'], ['system', 'prune'], ['system', 'prune', '-a', '--volumes']]) {
    const b = await d().berth(args, { input: 'n\n' });
    const k = await d().docker(args, { input: 'n\n' });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, k.stdout, args.join(' '));
  }
  assert.deepEqual(await names(), ['keep1']);
  await d().berth(['rm', 'keep1']);
});

test('container prune removes stopped containers only and reports them', { timeout: 60_000 }, async () => {
  const a = await d().berth(['create', '--name', 'pr1', 'busybox', 'true']);
  assert.equal((await d().berth(['run', '--name', 'pr2', '--label', 'x=1', 'busybox', 'true'])).code, 0);
  const b = await d().berth(['inspect', '--format', '{{.Id}}', 'pr2']);
  assert.equal((await d().berth(['run', '-d', '--name', 'pr3', 'busybox', 'sleep', '60'])).code, 0);
  try {
    // A label filter prunes only the labelled one.
    const f = await d().berth(['container', 'prune', '-f', '--filter', 'label=x=1']);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, new RegExp(`^Deleted Containers:\\n${b.stdout.trim()}\\n\\nTotal reclaimed space: \\S+B\\n$`));
    const r = await d().berth(['container', 'prune'], { input: 'y\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Deleted Containers:\\n${a.stdout.trim()}\\n\\nTotal reclaimed space: \\S+B\\n$`));
    assert.deepEqual(await names(), ['pr3']);
    const none = await d().berth(['container', 'prune', '-f']);
    assert.equal(none.stdout, 'Total reclaimed space: 0B\n');
  } finally {
    await d().berth(['rm', '-f', 'pr3']);
  }
});

test('image prune removes dangling images, and -a every image no container uses', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['tag', 'busybox', 'prune-a:1'])).code, 0);
  const c = await d().berth(['create', '--name', 'pruser', 'busybox', 'true']);
  assert.equal(c.code, 0, c.stderr);
  try {
    const dangling = await d().berth(['image', 'prune', '-f']);
    assert.equal(dangling.code, 0, dangling.stderr);
    assert.equal(dangling.stdout, 'Total reclaimed space: 0B\n');
    // busybox is used by pruser: as in docker, its extra tags go (busybox:latest, first in order), the last one stays.
    const all = await d().berth(['image', 'prune', '-a', '-f']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'Deleted Images:\nuntagged: busybox:latest\n\nTotal reclaimed space: 0B\n');
    assert.equal((await d().berth(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, 'prune-a:1\n');
    assert.equal((await d().berth(['rm', 'pruser'])).code, 0);
    const gone = await d().berth(['image', 'prune', '-a', '-f']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /^Deleted Images:\n(untagged: \S+\n)+(deleted: sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: [\d.]+[kM]?B\n$/);
    assert.match(gone.stdout, /untagged: prune-a:1\n/);
    const images = await d().berth(['images', '-q']);
    assert.equal(images.stdout, '');
  } finally {
    await d().berth(['rm', '-f', 'pruser']);
    await ensureBusybox(d());
  }
});

test('system prune removes stopped containers, unused networks and with --volumes anonymous volumes', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['create', '--name', 'sp1', '-v', '/data', 'busybox', 'true'])).code, 0);
  assert.equal((await d().berth(['network', 'create', 'spnet'])).code, 0);
  const r = await d().berth(['system', 'prune', '-f', '--volumes']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Networks:\nspnet\n\nDeleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+B\n$/);
  assert.deepEqual(await names(), []);
  // busybox is not dangling: plain system prune keeps it.
  assert.notEqual((await d().berth(['images', '-q'])).stdout, '');
});

test('the docker CLI prunes containers on berthd', { timeout: 60_000 }, async () => {
  const a = await d().berth(['create', '--name', 'dk1', 'busybox', 'true']);
  const r = await d().docker(['container', 'prune', '-f']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Deleted Containers:\\n${a.stdout.trim()}\\n\\nTotal reclaimed space: \\S+B\\n$`));
});

test('image prune without -a removes an image that lost its tag and keeps tagged ones', { timeout: 60_000 }, async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const dir = await mkdtemp(join(tmpdir(), 'berth-prune-'));
  try {
    await writeFile(join(dir, 'hello'), 'hi\n');
    execFileSync('tar', ['-cf', join(dir, 'x.tar'), '-C', dir, 'hello']);
    const first = await d().berth(['import', join(dir, 'x.tar'), 'dang:1']);
    assert.equal(first.code, 0, first.stderr);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await d().berth(['import', '--message', 'again', join(dir, 'x.tar'), 'dang:1']);
    assert.equal(second.code, 0, second.stderr);
    assert.notEqual(first.stdout.trim(), second.stdout.trim());
    const r = await d().berth(['image', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Deleted Images:\\ndeleted: ${first.stdout.trim()}\\n(deleted: sha256:[0-9a-f]{64}\\n)*\\nTotal reclaimed space: \\S+B\\n$`));
    assert.equal((await d().berth(['image', 'inspect', '--format', '{{.Id}}', 'dang:1'])).stdout.trim(), second.stdout.trim());
  } finally {
    await d().berth(['rmi', '-f', 'dang:1']);
    await rm(dir, { recursive: true, force: true });
  }
});
