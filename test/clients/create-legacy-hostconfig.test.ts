// HostConfig fields at the top level of a create body, beside Config's: the
// pre-1.18 layout dockerd 20.10 still decodes (runconfig's ContainerConfigWrapper
// embeds a deprecated *HostConfig), and the one docker-py still sends for
// create_container(runtime=...) without a host_config. With no HostConfig object
// they are the container's HostConfig; beside one, only Memory, MemorySwap,
// CpuShares, CpusetCpus and VolumeDriver fill its zero values, and the top-level
// Cpuset fills CpusetCpus. Compared with the oracle dockerd.
import assert from 'node:assert/strict';
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const legacy = `
c = api()
def create(body):
    return c._result(c._post_json(c._url('/containers/create'), data=dict({'Image': 'busybox', 'Cmd': ['true']}, **body)), True)['Id']
keys = ['Runtime', 'Memory', 'MemorySwap', 'CpuShares', 'CpusetCpus', 'Privileged', 'Binds', 'VolumeDriver', 'NetworkMode', 'RestartPolicy', 'ReadonlyRootfs']
def host(cid):
    hc = c.inspect_container(cid)['HostConfig']
    return {k: hc.get(k, '<absent>') for k in keys}
r = {}
r['docker-py runtime=runc, no host_config'] = host(c.create_container('busybox', 'true', runtime='runc'))
r['no HostConfig fields at all'] = host(create({}))
r['top level only'] = host(create({'Memory': 33554432, 'MemorySwap': 67108864, 'CpuShares': 512, 'Privileged': True, 'ReadonlyRootfs': True, 'Binds': ['/tmp:/host-tmp'], 'RestartPolicy': {'Name': 'on-failure', 'MaximumRetryCount': 2}}))
r['top level, keys in any case'] = host(create({'memory': 33554432, 'cpushares': 256, 'READONLYROOTFS': True}))
r['top level beside a HostConfig'] = host(create({'Memory': 33554432, 'MemorySwap': 67108864, 'CpuShares': 512, 'CpusetCpus': '0', 'Privileged': True, 'ReadonlyRootfs': True, 'HostConfig': {'NetworkMode': 'none'}}))
r['a HostConfig value wins'] = host(create({'Memory': 33554432, 'CpuShares': 512, 'HostConfig': {'Memory': 50331648, 'CpuShares': 100}}))
r['Cpuset beside a HostConfig'] = host(create({'Cpuset': '0', 'HostConfig': {}}))
r['Cpuset beside top-level fields'] = host(create({'Cpuset': '0', 'Memory': 33554432}))
r['Cpuset alone'] = host(create({'Cpuset': '0'}))
# Refused with dockerd 20.10's text; the status differs on purpose (400 as current dockerd, 20.10 500: docs/compatibility.md).
wrong = outcome(lambda: create({'Memory': 'lots'}))
r['a wrong type'] = {'refused': wrong.get('status', 0) >= 400, 'explanation': wrong.get('explanation')}
started = create({'Memory': 33554432, 'Cmd': ['sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes']})
c.start(started)
c.wait(started)
r['the limit applies'] = c.logs(started).decode().strip()
out(r)
`;

sameOnBoth('docker-py pypi: HostConfig fields at the top level of a create body, as dockerd 20.10 decodes them', (t) => dockerPy(t, legacy, { flavor: 'pypi' }), {
  expect: (o: Record<string, Record<string, unknown>>) => {
    assert.equal(o['docker-py runtime=runc, no host_config']?.['Runtime'], 'runc');
    assert.equal(o['top level only']?.['Memory'], 33554432);
    assert.equal(o['the limit applies'] as unknown, '33554432');
  },
});
