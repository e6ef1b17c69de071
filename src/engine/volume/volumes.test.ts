import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConflict, isInvalidArgument, isNotFound } from '../../core/errors.ts';
import { log } from '../../lib/logger.ts';
import { anonymousLabel, LocalVolumeStore } from '../../volume/index.ts';
import { LocalVolumeService } from './volumes.ts';

async function withService(fn: (svc: LocalVolumeService, users: Map<string, string[]>, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'berth-volumes-'));
  try {
    const store = await LocalVolumeStore.open(root);
    const users = new Map<string, string[]>();
    const svc = new LocalVolumeService({ store, usersOf: (n) => users.get(n) ?? [], log });
    await fn(svc, users, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('create() is idempotent by name and volumes survive reopening the store', async () => {
  await withService(async (svc, _users, root) => {
    const a = await svc.create({ name: 'data', labels: { x: '1' } });
    const b = await svc.create({ name: 'data' });
    assert.deepEqual(b, a);
    assert.equal(a.mountpoint, join(root, 'volumes', 'data', '_data'));
    const reopened = await LocalVolumeStore.open(root);
    assert.deepEqual(reopened.get('data'), a);
  });
});

test('create() refuses bad names, drivers and options with docker texts', async () => {
  await withService(async (svc, _users, root) => {
    await assert.rejects(svc.create({ name: 'a/b' }), (e: unknown) => isInvalidArgument(e) && /includes invalid characters for a local volume name/.test(e.message));
    // Longer than a file name may be: dockerd's text, as a 400 (dockerd: 500).
    const long = 'x'.repeat(256);
    await assert.rejects(svc.create({ name: long }), (e: unknown) => isInvalidArgument(e) && e.message === `create ${long}: error while creating volume root path '${join(root, 'volumes', long)}': mkdir ${join(root, 'volumes', long)}: file name too long`);
    assert.equal((await svc.create({ name: 'y'.repeat(255) })).name, 'y'.repeat(255));
    await assert.rejects(svc.create({ name: 'nn', driver: 'nfs' }), /create nn: error looking up volume plugin nfs: plugin "nfs" not found/);
    await assert.rejects(svc.create({ name: 'nn', driverOptions: { type: 'tmpfs' } }), /create nn: missing required option: "device"/);
  });
});

test('remove() refuses a volume in use and force ignores a missing one', async () => {
  await withService(async (svc, users) => {
    await svc.create({ name: 'used' });
    users.set('used', ['c1']);
    await assert.rejects(svc.remove('used'), (e: unknown) => isConflict(e) && e.message === 'remove used: volume is in use - [c1]');
    await assert.rejects(svc.remove('gone'), (e: unknown) => isNotFound(e) && e.message === 'get gone: no such volume');
    await svc.remove('gone', { force: true });
  });
});

test('prune() takes unused anonymous volumes, all unused ones with all=true, and honours label filters', async () => {
  await withService(async (svc, users) => {
    const anon = await svc.create({ name: 'a'.repeat(64), labels: { [anonymousLabel]: '' } });
    await writeFile(join(anon.mountpoint, 'f'), 'hello');
    await svc.create({ name: 'named', labels: { keep: 'yes' } });
    await svc.create({ name: 'busy' });
    users.set('busy', ['c1']);
    assert.deepEqual(await svc.prune(), { deleted: ['a'.repeat(64)], spaceReclaimed: 5 });
    assert.deepEqual((await svc.prune({ filters: { all: ['true'], 'label!': ['keep=yes'] } })).deleted, []);
    assert.deepEqual((await svc.prune({ filters: { all: ['true'] } })).deleted, ['named']);
    assert.deepEqual((await svc.list()).map((v) => v.name), ['busy']);
  });
});
