// Interactive containers through berthd: stdin piped through `berth run -i` and
// through the real docker CLI reaches the container and its half-close ends
// it; the raw attach API carries input and framed output; a TTY container gets
// its size from /containers/{id}/resize.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

test('echo hi | berth run -i --rm busybox cat prints hi', { timeout: 60_000 }, async () => {
  const r = await d.berth(['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], { input: 'hi\n' });
  assert.equal(r.stdout, 'hi\n', r.stderr + d.logTail());
  assert.equal(r.code, 0);
});

test('berth run -i busybox sh reads its commands from a pipe and exits with their code', { timeout: 60_000 }, async () => {
  const r = await d.berth(['run', '-i', '--rm', '--network', 'none', 'busybox', 'sh'], { input: 'echo one\necho two >&2\nexit 4\n' });
  assert.equal(r.stdout, 'one\n', r.stderr + d.logTail());
  assert.equal(r.stderr, 'two\n');
  assert.equal(r.code, 4);
});

test('echo hi | docker run -i --rm busybox cat prints hi through the real docker CLI', { timeout: 60_000 }, async () => {
  const r = await d.docker(['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], { input: 'hi\n' });
  assert.equal(r.stdout, 'hi\n', r.stderr + d.logTail());
  assert.equal(r.code, 0);
});

test('a large input passes through stdin unchanged', { timeout: 60_000 }, async () => {
  const input = 'x'.repeat(100_000) + '\n';
  const r = await d.berth(['run', '-i', '--rm', '--network', 'none', 'busybox', 'wc', '-c'], { input });
  assert.equal(r.stdout.trim(), String(input.length), r.stderr + d.logTail());
});

/** Opens a hijacked attach; resolves with the socket once the 101 has been read. */
function hijack(path: string): Promise<{ sock: ReturnType<typeof connect>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(d.socket);
    let buf = Buffer.alloc(0);
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const head = buf.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
      resolve({ sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.on('error', reject);
    sock.write(`POST ${path} HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  });
}

function readAll(sock: ReturnType<typeof connect>, first: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks = [first];
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

test('attach before start carries stdin in and framed stdout and stderr out', { timeout: 60_000 }, async () => {
  const created = await d.json<{ Id: string }>('POST', '/containers/create', {
    Image: 'busybox', Cmd: ['sh', '-c', 'read x; echo "got $x"; echo err >&2'], OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' },
  });
  const id = created.body.Id;
  const { sock, rest } = await hijack(`/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
  const all = readAll(sock, rest);
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  sock.end('hello\n');
  const buf = await all;
  const frames: { stream: number; text: string }[] = [];
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    frames.push({ stream: buf[off]!, text: buf.subarray(off + 8, off + 8 + len).toString() });
    off += 8 + len;
  }
  assert.deepEqual(frames, [{ stream: 1, text: 'got hello\n' }, { stream: 2, text: 'err\n' }]);
  const wait = await d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
  assert.equal(wait.body.StatusCode, 0);
  // Output seen through attach is in the log as well.
  const logs = await d.request('GET', `/containers/${id}/logs?stdout=1`);
  assert.match(logs.body.toString(), /got hello/);
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('a TTY container takes its size from the resize endpoint', { timeout: 60_000 }, async () => {
  const created = await d.json<{ Id: string }>('POST', '/containers/create', {
    Image: 'busybox', Cmd: ['sh'], Tty: true, OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' },
  });
  const id = created.body.Id;
  const { sock, rest } = await hijack(`/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
  const all = readAll(sock, rest);
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  assert.equal((await d.request('POST', `/containers/${id}/resize?h=27&w=91`)).status, 200, d.logTail());
  sock.write('stty size; exit 5\n');
  const out = (await all).toString();
  assert.match(out, /27 91/);
  const wait = await d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
  assert.equal(wait.body.StatusCode, 5);
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('berth attach --no-stdin streams a running container\'s output and exits with its code', { timeout: 60_000 }, async () => {
  const run = await d.berth(['run', '-d', '-i', '--name', 'ns', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 1; echo done; exit 2']);
  assert.equal(run.code, 0, run.stderr);
  const r = await d.berth(['attach', '--no-stdin', 'ns'], { input: 'ignored\n' });
  assert.equal(r.stdout, 'done\n', r.stderr);
  assert.equal(r.code, 2);
  const stopped = await d.berth(['attach', 'ns']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /You cannot attach to a stopped container, start it first/);
  await d.berth(['rm', 'ns']);
});
