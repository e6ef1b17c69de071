// System, exec-inspect and default-network scenarios with docker-py: what
// GET /system/df answers at the oracle's API version (1.41: `type` ignored,
// BuilderSize, no build cache), exec inspect's ProcessConfig, and the options
// dockerd shows on its default bridge.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const df = `
c = api()
r = {}
ct = c.create_container('busybox', 'true', name='df-probe')
def df(**params):
    return c._result(c._get(c._url('/system/df'), params=params), True)
whole = df()
r['keys'] = sorted(whole)
r['BuildCache'] = whole.get('BuildCache')
r['BuilderSize'] = whole.get('BuilderSize')
r['containers'] = sorted(n for x in whole['Containers'] for n in x['Names'])
r['images'] = sorted(t for x in whole['Images'] for t in (x['RepoTags'] or []))
r['type=container at 1.41'] = sorted(df(type='container'))
r['docker-py df()'] = sorted(c.df())
out(r)
`;

const execInspect = `
c = api()
r = {}
ct = c.create_container('busybox', 'top')
c.start(ct)
def inspect(**kw):
    e = c.exec_create(ct, ['sh', '-c', 'exit 3'], **kw)
    c.exec_start(e['Id'])
    i = c.exec_inspect(e['Id'])
    return {'ProcessConfig': i['ProcessConfig'], 'ExitCode': i['ExitCode'], 'Running': i['Running'], 'keys': sorted(i)}
r['plain'] = inspect()
r['as a user'] = inspect(user='nobody')
r['tty'] = inspect(tty=True)
out(r)
`;

const defaultBridge = `
c = api()
n = c.inspect_network('bridge')
opts = dict(n['Options'])
# The bridge device's name is each engine's own (docker0; berth's test bridge).
opts['com.docker.network.bridge.name'] = '<bridge>'
# dockerd's default MTU is 1500 whatever the uplink's; berth's follows the host's
# uplink (on purpose: a 1500 bridge behind a 1400 uplink drops large packets).
opts['com.docker.network.driver.mtu'] = opts['com.docker.network.driver.mtu'].isdigit()
out({'Options': opts, 'Driver': n['Driver'], 'Scope': n['Scope'], 'Internal': n['Internal'], 'Attachable': n['Attachable']})
`;

sameOnBoth('docker-py pypi: GET /system/df at API 1.41 (type ignored, BuilderSize, BuildCache null)', (t) => dockerPy(t, df, { flavor: 'pypi' }));
for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: exec inspect's ProcessConfig (an empty user left out)`, (t) => dockerPy(t, execInspect, { flavor }));
}
sameOnBoth("docker-py pypi: the default bridge's options", (t) => dockerPy(t, defaultBridge, { flavor: 'pypi' }));
