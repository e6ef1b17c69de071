// berthd's Engine API driven over plain HTTP against real runc, conmon and
// overlayfs: the container lifecycle, exit codes, logs framing, start failures,
// docker's conflict texts, list filters, auto-remove, image removal rules, and
// the real docker CLI on top.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let imageId: string;

before(async () => {
  d = await startDaemon();
  imageId = await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
});

type Created = { Id: string; Warnings: string[] };

async function create(body: Record<string, unknown>, name?: string): Promise<string> {
  const r = await d.json<Created & { message?: string }>('POST', `/v1.47/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', HostConfig: { NetworkMode: 'none' }, ...body });
  assert.equal(r.status, 201, `create: ${JSON.stringify(r.body)}; ${d.logTail()}`);
  return r.body.Id;
}

function frames(buf: Buffer): { stream: number; text: string }[] {
  const out: { stream: number; text: string }[] = [];
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    out.push({ stream: buf[off]!, text: buf.subarray(off + 8, off + 8 + len).toString() });
    off += 8 + len;
  }
  return out;
}

test('a container runs, its exit code is waited for, and its output is in the logs', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] });
  const wait = d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait?condition=next-exit`);
  const start = await d.request('POST', `/containers/${id}/start`);
  assert.equal(start.status, 204, start.body.toString() + d.logTail());
  assert.equal((await wait).body.StatusCode, 3);
  const logs = await d.request('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
  assert.deepEqual(frames(logs.body), [
    { stream: 1, text: 'hello\n' },
    { stream: 2, text: 'oops\n' },
  ]);
  const info = await d.json<{ State: { Status: string; ExitCode: number }; Config: { Hostname: string } }>('GET', `/containers/${id}/json`);
  assert.equal(info.body.State.Status, 'exited');
  assert.equal(info.body.State.ExitCode, 3);
  assert.equal(info.body.Config.Hostname, id.slice(0, 12));
  assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
});

test('starting a container whose command does not exist leaves it created with exit code 127', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['nosuch'] });
  const r = await d.json<{ message: string }>('POST', `/containers/${id}/start`);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /executable file not found in \$PATH/);
  const info = await d.json<{ State: { Status: string; ExitCode: number; Error: string } }>('GET', `/containers/${id}/json`);
  assert.equal(info.body.State.Status, 'created');
  assert.equal(info.body.State.ExitCode, 127);
  assert.match(info.body.State.Error, /nosuch/);
  await d.request('DELETE', `/containers/${id}`);
});

test('stop sends SIGTERM, then SIGKILL after the timeout, and records 137', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['sleep', '1000'] }, 'sleeper');
  assert.equal((await d.request('POST', `/containers/${id}/start`)).status, 204);
  const list = await d.json<{ Names: string[]; State: string; Status: string }[]>('GET', '/containers/json');
  const row = list.body.find((c) => c.Names[0] === '/sleeper');
  assert.equal(row?.State, 'running');
  assert.match(row?.Status ?? '', /^Up /);

  const refused = await d.json<{ message: string }>('DELETE', `/containers/${id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.message, `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);

  const t0 = Date.now();
  assert.equal((await d.request('POST', `/containers/${id}/stop?t=1`)).status, 204);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 5000, `stop took ${took} ms`);
  const info = await d.json<{ State: { Status: string; ExitCode: number } }>('GET', `/containers/${id}/json`);
  assert.deepEqual([info.body.State.Status, info.body.State.ExitCode], ['exited', 137]);
  assert.equal((await d.request('POST', `/containers/${id}/stop`)).status, 304);

  const dup = await d.json<{ message: string }>('POST', '/containers/create?name=sleeper', { Image: 'busybox' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.message, `Conflict. The container name "/sleeper" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
  assert.equal((await d.request('DELETE', `/containers/${id}`)).status, 204);
});

test('list filters by name, label, status, exited and ancestor', { timeout: 60_000 }, async () => {
  const a = await create({ Cmd: ['true'], Labels: { app: 'x' } }, 'flt-a');
  const b = await create({ Cmd: ['sh', '-c', 'exit 2'] }, 'flt-b');
  const w = d.json('POST', `/containers/${b}/wait?condition=next-exit`);
  await d.request('POST', `/containers/${b}/start`);
  await w;
  const ids = async (filters: Record<string, string[]>) =>
    (await d.json<{ Id: string }[]>('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`)).body.map((c) => c.Id);
  assert.deepEqual(await ids({ name: ['flt-'] }), [b, a]);
  assert.deepEqual(await ids({ label: ['app=x'] }), [a]);
  assert.deepEqual(await ids({ status: ['exited'], name: ['flt-'] }), [b]);
  assert.deepEqual(await ids({ exited: ['2'] }), [b]);
  assert.ok((await ids({ ancestor: ['busybox'] })).includes(a));
  assert.deepEqual(await ids({ id: [a.slice(0, 8)] }), [a]);
  const bad = await d.request('GET', `/containers/json?filters=${encodeURIComponent('{"nope":["x"]}')}`);
  assert.equal(bad.status, 400);
  await d.request('DELETE', `/containers/${a}`);
  await d.request('DELETE', `/containers/${b}`);
});

test('an AutoRemove container is gone once wait?condition=removed returns', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['true'], HostConfig: { NetworkMode: 'none', AutoRemove: true } });
  const wait = d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait?condition=removed`);
  await d.request('POST', `/containers/${id}/start`);
  assert.equal((await wait).body.StatusCode, 0);
  assert.equal((await d.request('GET', `/containers/${id}/json`)).status, 404);
});

test('attach with Upgrade: tcp streams the output of the run it was attached before', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['sh', '-c', 'echo attached; echo err >&2'], AttachStdout: true, AttachStderr: true });
  const got = new Promise<Buffer>((resolve, reject) => {
    const s = connect(d.socket);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.write(`POST /v1.47/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  });
  await new Promise((r) => setTimeout(r, 200));
  await d.request('POST', `/containers/${id}/start`);
  const data = await got;
  const sep = data.indexOf('\r\n\r\n');
  assert.match(data.subarray(0, sep).toString(), /^HTTP\/1\.1 101 UPGRADED/);
  assert.deepEqual(frames(data.subarray(sep + 4)).map((f) => [f.stream, f.text]).sort(), [[1, 'attached\n'], [2, 'err\n']]);
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('image removal follows docker: refuse while used, untag first, never delete under a running container', { timeout: 60_000 }, async () => {
  await d.request('POST', `/images/busybox/tag?repo=rmtest&tag=1`);
  const short = (x: string) => x.replace(/^sha256:/, '').slice(0, 12);
  const byId = await d.json<{ message: string }>('DELETE', `/images/${short(imageId)}`);
  assert.equal(byId.status, 409);
  assert.equal(byId.body.message, `conflict: unable to delete ${short(imageId)} (must be forced) - image is referenced in multiple repositories`);
  const untag = await d.json<{ Untagged?: string }[]>('DELETE', '/images/rmtest:1');
  assert.deepEqual(untag.body, [{ Untagged: 'rmtest:1' }]);
  const id = await create({ Cmd: ['sleep', '1000'] });
  await d.request('POST', `/containers/${id}/start`);
  const used = await d.json<{ message: string }>('DELETE', '/images/busybox');
  assert.equal(used.status, 409);
  assert.equal(used.body.message, `conflict: unable to remove repository reference "busybox" (must force) - container ${short(id)} is using its referenced image ${short(imageId)}`);
  const running = await d.json<{ message: string }>('DELETE', `/images/${short(imageId)}?force=1`);
  assert.equal(running.status, 409);
  assert.equal(running.body.message, `conflict: unable to delete ${short(imageId)} (cannot be forced) - image is being used by running container ${short(id)}`);
  await d.request('DELETE', `/containers/${id}?force=1`);
});

test('the docker CLI runs a container against berthd', { timeout: 60_000 }, async () => {
  const r = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hello']);
  assert.equal(r.stdout, 'hello\n', `${r.stderr}; ${d.logTail()}`);
  assert.equal(r.code, 0);
  const code = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(code.code, 3);
  const missing = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'nosuch']);
  assert.equal(missing.code, 127, missing.stderr);
  const ps = await d.docker(['ps', '-a', '--format', '{{.Names}}']);
  assert.equal(ps.code, 0, ps.stderr);
  const info = await d.docker(['info']);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /Server Version: /);
});

test('containers keep running across a berthd crash and their exit is recorded after restart', { timeout: 60_000 }, async () => {
  const id = await create({ Cmd: ['sh', '-c', 'echo before; sleep 3; echo after; exit 7'] }, 'survivor');
  await d.request('POST', `/containers/${id}/start`);
  await d.kill('SIGKILL');
  await d.restart();
  const info = await d.json<{ State: { Status: string } }>('GET', `/containers/${id}/json`);
  assert.equal(info.body.State.Status, 'running', d.logTail());
  const wait = await d.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
  assert.equal(wait.body.StatusCode, 7);
  const logs = await d.request('GET', `/containers/${id}/logs?stdout=1`);
  assert.deepEqual(frames(logs.body).map((f) => f.text), ['before\n', 'after\n']);
  await d.request('DELETE', `/containers/${id}`);
});
