// An exec's environment as dockerd builds it at exec create, against berthd
// and the oracle: the legacy links' variables as the links are now (gone after
// `rm --link`), a linked container that stopped failing the exec, and TERM
// only when the exec itself has a TTY.
import assert from 'node:assert/strict';
import { clientTargets, dockerCli, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

sameOnBoth('docker CLI: exec sees the links as they are now; a stopped link target fails it; TERM follows the exec\'s TTY', async (t) => {
  const d = async (args: string[]) => {
    const r = await dockerCli(t, args, { timeoutMs: 60_000 });
    return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
  };
  const envOf = async (args: string[]) => (await d(['exec', ...args])).out.split(/\r?\n/).filter((l) => /^(AL_|TERM|HOSTNAME=|PATH=|OWN=)/.test(l)).sort();
  const out: Record<string, unknown> = {};
  await d(['run', '-d', '--name', 'child', '-e', 'FOO=bar', '--expose', '80', 'busybox', 'sleep', '300']);
  await d(['run', '-dt', '--name', 'parent', '-e', 'OWN=1', '--link', 'child:al', 'busybox', 'sleep', '300']);
  out['exec env'] = await envOf(['parent', 'env']);
  out['exec -t env'] = await envOf(['-t', 'parent', 'env']);
  out['exec -e env'] = await envOf(['-e', 'AL_NAME=mine', 'parent', 'env']);
  out['rm --link'] = await d(['rm', '--link', 'parent/al']);
  out['exec env after rm --link'] = await envOf(['parent', 'env']);
  await d(['run', '-d', '--name', 'other', '--link', 'child:al', 'busybox', 'sleep', '300']);
  await d(['stop', '-t', '0', 'child']);
  out['exec with the link target stopped'] = await d(['exec', 'other', 'true']);
  return out;
}, {
  timeout: 300_000,
  expect: (o: Record<string, string[]>) => assert.ok(o['exec env']?.includes('AL_NAME=/parent/al')),
});

const removeLink = `
c = api()
child = c.create_container('busybox', 'sleep 300', name='child', environment=['FOO=bar'])['Id']
c.start(child)
parent = c.create_container('busybox', 'sleep 300', name='parent', host_config=c.create_host_config(links={'child': 'al'}))['Id']
c.start(parent)
def link_env():
    e = c.exec_create(parent, 'env')
    return sorted(l for l in c.exec_start(e['Id']).decode().splitlines() if l.startswith('AL_'))
result = {'before': link_env()}
c.remove_container('/parent/al', link=True)
result['after remove_container(link=True)'] = link_env()
result['Links'] = c.inspect_container(parent)['HostConfig']['Links']
out(result)
`;

sameOnBoth('docker-py: remove_container(link=True) takes the alias variables from later execs', (t) => dockerPy(t, removeLink, { flavor: 'debian' }), {
  expect: (o: Record<string, string[]>) => assert.deepEqual(o['after remove_container(link=True)'], []),
});
