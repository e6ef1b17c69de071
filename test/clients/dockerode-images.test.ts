// Images through dockerode (newest from npm), as its own test/image.js and
// test/docker.js drive them: listImages with filters, getImage().inspect,
// history, tag, remove and get (a save tarball), getImages (a multi-image
// save), loadImage, importImage, pruneImages, createImage from an unreachable
// registry and checkAuth against nothing — callbacks and promises, compared
// with the oracle, masking ids, times and sizes only.
// searchImages is left out: without Docker Hub dockerd fails with a network
// error of its resolver, and berthd answers 501 on purpose (docs/compatibility.md).
import assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import { clientTargets, dockerode, sameOnBoth, shape } from './harness.ts';
import { outcome, readAll, tarEntries, tarOf, viaCallback } from './dockerode-support.ts';

clientTargets();

type Message = Record<string, unknown>;

/** followProgress to the end: its messages and its own error. */
function follow(d: Dockerode, stream: NodeJS.ReadableStream): Promise<{ messages: Message[]; error: string | null }> {
  const messages: Message[] = [];
  return new Promise((resolve) => {
    d.modem.followProgress(stream, (err: Error | null) => resolve({ messages, error: err ? err.message : null }), (m: Message) => messages.push(m));
  });
}

const tags = (l: Dockerode.ImageInfo[]) => l.flatMap((i) => i.RepoTags ?? []).sort();

sameOnBoth('dockerode: listImages with all and filters, getImage inspect and history', async (t) => {
  const d = dockerode(t);
  await d.getImage('busybox').tag({ repo: 'node-img', tag: 'one' });
  const labelled = await d.createContainer({ Image: 'busybox', Cmd: ['true'] });
  await labelled.commit({ repo: 'node-labelled', tag: 'x', changes: ['LABEL kind=test'] });
  const img = d.getImage('busybox');
  const history = await viaCallback<Dockerode.ImageInfo[]>((cb) => img.history(cb));
  return {
    'list': tags(await viaCallback((cb) => d.listImages(cb))),
    'list all': tags(await d.listImages({ all: true })),
    'reference filter': tags(await d.listImages({ filters: { reference: ['node-*'] } })),
    'label filter': tags(await d.listImages({ filters: { label: ['kind=test'] } })),
    'dangling filter': tags(await d.listImages({ filters: { dangling: ['true'] } })),
    'before filter': tags(await d.listImages({ filters: { before: ['node-labelled:x'] } })),
    'bad filter': await outcome(d.listImages({ filters: { nope: ['x'] } })),
    'entry shape': shape((await d.listImages({ filters: { reference: ['busybox'] } }))[0]),
    'inspect': await viaCallback<Dockerode.ImageInspectInfo>((cb) => img.inspect(cb)).then((i) => ({ RepoTags: i.RepoTags.sort(), Os: i.Os, Architecture: i.Architecture, Cmd: i.Config.Cmd })),
    'inspect shape': shape(await img.inspect()),
    // dockerd 20.10 says "no such image: x: No such image: x", current docker and berthd "No such image: x".
    'inspect a missing image': await outcome(d.getImage('nope:never').inspect()).then((o) => ('status' in o ? o.status : o)),
    'history': history.map((h) => ({ Tags: h.RepoTags, CreatedBy: (h as unknown as { CreatedBy: string }).CreatedBy })),
    'history shape': shape(history),
    'history of a missing image': await outcome(d.getImage('nope:never').history()),
  };
});

sameOnBoth('dockerode: tag and remove, with several tags, force and noprune, and the errors', async (t) => {
  const d = dockerode(t);
  const img = d.getImage('busybox');
  const r: Record<string, unknown> = {
    'tag': await outcome(viaCallback((cb) => img.tag({ repo: 'node-tag', tag: 'a' }, cb))),
    'tag without a tag': await outcome(img.tag({ repo: 'node-tag' })),
    'tag a missing image': await outcome(d.getImage('nope:never').tag({ repo: 'x', tag: 'y' })),
    // A bad name to tag with is left out: dockerd 20.10 answers 500, current docker and berthd 400.
    'tags': (await img.inspect()).RepoTags.sort(),
    'remove one tag': await outcome(viaCallback((cb) => d.getImage('node-tag:a').remove(cb))),
    'remove a missing image': await outcome(d.getImage('nope:never').remove()),
  };
  const c = await d.createContainer({ Image: 'node-tag:latest', Cmd: ['true'] });
  r['remove by id with several tags'] = await outcome(d.getImage((await img.inspect()).Id).remove());
  r['remove a tag in use'] = await outcome(d.getImage('node-tag:latest').remove());
  await c.remove();
  const committed = await (await d.createContainer({ Image: 'busybox', Cmd: ['true'] })).commit({ repo: 'node-own', tag: 'v1' });
  await d.createContainer({ Image: 'node-own:v1', Cmd: ['true'] });
  r['remove an image in use by a stopped container'] = await outcome(d.getImage('node-own:v1').remove());
  r['remove it with force'] = await outcome(d.getImage(committed.Id as string).remove({ force: true, noprune: true }));
  return r;
}, { expect: (r) => assert.equal(r['remove a missing image'].status, 404) });

sameOnBoth('dockerode: image.get and getImages save tarballs, loadImage loads them back', async (t) => {
  const d = dockerode(t);
  await d.getImage('busybox').tag({ repo: 'node-save', tag: 'one' });
  const one = await tarEntries(await readAll(await viaCallback<NodeJS.ReadableStream>((cb) => d.getImage('node-save:one').get(cb))), ['repositories']);
  const many = await readAll(await (d as unknown as { getImages(o: object): Promise<NodeJS.ReadableStream> }).getImages({ names: ['busybox:latest', 'node-save:one'] }));
  const manyEntries = await tarEntries(many, ['repositories']);
  const manifest = async (buf: Buffer) => {
    const m = JSON.parse((await tarEntries(buf, ['manifest.json'])).files['manifest.json'] ?? 'null') as { RepoTags: string[] }[];
    return m.map((x) => [...x.RepoTags].sort());
  };
  await d.getImage('node-save:one').remove();
  const loaded = await viaCallback<NodeJS.ReadableStream>((cb) => d.loadImage(many as never, cb));
  const quiet = await d.loadImage(many as never, { quiet: true });
  return {
    // dockerd 20.10 writes the legacy layout (<config>.json, <layer>/); current docker and berthd write
    // the OCI layout (index.json, oci-layout, blobs/) beside it: the files that both carry are compared.
    'get has manifest.json and repositories': ['manifest.json', 'repositories'].map((n) => one.entries.some((e) => e.name === n)),
    'get repositories': JSON.parse(one.files['repositories'] ?? 'null'),
    'getImages manifest': await manifest(many),
    'getImages repositories': JSON.parse(manyEntries.files['repositories'] ?? 'null'),
    // dockerd 20.10 says "reference does not exist", current docker and berthd "No such image: x".
    'get a missing image': await outcome(d.getImage('nope:never').get()).then((o) => ('status' in o ? o.status : o)),
    'loadImage': (await readAll(loaded)).toString(),
    'loadImage quiet': (await readAll(quiet)).toString(),
    'loaded': (await d.getImage('node-save:one').inspect()).RepoTags.sort(),
    'loadImage of a broken archive': await outcome(d.loadImage(Buffer.from('not a tar at all') as never).then(readAll).then(String)),
    // The reason differs (dockerd: its temp path's missing `repositories`; berthd: no manifest.json nor index.json):
    // that the 200 stream ends in an error message is compared.
    'loadImage of an empty tar': await outcome(d.loadImage(await tarOf({}) as never).then(readAll).then((b) => Object.keys(JSON.parse(b.toString()) as object).sort())),
  };
}, { timeout: 300_000 });

sameOnBoth('dockerode: importImage of a tarball, followed; pruneImages', async (t) => {
  const d = dockerode(t);
  const rootfs = await tarOf({ 'hello.txt': 'imported\n', 'etc/motd': 'hi\n' });
  const imported = await follow(d, await viaCallback<NodeJS.ReadableStream>((cb) => d.importImage(rootfs as unknown as string, { repo: 'node-import', tag: 'v1', message: 'from dockerode', changes: ['CMD ["/hello"]'] } as never, cb)));
  const info = await d.getImage('node-import:v1').inspect();
  const dangling = await d.createContainer({ Image: 'busybox', Cmd: ['true'] });
  await dangling.commit({});
  await dangling.remove();
  const pruned = await viaCallback<Dockerode.PruneImagesInfo>((cb) => d.pruneImages(cb));
  await d.getImage('node-import:v1').tag({ repo: 'node-import', tag: 'v2' });
  return {
    'import messages': imported,
    'imported': { RepoTags: info.RepoTags, Comment: info.Comment, Cmd: info.Config.Cmd, Layers: info.RootFS.Layers?.length },
    'prune dangling': { deleted: (pruned.ImagesDeleted ?? []).map((x) => Object.keys(x)), SpaceReclaimed: typeof pruned.SpaceReclaimed },
    'prune all with a label filter': await d.pruneImages({ filters: { dangling: ['false'], label: ['nope'] } }),
    'prune all': await d.pruneImages({ filters: { dangling: ['false'] } }).then((p) => (p.ImagesDeleted ?? []).map((x) => Object.keys(x)[0]).sort()),
    // dockerd 20.10 writes "Invalid filter", current docker and berthd "invalid filter": the status is compared.
    'prune with a bad filter': await outcome(d.pruneImages({ filters: { nope: ['x'] } })).then((o) => ('status' in o ? o.status : o)),
    // The reason after dockerd's prefix is Go's ("unexpected EOF") or berth's own: status and prefix are compared.
    'import of a broken tarball': await outcome((d.importImage(Buffer.from('garbage') as unknown as string, { repo: 'node-broken' } as never) as unknown as Promise<unknown>).then((s) => follow(d, s as unknown as NodeJS.ReadableStream)))
      .then((o) => ('message' in o ? { ...o, message: o.message?.split('): ')[0] } : o)),
  };
});

sameOnBoth('dockerode: createImage from an unreachable registry and checkAuth against nothing fail alike', async (t) => {
  const d = dockerode(t);
  const pulled = await outcome(viaCallback<NodeJS.ReadableStream>((cb) => d.createImage({ fromImage: '127.0.0.1:9/none/thing', tag: 'v1' }, cb))!.then((s) => follow(d, s as unknown as NodeJS.ReadableStream)));
  const auth = await outcome(viaCallback((cb) => d.checkAuth({ username: 'xpto', password: 'dang', serveraddress: 'http://127.0.0.1:9' }, cb)));
  const noServer = await outcome(d.checkAuth({}));
  return {
    'pull': pulled,
    'checkAuth': auth,
    'checkAuth without credentials': noServer,
    // An upper-case first component is left out: dockerd 20.10 refuses it (400), current docker and berthd
    // take it for a registry host (distribution/reference since 2023).
  };
});
