// POST /build through docker-py (Debian's 5.0.3 and the newest from PyPI): fileobj and path contexts, a Dockerfile outside the
// context (sent as `.dockerfile.<random>` with a generated .dockerignore),
// .dockerignore, buildargs, labels, target, extra_hosts, cache_from, rm and
// forcerm, q, container limits, stderr output, failing steps and refused
// options — compared with dockerd 20.10's classic builder.
//
// The build stream is compared as a transcript: consecutive `stream` texts
// joined (the engines cut RUN output into messages differently), `aux` and
// errors kept as messages in place. dockerd runs a throw-away container for
// each metadata step (ENV, LABEL, WORKDIR…) and prints its ` ---> Running in`
// and `Removing intermediate container` lines; berthd commits those steps
// without one, so these two kinds of lines are left out of the transcript.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const prelude = `
import io, tarfile, tempfile, shutil, re
def ctx(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w') as t:
        for n, d in sorted(files.items()):
            data = d.encode()
            ti = tarfile.TarInfo(n); ti.size = len(data); ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    b.seek(0)
    return b
def transcript(messages):
    out, text = [], ''
    for m in messages:
        if set(m) == {'stream'}:
            text += m['stream']
            continue
        if text: out.append(text); text = ''
        out.append(m)
    if text: out.append(text)
    keep = lambda l: not re.match(r'^ ---> Running in [0-9a-f]{12}$|^Removing intermediate container [0-9a-f]{12}$', l)
    return [('\\n'.join(l for l in x.split('\\n') if keep(l)) if isinstance(x, str) else x) for x in out]
def build(**kw):
    try:
        return transcript(list(api().build(decode=True, **kw)))
    except docker.errors.APIError as e:
        return {'status': e.status_code, 'explanation': e.explanation}
def run_logs(image, cmd):
    c = api()
    cid = c.create_container(image, cmd)['Id']
    c.start(cid); c.wait(cid)
    logs = c.logs(cid).decode()
    c.remove_container(cid)
    return logs
def dirs(files):
    d = tempfile.mkdtemp()
    for n, data in files.items():
        p = os.path.join(d, n)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, 'w').write(data)
    return d
`;

const py = (body: string) => `${prelude}\n${body}`;

const streams = py(`
out({
  'stderr in red, a failing RUN with its code': build(fileobj=ctx({'Dockerfile': 'FROM busybox\\nRUN echo out; sleep 0.3; echo err >&2; sleep 0.3; echo out2\\nRUN sh -c ">&2 echo \\'Ancient Temple\\'"\\nRUN false\\n'}), custom_context=True, rm=True),
  'exit code 3 without rm': build(fileobj=ctx({'Dockerfile': 'FROM busybox\\nRUN exit 3\\n'}), custom_context=True, rm=False),
  'forcerm removes the failed container': build(fileobj=ctx({'Dockerfile': 'FROM busybox\\nRUN echo hi && false\\n'}), custom_context=True, forcerm=True),
  'left containers': len(api().containers(all=True)),
  'quiet success': build(fileobj=ctx({'Dockerfile': 'FROM busybox\\nRUN echo q\\n'}), custom_context=True, quiet=True, rm=True),
  'quiet failure': build(fileobj=ctx({'Dockerfile': 'FROM busybox\\nRUN echo shown-on-failure; false\\n'}), custom_context=True, quiet=True, rm=True),
  'two stages, an unused build arg': build(fileobj=ctx({'Dockerfile': 'FROM busybox AS a\\nRUN echo a > /a\\nFROM busybox\\nCOPY --from=a /a /a\\n'}), custom_context=True, rm=True, buildargs={'Z': 'z'}),
})
`);

const contexts = py(`
ign = dirs({'Dockerfile': 'FROM busybox\\nADD . /test\\n', 'not-ignored': 'x', '#file.txt': 'x', 'ignored-with-spaces': 'x',
            'ignored/subdir/file': 'x', 'ignored/subdir/excepted-file': 'x', 'ignored/subdir/excepted-with-spaces': 'x',
            '.dockerignore': '\\n'.join(['ignored', 'Dockerfile', '.dockerignore', ' ignored-with-spaces ', '!ignored/subdir/excepted-file', '! ignored/subdir/excepted-with-spaces  ', '#*'])})
outside = dirs({'Dockerfile': 'FROM busybox\\nCOPY . /src\\nWORKDIR /src\\n'})
base = dirs({'file.txt': 'hello world', '.dockerignore': '.dockerignore\\n'})
base2 = dirs({'file.txt': 'hello', '.dockerignore': 'b.txt\\n', 'b.txt': 'b'})
nested = dirs({'file.txt': 'hello', 'hello/world/custom.dockerfile': 'FROM busybox\\nCOPY . /src\\nWORKDIR /src\\n'})
tar_ignore = ctx({'Dockerfile': 'FROM busybox\\nCOPY . /ctx/\\n', '.dockerignore': 'secret.txt\\nDockerfile\\n', 'secret.txt': 's', 'a.txt': 'a'})
result = {}
result['dockerignore build'] = build(path=ign, tag='py-ignore', rm=True)
result['dockerignore files'] = sorted(run_logs('py-ignore', ['find', '/test', '-type', 'f']).split())
result['outside build'] = build(path=base, dockerfile=os.path.join(outside, 'Dockerfile'), tag='py-outside', rm=True)
result['outside files'] = sorted(run_logs('py-outside', ['ls', '-a']).split())
build(path=base2, dockerfile=os.path.join(outside, 'Dockerfile'), tag='py-outside2', rm=True)
result['outside with user patterns'] = sorted(run_logs('py-outside2', ['ls', '-a']).split())
result['nested build'] = build(path=nested, dockerfile='hello/world/custom.dockerfile', tag='py-nested', rm=True)
result['nested files'] = sorted(run_logs('py-nested', ['ls', '-a']).split())
result['a tar with its own .dockerignore'] = build(fileobj=tar_ignore, custom_context=True, tag='py-tar', rm=True)
result['what the server keeps'] = sorted(run_logs('py-tar', ['find', '/ctx']).split())
result['gzip'] = build(path=base, gzip=True, dockerfile=os.path.join(outside, 'Dockerfile'), rm=True)
out(result)
`);

const options = py(`
df = 'FROM busybox AS base\\nARG A=1\\nRUN echo a=$A\\nFROM base AS second\\nRUN echo second\\nFROM busybox\\nCMD ["x"]\\n'
result = {}
result['target, buildargs, labels'] = build(fileobj=ctx({'Dockerfile': df}), custom_context=True, target='base', buildargs={'A': '7', 'UNUSED': 'u'}, labels={'l1': 'v1', 'l2': 'v"2'}, tag='py-opts:one', rm=True)
info = api().inspect_image('py-opts:one')
result['image'] = {'Labels': info['Config']['Labels'], 'RepoTags': info['RepoTags'], 'Cmd': info['Config']['Cmd']}
result['scratch with labels'] = build(fileobj=io.BytesIO(b'FROM scratch\\nARG test\\nUSER $test\\n'), tag='py-scratch', labels={'test': 'OK'}, buildargs={'test': 'OK'})
s = api().inspect_image('py-scratch')
result['scratch image'] = {'Labels': s['Config']['Labels'], 'User': s['Config']['User']}
result['extra hosts'] = build(fileobj=io.BytesIO(b'FROM busybox\\nRUN grep test /etc/hosts\\n'), extra_hosts={'extrahost.local.test': '127.0.0.1', 'hello.world.test': '127.0.0.1'}, rm=True)
result['bad extra host'] = build(fileobj=io.BytesIO(b'FROM busybox\\nRUN true\\n'), extra_hosts=['bad'], rm=True)
result['bad extra host ip'] = build(fileobj=io.BytesIO(b'FROM busybox\\nRUN true\\n'), extra_hosts=['h:notanip'], rm=True)
result['limits'] = build(fileobj=io.BytesIO(b'FROM busybox\\nRUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; df -k /dev/shm | tail -1; grep Cpus_allowed_list /proc/self/status\\n'),
                         container_limits={'memory': 64000000, 'cpusetcpus': '0'}, shmsize=33554432, rm=True, nocache=True)
result['network none'] = build(fileobj=io.BytesIO(b'FROM busybox\\nRUN ping -c1 -W1 10.0.0.1 2>/dev/null\\n'), network_mode='none', rm=True, nocache=True)
out(result)
`);

const cache = py(`
script = b'FROM busybox\\nENV FOO=bar\\nRUN touch baz\\nRUN touch bax\\n'
uses = lambda m: sum('Using cache' in x.get('stream', '') for x in m)
c = api()
list(c.build(fileobj=io.BytesIO(script), tag='build1', rm=True))
result = {'from build1': uses(c.build(fileobj=io.BytesIO(script), tag='build2', cache_from=['build1'], decode=True, rm=True))}
c.remove_image('build2')
result['from a missing image'] = uses(c.build(fileobj=io.BytesIO(script), tag='build2', cache_from=['nosuchtag'], decode=True, rm=True))
result['without cache_from'] = uses(c.build(fileobj=io.BytesIO(script), tag='build3', decode=True, rm=True))
out(result)
`);

const refused = py(`
f = lambda: io.BytesIO(b'FROM busybox\\n')
out({
  'squash': build(fileobj=f(), squash=True),
  'isolation process': build(fileobj=f(), isolation='process'),
  'isolation default': build(fileobj=f(), isolation='default'),
  'unknown target': build(fileobj=io.BytesIO(b'FROM busybox AS a\\n'), target='nope'),
  'missing Dockerfile': build(fileobj=ctx({'a': 'a'}), custom_context=True),
  'named Dockerfile missing': build(fileobj=ctx({'a': 'a'}), custom_context=True, dockerfile='nope'),
  'outside the context': build(fileobj=ctx({'a': 'a'}), custom_context=True, dockerfile='../x'),
  'empty Dockerfile': build(fileobj=ctx({'Dockerfile': ''}), custom_context=True),
  'comments only': build(fileobj=ctx({'Dockerfile': '# nothing\\n'}), custom_context=True),
  'unknown instruction': build(fileobj=io.BytesIO(b'FROM busybox\\nBOGUS x\\n')),
  'missing COPY source': build(fileobj=io.BytesIO(b'FROM busybox\\nCOPY nope /x\\n')),
  'lower-case dockerfile': build(fileobj=ctx({'dockerfile': 'FROM busybox\\n'}), custom_context=True),
})
`);

const highLevel = `
import io
d = client()
image, logs = d.images.build(fileobj=io.BytesIO(b'FROM busybox\\nCMD echo Successfully built abcd1234\\n'), tag='py-high', rm=True)
ran = d.containers.run(image, remove=True).decode()
try:
    d.images.build(fileobj=io.BytesIO(b'FROM busybox\\nRUN exit 2\\n'), rm=True)
    failed = None
except docker.errors.BuildError as e:
    failed = {'msg': e.msg, 'last': list(e.build_log)[-1]}
out({'tags': image.tags, 'run': ran, 'failed': failed, 'log has Successfully': any('Successfully built' in x.get('stream', '') for x in logs)})
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: the build stream (stderr, failing RUN codes, rm/forcerm, q, stages and the unused build-arg warning)`, (t) => dockerPy(t, streams, { flavor }));
  sameOnBoth(`docker-py ${flavor}: contexts from a path (.dockerignore, a Dockerfile outside or nested in the context, gzip) and a tar with its own .dockerignore`, (t) => dockerPy(t, contexts, { flavor }));
  sameOnBoth(`docker-py ${flavor}: target, buildargs, labels, extra_hosts, container_limits, shmsize and network_mode`, (t) => dockerPy(t, options, { flavor }));
  sameOnBoth(`docker-py ${flavor}: cache_from uses a cache image's ancestry only`, (t) => dockerPy(t, cache, { flavor }));
  sameOnBoth(`docker-py ${flavor}: what dockerd refuses, with its statuses and texts`, (t) => dockerPy(t, refused, { flavor }));
  sameOnBoth(`docker-py ${flavor}: images.build returns the image and raises BuildError on a failing step`, (t) => dockerPy(t, highLevel, { flavor }));
}
