// Links on user-defined networks, against berthd and the oracle: the docker
// CLI sends `--link` there as the endpoint's Links, which dockerd turns into
// names only the linking container resolves; HostConfig.Links on a user
// network is dropped unchecked (docker-py's `links=`); `network connect
// --link`; and a running container keeps reaching its gateway (the embedded
// DNS) while others leave and join the network (the bridge keeps its MAC).
import assert from 'node:assert/strict';
import { clientTargets, dockerCli, dockerPy, sameOnBoth, type RunResult, type Target } from './harness.ts';

clientTargets();

function brief(r: RunResult): { code: number; out: string; err: string } {
  return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim().split('\n')[0] ?? '' };
}

/** Whether `name` resolves in `container`: the exit code only (a name nobody holds goes upstream, which the oracle's netns cannot reach). */
async function resolves(t: Target, cli: 'v28' | 'debian', container: string, name: string): Promise<number> {
  return (await dockerCli(t, ['exec', container, 'nslookup', name], { cli, timeoutMs: 60_000 })).code;
}

for (const cli of ['v28', 'debian'] as const) {
  sameOnBoth(`docker CLI ${cli}: run --network n --link a:b resolves b for the linking container only, as the endpoint's Links`, async (t) => {
    const d = (args: string[]) => dockerCli(t, args, { cli, timeoutMs: 60_000 });
    const out: Record<string, unknown> = {};
    await d(['network', 'create', 'n']);
    await d(['run', '-d', '--name', 'target', '--network', 'n', 'busybox', 'sleep', '300']);
    out['run --link'] = (await d(['run', '-d', '--name', 'linker', '--network', 'n', '--link', 'target:al', 'busybox', 'sleep', '300'])).code;
    await d(['run', '-d', '--name', 'other', '--network', 'n', 'busybox', 'sleep', '300']);
    out['inspect'] = brief(await d(['inspect', '-f', '{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.n.Links}} {{len .NetworkSettings.Networks.n.Aliases}}', 'linker']));
    out['linker resolves al'] = await resolves(t, cli, 'linker', 'al');
    out['linker pings al'] = brief(await d(['exec', 'linker', 'ping', '-c1', '-W2', 'al'])).code;
    out['other resolves al'] = await resolves(t, cli, 'other', 'al');
    out['env of the linker'] = brief(await d(['exec', 'linker', 'sh', '-c', 'env | grep -c "^AL_" || true'])).out;
    out['hosts of the linker'] = brief(await d(['exec', 'linker', 'sh', '-c', 'grep -c "al" /etc/hosts || true'])).out;
    out['rm --link'] = brief(await d(['rm', '--link', 'linker/al']));
    // A link to a container that does not exist is only a name on a user network.
    out['link to nothing'] = brief(await d(['run', '--name', 'lonely', '--network', 'n', '--link', 'nope:z', 'busybox', 'true']));
    out['link to nothing inspect'] = brief(await d(['inspect', '-f', '{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.n.Links}} {{.State.ExitCode}}', 'lonely']));
    // network connect --link.
    await d(['network', 'create', 'm']);
    out['connect --link'] = brief(await d(['network', 'connect', '--link', 'target:x', 'm', 'other']));
    await d(['network', 'connect', 'm', 'target']);
    out['connect inspect'] = brief(await d(['inspect', '-f', '{{json .NetworkSettings.Networks.m.Links}}', 'other']));
    out['other pings x'] = brief(await d(['exec', 'other', 'ping', '-c1', '-W2', 'x'])).code;
    out['linker resolves x'] = await resolves(t, cli, 'linker', 'x');
    // The link target goes away and comes back: the others still reach the embedded DNS, the alias follows.
    await d(['stop', '-t', '0', 'target']);
    out['linker resolves other while target is stopped'] = await resolves(t, cli, 'linker', 'other');
    await d(['start', 'target']);
    out['linker pings al after target restarted'] = brief(await d(['exec', 'linker', 'ping', '-c1', '-W2', 'al'])).code;
    return out;
  }, {
    timeout: 600_000,
    expect: (o: Record<string, unknown>) => {
      assert.equal(o['linker resolves al'], 0);
      assert.notEqual(o['other resolves al'], 0);
      assert.equal(o['linker resolves other while target is stopped'], 0);
    },
  });
}

const hostConfigLinks = `
c = api()
result = {}
c.create_network('n')
target = c.create_container('busybox', 'sleep 300', name='target', host_config=c.create_host_config(network_mode='n'))['Id']
c.start(target)
for name, links in (('known', {'target': 'al'}), ('unknown', {'nope': 'z'})):
    r = outcome(lambda: c.create_container('busybox', 'sleep 300', name=name, host_config=c.create_host_config(network_mode='n', links=links))['Id'])
    result['create ' + name] = sorted(r)
    if 'ok' in r:
        c.start(r['ok'])
        info = c.inspect_container(r['ok'])
        result['inspect ' + name] = [info['HostConfig']['Links'], info['NetworkSettings']['Networks']['n']['Links'], info['State']['Status']]
# The endpoint's Links, docker-py's way.
cfg = c.create_networking_config({'n': c.create_endpoint_config(links={'target': 'al2'})})
eid = c.create_container('busybox', 'sleep 300', name='ep', host_config=c.create_host_config(network_mode='n'), networking_config=cfg)['Id']
result['endpoint links before start'] = c.inspect_container(eid)['NetworkSettings']['Networks']['n']['Links']
c.start(eid)
result['endpoint links'] = c.inspect_container(eid)['NetworkSettings']['Networks']['n']['Links']
ex = c.exec_create(eid, ['ping', '-c1', '-W2', 'al2'])
c.exec_start(ex['Id'])
result['ping al2'] = c.exec_inspect(ex['Id'])['ExitCode']
out(result)
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: links= on a user network are dropped unchecked; the endpoint's links resolve`, (t) => dockerPy(t, hostConfigLinks, { flavor, timeoutMs: 120_000 }), {
    expect: (o: Record<string, unknown>) => assert.equal(o['ping al2'], 0),
  });
}
