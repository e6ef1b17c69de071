// Smoke scenarios with docker-py (Debian's 5.0.3 and the newest from PyPI): a
// container's life through the low-level APIClient and containers.run through
// the high-level client behave the same against berthd as against the oracle.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const lifecycle = `
c = api()
created = c.create_container('busybox', ['sh', '-c', 'echo out; echo err >&2; exit 7'], name='smoke-py', labels={'smoke': 'yes'})
cid = created['Id']
listed = [{k: x[k] for k in ('Names', 'Image', 'Command', 'State', 'Labels')} for x in c.containers(all=True, filters={'label': 'smoke=yes'})]
c.start(cid)
waited = c.wait(cid)
info = c.inspect_container(cid)
result = {
  'ping': c.ping(),
  'create': {'idLength': len(cid), 'Warnings': created['Warnings']},
  'list': listed,
  'wait': waited,
  'logs stdout': c.logs(cid, stdout=True, stderr=False).decode(),
  'logs stderr': c.logs(cid, stdout=False, stderr=True).decode(),
  'inspect': {'Name': info['Name'], 'Path': info['Path'], 'Args': info['Args'], 'Status': info['State']['Status'], 'ExitCode': info['State']['ExitCode']},
}
c.remove_container(cid)
result['inspect after remove'] = outcome(lambda: c.inspect_container(cid))
result['remove again'] = outcome(lambda: c.remove_container(cid))
out(result)
`;

const highLevel = `
d = client()
output = d.containers.run('busybox', ['sh', '-c', 'echo hello; echo err >&2'], remove=True)
try:
    d.containers.run('busybox', ['sh', '-c', 'echo bad >&2; exit 4'], name='smoke-py-fail')
    failed = None
except docker.errors.ContainerError as e:
    failed = {'exit_status': e.exit_status, 'stderr': e.stderr.decode()}
out({
  'run output': output.decode(),
  'run failing': failed,
  'list all': sorted(c.name for c in d.containers.list(all=True)),
  'image tags': d.images.get('busybox').tags,
})
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: create, list, start, wait, logs, inspect and remove a container`, (t) => dockerPy(t, lifecycle, { flavor }));
  sameOnBoth(`docker-py ${flavor}: containers.run returns the output and raises ContainerError on a failing command`, (t) => dockerPy(t, highLevel, { flavor }));
}
