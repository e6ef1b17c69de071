// Image endpoints through docker-py (Debian's 5.0.3 and PyPI's newest) and
// dockerode, against dockerd and berthd (issue 11, "Images"): commit of a
// container that exits while being committed, commit with author, comment and
// changes, image removal output with several tags (untag only; by id needs
// force; force removes), load of a broken archive (a 200 stream ending in an
// error message), dockerode's loadImage of a saved archive and of a pre-1.10
// `docker save` archive (no manifest.json).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { busyboxTar } from '../integration/acceptance-support.ts';
import { clientTargets, dockerode, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const commit = `
c = api()
busybox = c.inspect_image('busybox')['Id']
# docker-py's own test_commit: start, then commit at once (the container exits meanwhile).
rounds = []
for i in range(4):
    cid = c.create_container('busybox', ['touch', '/test'])['Id']
    c.start(cid)
    r = outcome(lambda: c.commit(cid))
    if 'ok' in r:
        img = c.inspect_image(r['ok']['Id'])
        r = {'container matches': img['Container'] == cid, 'ContainerConfig.Image': img['ContainerConfig']['Image'],
             'ContainerConfig.Cmd': img['ContainerConfig']['Cmd'], 'Config.Cmd': img['Config']['Cmd']}
    rounds.append(r)
cid = c.create_container('busybox', ['sh', '-c', 'echo hi > /f'])['Id']
c.start(cid)
c.wait(cid)
made = c.commit(cid, repository='committed', tag='v1', message='a comment', author='Ann Author <ann@example.com>',
                changes=['ENV A=1', 'LABEL l=v', 'EXPOSE 8000', 'CMD ["cat", "/f"]', 'WORKDIR /w'])
img = c.inspect_image('committed:v1')
hist = c.history('committed:v1')
out({
  'commit right after start': rounds,
  'commit answer keys': sorted(made.keys()),
  'Author': img['Author'], 'Comment': img['Comment'],
  'Config': {k: img['Config'][k] for k in ('Env', 'Labels', 'ExposedPorts', 'Cmd', 'WorkingDir', 'Entrypoint')},
  'RepoTags': img['RepoTags'],
  'history top': {k: hist[0][k] for k in ('CreatedBy', 'Comment', 'Tags', 'Size')},
  'stopped container, no changes': outcome(lambda: sorted(c.commit(cid).keys())),
  'missing container': outcome(lambda: c.commit('nosuch-container')),
  'bad change': outcome(lambda: c.commit(cid, changes=['BOGUS 1'])),
})
`;

const removal = `
c = api()
cid = c.create_container('busybox', ['sh', '-c', 'echo x > /x'])['Id']
c.start(cid)
c.wait(cid)
iid = c.commit(cid, repository='rmi-a', tag='1')['Id']
c.tag(iid, 'rmi-a', '2')
c.tag(iid, 'rmi-b', 'latest')
result = {
  'remove one tag of three': outcome(lambda: c.remove_image('rmi-a:2')),
  'by id, still in two repositories': outcome(lambda: c.remove_image(iid)),
  'by short id': outcome(lambda: c.remove_image(iid[7:19])),
  'missing': outcome(lambda: c.remove_image('nosuch-image')),
  'by id, forced': outcome(lambda: c.remove_image(iid, force=True)),
  # dockerd 20.10 words a missing image on inspect as "no such image: x: No such image: x"; berth as
  # current dockerd does ("No such image: x"): the status is compared, not the text.
  'gone': outcome(lambda: c.inspect_image('rmi-a:1')).get('status'),
}
iid = c.commit(cid, repository='rmi-c', tag='1')['Id']
c.tag(iid, 'rmi-c', '2')
result['same repository twice, by id'] = outcome(lambda: c.remove_image(iid))
result['busybox used by a container'] = outcome(lambda: c.remove_image('busybox'))
out(result)
`;

const brokenLoad = `
import io
c = api()
def load(data):
    try:
        return list(c.load_image(data))
    except docker.errors.APIError as e:
        return {'status': e.status_code, 'explanation': e.explanation}
tarball = b''.join(c.get_image('busybox'))
def shape(messages):
    # dockerd names its temp directory in this message: compare that it is one error line.
    return [sorted(m.keys()) for m in messages] if isinstance(messages, list) else messages
out({
  'truncated archive': shape(load(tarball[:3000])),
  'not an archive': load(b'garbage\\n' * 3),
  'random bytes': load(bytes(range(256)) * 16),
  'whole archive': load(tarball),
})
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: commit right after start, commit with author, comment and changes`, (t) => dockerPy(t, commit, { flavor }));
  sameOnBoth(`docker-py ${flavor}: remove_image with several tags: untag, 409 by id, force`, (t) => dockerPy(t, removal, { flavor }));
  sameOnBoth(`docker-py ${flavor}: load_image of a broken archive streams the error`, (t) => dockerPy(t, brokenLoad, { flavor }));
}

/** A `docker save` archive as Docker wrote them before 1.10: repositories, <id>/json, <id>/layer.tar. */
async function legacyArchive(): Promise<Buffer> {
  const layer = busyboxTar();
  const id = createHash('sha256').update('berth legacy layer').digest('hex');
  const json = {
    id, created: '2015-06-01T00:00:00Z', docker_version: '1.6.2', architecture: 'amd64', os: 'linux', Size: layer.length,
    container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD file:busybox in /'] },
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
  };
  const pack = tar.pack();
  pack.entry({ name: `${id}/VERSION` }, '1.0');
  pack.entry({ name: `${id}/json` }, JSON.stringify(json));
  pack.entry({ name: `${id}/layer.tar` }, layer);
  pack.entry({ name: 'repositories' }, JSON.stringify({ legacy: { v1: id } }));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function drain(stream: NodeJS.ReadableStream): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString().split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
}

sameOnBoth('dockerode: loadImage of a saved archive, a broken one and a pre-1.10 one', async (t) => {
  const d = dockerode(t);
  const archive: Buffer[] = [];
  for await (const c of await d.getImage('busybox').get()) archive.push(Buffer.from(c as Buffer));
  const whole = Buffer.concat(archive);
  const legacy = await legacyArchive();
  const loaded = async (data: Buffer) => {
    try {
      return await drain(await d.loadImage(Readable.from([data]), {}));
    } catch (err) {
      return { status: (err as { statusCode?: number }).statusCode, message: (err as Error).message };
    }
  };
  const result = {
    'saved archive': await loaded(whole),
    'not an archive': await loaded(Buffer.from('garbage\n'.repeat(3))),
    'pre-1.10 archive': await loaded(legacy),
  };
  const img = await d.getImage('legacy:v1').inspect();
  const hist = await d.getImage('legacy:v1').history();
  return {
    ...result,
    'legacy image': { Config: { Cmd: img.Config.Cmd, Env: img.Config.Env }, Architecture: img.Architecture, Created: img.Created, Layers: img.RootFS.Layers?.length, DockerVersion: img.DockerVersion },
    'legacy history': hist.map((h: { CreatedBy: string; Size: number }) => ({ CreatedBy: h.CreatedBy, Size: h.Size })),
  };
}, { timeout: 300_000 });
