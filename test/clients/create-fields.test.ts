// Container create fields beyond the everyday ones, as docker-py and the
// docker CLI send them: DeviceCgroupRules, PidMode/UTSMode host, Isolation, an
// unknown logging or volume driver, legacy links (environment, /etc/hosts,
// inspect, DELETE ?link=1), and the init layer's /.dockerenv and /etc/mtab.
// Each compared with the oracle dockerd.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { clientTargets, dockerCli, dockerPy, mask, sameOnBoth, scratchDir, type RunResult } from './harness.ts';

clientTargets();
const dir = scratchDir();

/** A scenario step that must succeed on both (so that a comparison is never of two identical failures). */
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
}

const brief = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py (${flavor}): create refuses what dockerd refuses, with its status and text`, async (t) =>
    dockerPy(t, `
c = api()
def mk(**kw):
    return lambda: c.create_container('busybox', ['true'], **{k: v for k, v in kw.items() if k != 'hc'}, host_config=c.create_host_config(**kw.get('hc', {})))['Warnings']
res = {}
res['isolation default'] = outcome(mk(hc={'isolation': 'default'}))
res['isolation hyperv'] = outcome(mk(hc={'isolation': 'hyperv'}))
res['log driver'] = outcome(mk(hc={'log_config': {'Type': 'nosuch', 'Config': {}}}))
res['hostname with uts host'] = outcome(mk(hostname='h', hc={'uts_mode': 'host'}))
res['volume driver, no volumes'] = outcome(mk(hc={'volume_driver': 'nosuch'}))
res['volume driver nosuch'] = outcome(mk(hc={'volume_driver': 'nosuch', 'binds': ['vv:/x']}))
res['volume driver local'] = outcome(mk(hc={'volume_driver': 'local', 'binds': ['vv2:/x']}))
res['volume driver nosuch, anonymous'] = outcome(lambda: c.create_container('busybox', ['true'], volumes=['/data'], host_config=c.create_host_config(volume_driver='nosuch')))
res['volume driver nosuch, bound'] = outcome(lambda: c.create_container('busybox', ['true'], volumes=['/data'], host_config=c.create_host_config(volume_driver='nosuch', binds=['/tmp:/data']))['Warnings'])
res['link to nosuch'] = outcome(mk(hc={'links': {'nosuch': 'x'}}))
# Refused with dockerd's text; the status differs on purpose (berth 400, dockerd 20.10 500: docs/compatibility.md).
bad_link = outcome(lambda: c.create_container('busybox', host_config={'Links': ['a:b:c']}))
res['bad link'] = {'refused': bad_link.get('status', 0) >= 400, 'explanation': bad_link.get('explanation')}
web = c.create_container('busybox', ['true'], host_config=c.create_host_config(isolation='default', volume_driver='local', pid_mode='host', uts_mode='host', device_cgroup_rules=['c 1:7 rm', 'a *:* r']))
hc = c.inspect_container(web)['HostConfig']
res['inspect'] = {k: hc[k] for k in ['Isolation', 'VolumeDriver', 'PidMode', 'UTSMode', 'DeviceCgroupRules', 'Links']}
# docker's SizeRw leaves its init layer (/.dockerenv, /etc/mtab…) out: a fresh container has written nothing.
res['fresh rw size'] = str(c.containers(all=True, size=True, filters={'id': web['Id']})[0].get('SizeRw'))
bad = c.create_container('busybox', ['true'], host_config=c.create_host_config(device_cgroup_rules=['bogus']))
res['start with a bad rule'] = outcome(lambda: c.start(bad))
st = c.inspect_container(bad)['State']
res['its state'] = [st['Status'], st['ExitCode'], st['Error']]
out(res)
`, { flavor }));
}

sameOnBoth('docker CLI: --pid host and --uts host share the host\'s namespaces; device cgroup rules open a device', async (t) => {
  const out: Record<string, unknown> = {};
  out['pid host'] = brief(await dockerCli(t, ['run', '--rm', '--pid', 'host', 'busybox', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']));
  out['pid private'] = brief(await dockerCli(t, ['run', '--rm', 'busybox', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']));
  out['uts host'] = brief(await dockerCli(t, ['run', '--rm', '--uts', 'host', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname | wc -c; echo $HOSTNAME | wc -c']));
  out['uts host + hostname'] = brief(await dockerCli(t, ['run', '--rm', '--uts', 'host', '-h', 'x', 'busybox', 'true']));
  const rules = 'grep "^c 42:" /sys/fs/cgroup/devices/devices.list || echo none';
  out['no rule'] = brief(await dockerCli(t, ['run', '--rm', 'busybox', 'sh', '-c', rules]));
  out['rule'] = brief(await dockerCli(t, ['run', '--rm', '--device-cgroup-rule', 'c 42:* rm', 'busybox', 'sh', '-c', rules]));
  return out;
});

sameOnBoth('docker CLI: --pid container:<name> joins that container\'s PID namespace, which must be running', async (t) => {
  const out: Record<string, unknown> = {};
  ok(await dockerCli(t, ['create', '--name', 'p0', 'busybox', 'sleep', '300']));
  out['run while p0 is not running'] = brief(await dockerCli(t, ['run', '-d', '--name', 'p1', '--pid', 'container:p0', 'busybox', 'sleep', '301']));
  out['recorded'] = (await dockerCli(t, ['inspect', '-f', '{{.HostConfig.PidMode}} {{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'p1'])).stdout;
  ok(await dockerCli(t, ['start', 'p0']));
  out['start'] = brief(await dockerCli(t, ['start', 'p1']));
  out['pid 1 in p1'] = brief(await dockerCli(t, ['exec', 'p1', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']));
  out['nosuch'] = brief(await dockerCli(t, ['create', '--pid', 'container:nosuch', 'busybox']));
  return out;
});

sameOnBoth('docker CLI: legacy links give the alias environment and /etc/hosts entries; inspect shows them', async (t) => {
  const out: Record<string, unknown> = {};
  ok(await dockerCli(t, ['run', '-d', '--name', 'db', '-e', 'X=1', '-e', 'HOME=/h', '-e', 'Y=a=b', '--expose', '80', '--expose', '53/udp', '--expose', '53', '--expose', '6000-6002', 'busybox', 'sleep', '300']));
  const env = ok(await dockerCli(t, ['run', '--rm', '--name', 'web-1', '--link', 'db:my-alias', '-e', 'Z=2', 'busybox', 'sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ']));
  // HOSTNAME differs by id; the rest (order included) must match.
  out['environment'] = env.stdout.split('\n').filter((l) => !l.startsWith('HOSTNAME='));
  // dockerd writes the links in Go map order: compared as a set (masked first, as the engines' subnets differ).
  const hosts = ok(await dockerCli(t, ['run', '--rm', '--link', 'db:al', '--link', 'db', '--add-host', 'extra:10.1.2.3', 'busybox', 'sh', '-c', 'grep -v "^::\\|^f[ef]0" /etc/hosts | head -n 4']));
  out['hosts'] = mask(hosts.stdout).split('\n').sort();
  ok(await dockerCli(t, ['create', '--name', 'w1', '--link', 'db:al', '--link', 'db', 'busybox']));
  // dockerd lists links in Go map order: compared as a set.
  out['inspect'] = (await dockerCli(t, ['inspect', '-f', '{{range .HostConfig.Links}}{{println .}}{{end}}', 'w1'])).stdout.split('\n').sort();
  out['host network'] = brief(await dockerCli(t, ['create', '--network', 'host', '--link', 'db:al', 'busybox']));
  out['container network'] = brief(await dockerCli(t, ['create', '--network', 'container:db', '--link', 'db:al', 'busybox']));
  ok(await dockerCli(t, ['create', '--name', 'nn', '--network', 'none', '--link', 'db:x', 'busybox']));
  out['on none'] = (await dockerCli(t, ['inspect', '-f', '{{json .HostConfig.Links}}', 'nn'])).stdout;
  await dockerCli(t, ['create', '--name', 'stopped', 'busybox']);
  await dockerCli(t, ['create', '--name', 'w2', '--link', 'stopped:s', 'busybox']);
  out['start linked to a stopped one'] = brief(await dockerCli(t, ['start', 'w2']));
  return out;
});

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py (${flavor}): links by create_host_config, and remove_container(link=True)`, async (t) =>
    dockerPy(t, `
import time
c = api()
res = {}
db = c.create_container('busybox', ['sleep', '300'], name='db', environment={'X': '1'}, ports=[80])
c.start(db)
web = c.create_container('busybox', ['sleep', '300'], name='web', host_config=c.create_host_config(links={'db': 'al', '/db': 'al2'}))
c.start(web)
def hosts():
    e = c.exec_create(web, ['sh', '-c', 'grep -c " al" /etc/hosts'])
    return c.exec_start(e).decode()
res['env'] = sorted(x for x in c.exec_start(c.exec_create(web, ['env'])).decode().split() if x.startswith('AL_'))
res['links'] = sorted(c.inspect_container(web)['HostConfig']['Links'])
res['hosts before'] = hosts()
res['rm link'] = outcome(lambda: c.remove_container('web/al', link=True))
res['links after'] = c.inspect_container(web)['HostConfig']['Links']
res['hosts after'] = hosts()
res['rm it again'] = outcome(lambda: c.remove_container('web/al', link=True))
res['rm default name'] = outcome(lambda: c.remove_container('web', link=True))
res['rm of nosuch'] = outcome(lambda: c.remove_container('nosuch/al', link=True))
res['rm running by link name'] = outcome(lambda: c.remove_container('web/al2'))
res['rm by link name'] = outcome(lambda: c.remove_container('web/al2', force=True))
res['names left'] = sorted(x['Names'][0] for x in c.containers(all=True))
res['links left'] = c.inspect_container(web)['HostConfig']['Links']
res['rm link of a removed container'] = outcome(lambda: c.remove_container('web/al2', link=True))
out(res)
`, { flavor }));
}

sameOnBoth('docker CLI: /.dockerenv and /etc/mtab exist as dockerd\'s init layer makes them; diff leaves them out, export has them', async (t) => {
  const out: Record<string, unknown> = {};
  out['files'] = brief(ok(await dockerCli(t, ['run', '--name', 'ff', 'busybox', 'sh', '-c', 'stat -c "%n %s %a %F %U" /.dockerenv /etc/mtab; readlink /etc/mtab; touch /x'])));
  out['diff'] = brief(await dockerCli(t, ['diff', 'ff']));
  const file = join(dir, `${t.kind}.tar`);
  ok(await dockerCli(t, ['export', '-o', file, 'ff']));
  const list = spawnSync('sh', ['-c', `tar -tvf "$0" | grep -E ' (\\.dockerenv|etc/mtab -> /proc/mounts|dev/console|dev/pts/|dev/shm/|proc/|sys/)$' | awk '{print $1, $3, $6, $7, $8}'`, file], { encoding: 'utf8' });
  out['export'] = list.stdout.split('\n').sort();
  return out;
});
