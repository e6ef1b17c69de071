// Image endpoints of berthd over plain HTTP: import with --change, list with
// filters, inspect, history, tag, save → load round trip keeping the image id,
// and delete records.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let imageId: string;

before(async () => {
  d = await startDaemon();
  imageId = await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

test('an imported image carries the changes as its config', { timeout: 60_000 }, async () => {
  const r = await d.json<{ Id: string; RepoTags: string[]; Config: { Cmd: string[] }; RootFS: { Layers: string[] } }>('GET', '/images/busybox/json');
  assert.equal(r.status, 200);
  assert.equal(r.body.Id, imageId);
  assert.deepEqual(r.body.RepoTags, ['busybox:latest']);
  assert.deepEqual(r.body.Config.Cmd, ['sh']);
  assert.equal(r.body.RootFS.Layers.length, 1);
});

test('tagging adds a reference that the reference filter finds', { timeout: 60_000 }, async () => {
  assert.equal((await d.request('POST', '/images/busybox/tag?repo=example.com/tools/bb&tag=v1')).status, 201);
  const q = encodeURIComponent(JSON.stringify({ reference: ['example.com/tools/*'] }));
  const list = await d.json<{ RepoTags: string[] }[]>('GET', `/images/json?filters=${q}`);
  assert.equal(list.body.length, 1);
  // As dockerd: the filter also narrows RepoTags to the matching references (test/clients/dockerode-images).
  assert.deepEqual(list.body[0]?.RepoTags, ['example.com/tools/bb:v1']);
  const untag = await d.json<{ Untagged: string }[]>('DELETE', '/images/example.com/tools/bb:v1');
  assert.deepEqual(untag.body, [{ Untagged: 'example.com/tools/bb:v1' }]);
});

test('history has an entry for the imported layer', { timeout: 60_000 }, async () => {
  const r = await d.json<{ Id: string; Size: number }[]>('GET', '/images/busybox/history');
  assert.equal(r.status, 200);
  assert.ok(r.body.length >= 1);
  assert.equal(r.body[0]?.Id, imageId);
});

test('save then load round-trips the image with the same id', { timeout: 60_000 }, async () => {
  const saved = await d.request('GET', '/images/get?names=busybox');
  assert.equal(saved.status, 200);
  assert.equal(saved.headers['content-type'], 'application/x-tar');
  const del = await d.json<Record<string, string>[]>('DELETE', '/images/busybox');
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(del.body[0], { Untagged: 'busybox:latest' });
  assert.ok(del.body.some((r) => r['Deleted'] === imageId));
  const load = await d.request('POST', '/images/load', saved.body, { 'Content-Type': 'application/x-tar' });
  assert.equal(load.status, 200);
  assert.match(load.body.toString(), /"stream":"Loaded image: busybox:latest\\n"/);
  const again = await d.json<{ Id: string }>('GET', '/images/busybox/json');
  assert.equal(again.body.Id, imageId);
});

test('a missing image is a 404 with docker\'s text', { timeout: 60_000 }, async () => {
  const r = await d.json<{ message: string }>('GET', '/images/nosuch/json');
  assert.equal(r.status, 404);
  assert.match(r.body.message, /No such image: nosuch/);
});
