// Hijacked streams with docker-py (Debian's 5.0.3 and the newest from PyPI),
// against berthd and the oracle: attach_socket with stdin (before and after
// start, with and without a TTY; 1000, 5000 and 1 MiB written, the count read
// back exact, stdout framed as stream 1), and exec_start in all its shapes
// (tty on create and/or start, streamed or not, demuxed or not, a socket,
// stdin, the exit code from exec_inspect). Regression for issue 11.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const prelude = `
import socket, struct, time
def read_all(sock):
    raw = getattr(sock, '_sock', sock)
    raw.settimeout(60)
    data = b''
    while True:
        b = raw.recv(65536)
        if not b:
            return data
        data += b
def frames(data):
    res, off = [], 0
    while off + 8 <= len(data):
        kind, size = struct.unpack('>BxxxL', data[off:off + 8])
        res.append([kind, data[off + 8:off + 8 + size].decode()])
        off += 8 + size
    return res if off == len(data) else {'unframed': data[:200].decode(errors='replace')}
`;

const attachStdin = `${prelude}
import re
c = api()
result = {}
for tty in (False, True):
    for n in (1000, 5000, 1 << 20):
        for before_start in (True, False):
            # Lines of 100 bytes: a terminal's line discipline takes at most 4095 bytes per line.
            data = (b'x' * 99 + b'\\n') * (n // 100)
            cid = c.create_container('busybox', ['sh', '-c', 'head -c %d | wc -c' % len(data)], stdin_open=True, tty=tty)['Id']
            if not before_start:
                c.start(cid)
            sock = c.attach_socket(cid, params={'stdin': 1, 'stdout': 1, 'stderr': 1, 'stream': 1})
            if before_start:
                c.start(cid)
            raw = sock._sock
            raw.sendall(data)
            if not tty:
                raw.shutdown(socket.SHUT_WR)
            out_bytes = read_all(sock)
            sock.close()
            key = 'tty=%s n=%d %s start' % (tty, len(data), 'before' if before_start else 'after')
            if tty:
                # The echo of a large input is cut by the kernel's pty buffer on any engine, at any byte (so
                # the count may follow a partial echoed line): compare the count that ends the output only.
                text = out_bytes.decode(errors='replace')
                last = re.search('([0-9]+)\\r\\n\\s*$', text)
                result[key] = {'count line': last.group(1) if last else text[-200:], 'crlf': '\\r\\n' in text}
            else:
                result[key] = frames(out_bytes)
            result[key + ' wait'] = c.wait(cid)['StatusCode']
            c.remove_container(cid, force=True)
out(result)
`;

const stdinOnce = `${prelude}
c = api()
result = {}
# cat ends at the client's half-close (StdinOnce), and its output comes back framed as stdout.
cid = c.create_container('busybox', ['sh', '-c', 'cat; echo done >&2'], stdin_open=True)['Id']
sock = c.attach_socket(cid, params={'stdin': 1, 'stdout': 1, 'stderr': 1, 'stream': 1})
c.start(cid)
sock._sock.sendall(b'one\\n')
time.sleep(0.3)
sock._sock.sendall(b'two\\n')
sock._sock.shutdown(socket.SHUT_WR)
data = read_all(sock)
result['frames joined'] = {str(k): ''.join(t for kind, t in frames(data) if kind == k) for k in (1, 2)}
result['wait'] = c.wait(cid)['StatusCode']
info = c.inspect_container(cid)['Config']
result['config'] = {k: info[k] for k in ('OpenStdin', 'StdinOnce', 'AttachStdin', 'Tty')}
out(result)
`;

const execShapes = `${prelude}
c = api()
cid = c.create_container('busybox', 'cat', stdin_open=True)['Id']
c.start(cid)
cmd = 'sh -c "echo hello out; sleep 0.5; echo hello err >&2"'
result = {}
for create_tty in (False, True):
    for start_tty in (False, True):
        for stream in (False, True):
            for demux in (False, True):
                eid = c.exec_create(cid, cmd, tty=create_tty)['Id']
                res = c.exec_start(eid, tty=start_tty, stream=stream, demux=demux)
                if stream:
                    res = list(res)
                    # How a stream is cut into chunks is the kernel's business: compare the joined bytes.
                    res = [b''.join(x[0] or b'' for x in res), b''.join(x[1] or b'' for x in res)] if demux else b''.join(res)
                key = 'create tty=%s start tty=%s stream=%s demux=%s' % (create_tty, start_tty, stream, demux)
                result[key] = [x.decode() if x is not None else None for x in res] if demux else res.decode()
# exec_start(socket=True) of an exec created with a TTY: dockerd frames it (the start's Tty is false).
line = 'yay, interactive exec!'
eid = c.exec_create(cid, ['printf', line], tty=True)['Id']
sock = c.exec_start(eid, socket=True)
result['socket with create tty'] = frames(read_all(sock))
sock.close()
# stdin to an exec, its half-close, its exit code.
for tty in (False, True):
    eid = c.exec_create(cid, ['sh', '-c', 'head -c 5000 | wc -c; exit 3'], stdin=True, tty=tty)['Id']
    sock = c.exec_start(eid, socket=True, tty=tty)
    sock._sock.sendall((b'y' * 99 + b'\\n') * 50)
    if not tty:
        sock._sock.shutdown(socket.SHUT_WR)
    data = read_all(sock)
    sock.close()
    for _ in range(50):
        info = c.exec_inspect(eid)
        if not info['Running']:
            break
        time.sleep(0.1)
    result['stdin tty=%s' % tty] = {
        'output': data.decode().split('\\r\\n')[-2] if tty else frames(data),
        'ExitCode': info['ExitCode'], 'Running': info['Running'],
        'ProcessConfig': info['ProcessConfig'], 'OpenStdin': info['OpenStdin'],
    }
out(result)
`;

const detach = `${prelude}
c = api()
def detach_with_default_keys(sock):
    raw = sock._sock
    for key in (b'\\x10', b'\\x11'):
        raw.sendall(key)
        time.sleep(0.5)
    raw.sendall(b'make sure the socket is closed\\n')
    raw.settimeout(10)
    return raw.recv(128).decode()
cid = c.create_container('busybox', 'cat', stdin_open=True, tty=True)['Id']
c.start(cid)
result = {'container': detach_with_default_keys(c.attach_socket(cid, {'stdin': True, 'stream': True}))}
result['container status'] = c.inspect_container(cid)['State']['Status']
eid = c.exec_create(cid, 'cat', stdin=True, tty=True, stdout=True)['Id']
result['exec'] = detach_with_default_keys(c.exec_start(eid, tty=True, socket=True))
time.sleep(0.5)
info = c.exec_inspect(eid)
result['exec after detach'] = {'Running': info['Running'], 'ExitCode': info['ExitCode']}
out(result)
`;

for (const flavor of ['debian', 'pypi'] as const) {
  sameOnBoth(`docker-py ${flavor}: ctrl-p ctrl-q detach from a container and from an exec (dockerd's exec message, exit 126)`, (t) => dockerPy(t, detach, { flavor }));
  sameOnBoth(`docker-py ${flavor}: attach_socket carries 1000, 5000 and 1 MiB of stdin exactly, before and after start, with and without a TTY`, (t) => dockerPy(t, attachStdin, { flavor, timeoutMs: 240_000 }), { timeout: 600_000 });
  sameOnBoth(`docker-py ${flavor}: attach_socket's half-close ends a StdinOnce container's stdin, output framed by stream`, (t) => dockerPy(t, stdinOnce, { flavor }));
  sameOnBoth(`docker-py ${flavor}: exec_start with tty on create and/or start, streamed or not, demuxed or not, a socket, stdin and the exit code`, (t) => dockerPy(t, execShapes, { flavor, timeoutMs: 240_000 }), { timeout: 600_000 });
}
