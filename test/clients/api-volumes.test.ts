// Volume endpoints through docker-py and dockerode against dockerd and berthd
// (issue 11, "Volumes"): create with an unknown driver (404 and dockerd's
// text), malformed create bodies, and prune at API 1.41, where every unused
// volume goes, named ones included. (From 1.42 prune takes only anonymous
// volumes unless all=true; the oracle, dockerd 20.10, stops at 1.41, so that
// half is checked against berthd alone in test/integration/volume-mounts.test.ts.)
import { apiRequest } from './api-request.ts';
import { clientTargets, dockerode, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const volumes = `
c = api()
c.create_volume('vol-named', labels={'k': 'v'})
c.create_volume('vol-used')
cid = c.create_container('busybox', ['true'], host_config=c.create_host_config(binds=['vol-used:/data']))['Id']
anon = c.create_container('busybox', ['true'], volumes=['/anon'])['Id']
unnamed = c.create_volume()
c.remove_container(anon)
before = sorted(v['Name'] for v in c.volumes()['Volumes'] if v['Name'].startswith('vol-'))
pruned = c.prune_volumes()
after = sorted(v['Name'] for v in c.volumes()['Volumes'])
out({
  'unknown driver': outcome(lambda: c.create_volume('vol-x', driver='nosuch')),
  'inspect': {k: c.inspect_volume('vol-used')[k] for k in ('Driver', 'Labels', 'Name', 'Options', 'Scope')},
  'before prune': before,
  'pruned': sorted(n for n in pruned['VolumesDeleted'] if n.startswith('vol-')),
  'pruned anonymous': len([n for n in pruned['VolumesDeleted'] if not n.startswith('vol-')]),
  'created without a name, at 1.41': {'Labels': unnamed['Labels'], 'pruned': unnamed['Name'] in pruned['VolumesDeleted']},
  'after prune': after,
  'remove in use': outcome(lambda: c.remove_volume('vol-used')),
  'remove missing': outcome(lambda: c.remove_volume('vol-missing')),
})
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: create with an unknown driver, prune at API 1.41 takes named volumes`, (t) => dockerPy(t, volumes, { flavor }));
}

sameOnBoth('dockerode and raw requests: volume create refusals with dockerd\'s status and text', async (t) => {
  const d = dockerode(t);
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (err) {
      const e = err as { statusCode?: number; json?: { message?: string } };
      return { status: e.statusCode, message: e.json?.message };
    }
  };
  const raw = async (body?: string) => {
    const a = await apiRequest(t, 'POST', '/volumes/create', body);
    return { status: a.status, body: a.body };
  };
  return {
    'dockerode unknown driver': await failure(d.createVolume({ Name: 'vol-d', Driver: 'nosuch' })),
    'empty body': await raw(''),
    'not JSON': await raw('x'),
    'a list': await raw('[]'),
    'Name not a string': await raw('{"Name":5}'),
    'Labels not an object': await raw('{"Labels":[]}'),
    'a label not a string': await raw('{"Labels":{"a":1}}'),
    'local driver, unknown option': await raw('{"Name":"vol-o","DriverOpts":{"bogus":"1"}}'),
    'list with bad filters': await apiRequest(t, 'GET', '/volumes?filters=bad').then((a) => ({ status: a.status, body: a.body })),
  };
});
