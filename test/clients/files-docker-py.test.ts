// Container file routes with docker-py: get_archive's stat and content of the
// files the engine writes for a container (/etc/hostname, /etc/hosts,
// /etc/resolv.conf) — running and stopped, where dockerd shows the
// container's own files, not the empty mount points in its rootfs — and of
// image files; export's member list; diff; top.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const archive = `
import io, tarfile
c = api()
r = {}
ct = c.create_container('busybox', ['sh', '-c', 'echo made > /made; sleep 2'], hostname='filesbox')
def get(path):
    res = outcome(lambda: c.get_archive(ct, path))
    if 'ok' not in res:
        return res
    stream, st = res['ok']
    data = b''.join(stream)
    members = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            f = t.extractfile(m) if m.isfile() else None
            # Permission bits only: Go's archive/tar also writes the file-type bits into the mode field
            # (0o100644), tar-stream does not — a known difference no client reads.
            members[m.name] = {'type': m.type.decode(), 'size': m.size, 'mode': oct(m.mode & 0o7777), 'content': f.read().decode() if f and m.size < 200 else None}
    return {'stat': {k: st[k] for k in ('name', 'size', 'mode', 'linkTarget')}, 'members': members}
paths = ['/etc/hostname', '/etc/passwd', '/bin/sh', '/made', '/nope']
# Before the first start /etc/hostname is the init layer's empty mount point (branch create-fields' init layer).
r['created'] = {p: get(p) for p in paths if p != '/etc/hostname'}
c.start(ct)
r['running'] = {p: get(p) for p in ['/etc/hostname', '/made']}
c.wait(ct)
r['stopped'] = {p: get(p) for p in paths}
# hosts and resolv.conf differ in content between engines (addresses, the host's resolvers): their type and mode must not.
for p in ['/etc/hosts', '/etc/resolv.conf']:
    st = c.get_archive(ct, p)[1]
    r['stopped ' + p] = {'mode': st['mode'], 'empty': st['size'] == 0}
out(r)
`;

const exportAndDiff = `
import io, tarfile
c = api()
r = {}
ct = c.create_container('busybox', ['sh', '-c', 'mkdir /newdir && echo x > /newdir/f && rm /etc/passwd'])
c.start(ct)
c.wait(ct)
r['diff'] = sorted((d['Path'], d['Kind']) for d in c.diff(ct))
data = b''.join(c.export(ct))
with tarfile.open(fileobj=io.BytesIO(data)) as t:
    names = set(t.getnames())
    r['export etc files'] = {n: (t.getmember(n).size if n in names else None) for n in ('etc/hostname', 'etc/hosts', 'etc/resolv.conf')}
    r['export has newdir/f'] = 'newdir/f' in names
    r['export has etc/passwd'] = 'etc/passwd' in names
out(r)
`;

sameOnBoth('docker-py pypi: get_archive of a container\'s own /etc files and image files, created, running and stopped', (t) => dockerPy(t, archive, { flavor: 'pypi' }));
sameOnBoth('docker-py debian: diff and export of a stopped container', (t) => dockerPy(t, exportAndDiff, { flavor: 'debian' }));
