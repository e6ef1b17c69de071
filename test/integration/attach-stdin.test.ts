// Interactive containers through berthd: stdin piped through `berth run -i` and
// through the real docker CLI reaches the container and its half-close ends
// it; the raw attach API carries input and framed output; a TTY container gets
// its size from /containers/{id}/resize.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { ensureBusybox, startDaemon, streamRuns, type Daemon } from './harness.ts';

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

for (const n of [1000, 5000, 1 << 20]) {
  for (const when of ['before', 'after'] as const) {
    test(`regression (issue 11): ${n} bytes written to a hijacked attach ${when} start all reach the process`, { timeout: 120_000 }, async () => {
      const created = await d.json<{ Id: string }>('POST', '/containers/create', {
        Image: 'busybox', Cmd: ['wc', '-c'], OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' },
      });
      const id = created.body.Id;
      if (when === 'after') assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
      const { sock, rest } = await hijack(`/v1.41/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
      const all = readAll(sock, rest);
      if (when === 'before') assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
      // Many small writes as well as one large one: the chunks must arrive in order and none may be lost.
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = 97 + (i % 26);
      const half = Math.floor(n / 2);
      for (let off = 0; off < half; off += 100) sock.write(data.subarray(off, Math.min(off + 100, half)));
      sock.end(data.subarray(half));
      assert.deepEqual(streamRuns(await all), [[1, `${n}\n`]], d.logTail());
      await d.request('DELETE', `/containers/${id}?force=1`);
    });
  }
}

test('regression (issue 11): stdin reaches the process in order (sha256 of 1 MiB written in chunks)', { timeout: 120_000 }, async () => {
  const created = await d.json<{ Id: string }>('POST', '/containers/create', {
    Image: 'busybox', Cmd: ['sha256sum'], OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' },
  });
  const id = created.body.Id;
  const { sock, rest } = await hijack(`/v1.41/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
  const all = readAll(sock, rest);
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  const data = Buffer.alloc(1 << 20);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i, i);
  for (let off = 0; off < data.length; off += 3000) sock.write(data.subarray(off, off + 3000));
  sock.end();
  const want = createHash('sha256').update(data).digest('hex');
  assert.deepEqual(streamRuns(await all), [[1, `${want}  -\n`]], d.logTail());
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('regression (issue 11): a TTY attach is a raw stream and its input is counted exactly', { timeout: 120_000 }, async () => {
  const data = Buffer.from(`${'q'.repeat(99)}\n`.repeat(50));
  const created = await d.json<{ Id: string }>('POST', '/containers/create', {
    Image: 'busybox', Cmd: ['sh', '-c', `head -c ${data.length} | wc -c`], Tty: true, OpenStdin: true, StdinOnce: true, HostConfig: { NetworkMode: 'none' },
  });
  const id = created.body.Id;
  const { sock, rest } = await hijack(`/v1.41/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
  const all = readAll(sock, rest);
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  sock.write(data);
  const out = (await all).toString();
  assert.ok(out.endsWith(`\r\n${data.length}\r\n`), JSON.stringify(out.slice(-40)));
  assert.equal(out.length, data.length + 50 + `${data.length}\r\n`.length, 'the echo with \\r\\n line ends, then the count, unframed');
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('the attach response says raw-stream on 200 and before API 1.42, multiplexed-stream on 101 from 1.42, as dockerd', { timeout: 60_000 }, async () => {
  const created = await d.json<{ Id: string }>('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  const id = created.body.Id;
  const head = (version: string, upgrade: boolean) => new Promise<string>((resolve, reject) => {
    const sock = connect(d.socket);
    let buf = '';
    sock.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) { sock.destroy(); resolve(buf.slice(0, end)); }
    });
    sock.on('error', reject);
    sock.write(`POST /${version}/containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: api\r\n${upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : ''}\r\n`);
  });
  assert.match(await head('v1.41', true), /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.raw-stream(\r\n|$)/);
  assert.match(await head('v1.42', true), /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.multiplexed-stream(\r\n|$)/);
  assert.match(await head('v1.44', false), /^HTTP\/1.1 200 OK\r\nContent-Type: application\/vnd.docker.raw-stream(\r\n|$)/);
  await d.request('DELETE', `/containers/${id}?force=1`);
});
