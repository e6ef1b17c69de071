// JSON shapes and echoed values that docker-py's own integration suite and the
// smoke scenarios found different (issue 11): HostConfig as dockerd 20.10
// echoes it at API 1.41 (CgroupnsMode given and applied, real-time CPU,
// kernel memory, null vs [] for list fields the body left out or sent empty),
// the overlay directories in GraphDriver, image list RepoDigests, history
// CreatedBy of the classic builder's metadata steps, a committed image's
// ContainerConfig.Image and Parent, stats' blkio lists, and the runtimes
// /info lists (runc's containerd-shim names included, usable with --runtime).
import assert from 'node:assert/strict';
import { clientTargets, dockerCli, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const hostConfig = `
c = api()
keys = ('CgroupnsMode', 'CpuRealtimeRuntime', 'CpuRealtimePeriod', 'KernelMemory', 'KernelMemoryTCP', 'Dns', 'DnsOptions',
        'DnsSearch', 'Devices', 'Ulimits', 'PortBindings', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'Runtime', 'RestartPolicy')
def host(cid):
    h = c.inspect_container(cid)['HostConfig']
    return {k: h.get(k, 'absent') for k in keys}
r = {}
plain = c.create_container('busybox', ['true'])['Id']
r['no host options'] = host(plain)
given = c.create_container('busybox', ['true'], host_config=c.create_host_config(
    cgroupns='host', cpu_rt_period=1000000, cpu_rt_runtime=0, dns=[], dns_search=[], devices=[], ulimits=[],
    port_bindings={}, kernel_memory=8 * 1024 * 1024))['Id']
r['given'] = host(given)
r['cpu rt'] = host(c.create_container('busybox', ['true'], host_config=c.create_host_config(cpu_rt_period=1000000, cpu_rt_runtime=950000))['Id'])
r['private'] = host(c.create_container('busybox', ['true'], host_config=c.create_host_config(cgroupns='private'))['Id'])
r['bad mode'] = outcome(lambda: c.create_container('busybox', ['true'], host_config=c.create_host_config(cgroupns='bogus')))
# Applied: a private cgroup namespace shows the container's cgroups as the root ("/").
def cgroups(mode):
    cid = c.create_container('busybox', ['cat', '/proc/self/cgroup'], host_config=c.create_host_config(cgroupns=mode))['Id']
    c.start(cid)
    c.wait(cid)
    lines = [l for l in c.logs(cid).decode().splitlines() if l]
    return {'all at the root': all(l.endswith(':/') for l in lines), 'none at the root': not any(l.endswith(':/') for l in lines),
            'Runtime once started': c.inspect_container(cid)['HostConfig'].get('Runtime', 'absent')}
r['host namespace'] = cgroups('host')
r['private namespace'] = cgroups('private')
out(r)
`;

sameOnBoth('docker-py pypi: HostConfig echoes CgroupnsMode, real-time CPU, kernel memory and empty lists as given', (t) => dockerPy(t, hostConfig, { flavor: 'pypi' }), {
  expect: (r) => {
    assert.equal(r['private'].CgroupnsMode, 'private');
    assert.equal(r['cpu rt'].CpuRealtimeRuntime, 950000);
    assert.equal(r['bad mode'].status, 400);
    assert.equal(r['private namespace']['all at the root'], true);
    assert.equal(r['host namespace']['none at the root'], true);
  },
});

const graphDriver = `
import io
c = api()
r = {}
cid = c.create_container('busybox', ['true'])['Id']
g = c.inspect_container(cid)['GraphDriver']
r['container'] = {'Name': g['Name'], 'Data keys': sorted(g['Data'].keys()),
                  'UpperDir under the root dir': g['Data']['UpperDir'].startswith(c.info()['DockerRootDir'] + '/')}
g = c.inspect_image('busybox')['GraphDriver']
r['one-layer image'] = {'Name': g['Name'], 'Data keys': sorted(g['Data'].keys())}
df = b'FROM busybox\\nRUN echo hi > /f\\n'
for _ in c.build(fileobj=io.BytesIO(df), tag='twolayers:1', rm=True, decode=True):
    pass
g = c.inspect_image('twolayers:1')['GraphDriver']
r['two-layer image'] = {'Name': g['Name'], 'Data keys': sorted(g['Data'].keys()), 'lower dirs': len(g['Data']['LowerDir'].split(':'))}
r['listed RepoDigests'] = sorted((x['RepoTags'], x['RepoDigests']) for x in c.images())
r['inspect RepoDigests'] = c.inspect_image('busybox')['RepoDigests']
out(r)
`;

sameOnBoth('docker-py debian: GraphDriver has the overlay directories; RepoDigests as dockerd lists them', (t) => dockerPy(t, graphDriver, { flavor: 'debian' }), {
  expect: (r) => {
    assert.deepEqual(r['container']['Data keys'], ['LowerDir', 'MergedDir', 'UpperDir', 'WorkDir']);
    assert.deepEqual(r['one-layer image']['Data keys'], ['MergedDir', 'UpperDir', 'WorkDir']);
  },
});

const history = `
import io
c = api()
df = b'''FROM busybox
LABEL a=b
ENV X=1
WORKDIR /w
USER 1
EXPOSE 80
CMD ["sh"]
STOPSIGNAL 9
VOLUME /v
ENTRYPOINT ["x"]
ARG Z=1
ONBUILD RUN true
SHELL ["/bin/sh", "-c"]
HEALTHCHECK --interval=1500ms --timeout=500ms --start-period=90s --retries=3 CMD ["a b"]
HEALTHCHECK NONE
EXPOSE 80/udp 443
'''
for _ in c.build(fileobj=io.BytesIO(df), tag='nops:1', rm=True, decode=True):
    pass
r = {'CreatedBy': [h['CreatedBy'] for h in c.history('nops:1')]}
cid = c.create_container('busybox:latest', ['sh', '-c', 'echo x > /x'])['Id']
c.start(cid)
c.wait(cid)
img = c.inspect_image(c.commit(cid, repository='committed', tag='1')['Id'])
r['committed'] = {'ContainerConfig.Image': img['ContainerConfig']['Image'], 'Parent is the image': img['Parent'] == c.inspect_image('busybox')['Id'],
                  'Container': img['Container'] == cid}
out(r)
`;

sameOnBoth('docker-py debian: history CreatedBy of metadata steps, a committed image\'s ContainerConfig', (t) => dockerPy(t, history, { flavor: 'debian' }), {
  expect: (r) => {
    assert.ok(r.CreatedBy.includes('/bin/sh -c #(nop)  LABEL a=b'));
    assert.ok(r.CreatedBy.includes('/bin/sh -c #(nop) WORKDIR /w'));
  },
});

const stats = `
c = api()
cid = c.create_container('busybox', ['sleep', '60'])['Id']
c.start(cid)
s = c.stats(cid, stream=False)
c.kill(cid)
c.wait(cid)
stopped = c.stats(cid, stream=False)
out({'running blkio_stats': s['blkio_stats'], 'stopped blkio_stats': stopped['blkio_stats'], 'keys': sorted(s.keys()),
     'memory_stats keys': sorted(s['memory_stats'].keys()), 'memory_stats.stats keys': sorted(s['memory_stats']['stats'].keys())})
`;

sameOnBoth('docker-py debian: stats blkio_stats lists of a running and a stopped container, memory_stats keys', (t) => dockerPy(t, stats, { flavor: 'debian' }));

sameOnBoth('docker CLI v28: info lists runc under its shim names too, and --runtime takes them', async (t) => {
  const info = await dockerCli(t, ['info', '-f', '{{json .Runtimes}}']);
  const run = await dockerCli(t, ['run', '--name', 'shim', '--runtime', 'io.containerd.runc.v2', 'busybox', 'echo', 'ok']);
  const runtime = await dockerCli(t, ['inspect', '-f', '{{.HostConfig.Runtime}}', 'shim']);
  const unknown = await dockerCli(t, ['create', '--runtime', 'no-such-runtime', 'busybox', 'true']);
  return {
    'runtime names': Object.keys(JSON.parse(info.stdout) as object).sort(),
    'run': { code: run.code, stdout: run.stdout },
    'inspect': runtime.stdout,
    'unknown runtime fails': unknown.code !== 0,
    'host facts': (await dockerCli(t, ['info', '-f', '{{.OSVersion}} {{.SwapLimit}} {{.OomKillDisable}} {{.CgroupVersion}} {{.CgroupDriver}}'])).stdout,
  };
}, {
  expect: (r) => {
    assert.deepEqual(r['run'], { code: 0, stdout: 'ok\n' });
    assert.equal(r['inspect'], 'io.containerd.runc.v2\n');
  },
});
