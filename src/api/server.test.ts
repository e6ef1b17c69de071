// Unit tests of the API layer over a fake Engine: routing, versions, 501/404,
// the error map, wire shapes, log framing and the attach hijack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflict, notFound } from '../core/errors.ts';
import type { Container, ContainerSpec } from '../core/types.ts';
import type { Engine } from '../engine/index.ts';
import type { Image } from '../engine/index.ts';
import type { LogLine } from '../core/types.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { createApiServer, type ApiServer } from './server.ts';
import { deframe } from './mux.ts';

const id = 'a'.repeat(64);
let created: ContainerSpec | undefined;

function container(over: Partial<Container> = {}): Container {
  return {
    id,
    name: 'w',
    created: new Date(Date.now() - 60_000).toISOString(),
    imageId: `sha256:${'b'.repeat(64)}`,
    spec: created ?? ({ image: 'busybox', env: [], labels: {}, tty: false, host: { networkMode: 'none' } } as unknown as ContainerSpec),
    path: 'sh',
    args: ['-c', 'exit 3'],
    env: ['PATH=/bin'],
    hostname: id.slice(0, 12),
    state: { status: 'exited', pid: 0, exitCode: 3, oomKilled: false, error: '', startedAt: new Date(Date.now() - 30_000).toISOString(), finishedAt: new Date(Date.now() - 3_000).toISOString() },
    restartCount: 0,
    runtime: 'runc',
    logPath: '/x.log',
    hostnamePath: '/h',
    hostsPath: '/hosts',
    resolvConfPath: '/r',
    ...over,
  };
}

const image: Image = {
  id: `sha256:${'b'.repeat(64)}`,
  repoTags: ['docker.io/library/busybox:latest'],
  repoDigests: [],
  created: '2024-01-01T00:00:00Z',
  size: 1234,
  config: { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${'c'.repeat(64)}`] } },
  layers: [{ diffId: `sha256:${'c'.repeat(64)}`, chainId: `sha256:${'c'.repeat(64)}`, size: 1234 }],
  chain: [`sha256:${'c'.repeat(64)}`],
};

const lines: LogLine[] = [
  { stream: 'stdout', time: '2024-01-01T00:00:00.000000001Z', data: Buffer.from('hello\n') },
  { stream: 'stderr', time: '2024-01-01T00:00:01.000000001Z', data: Buffer.from('oops\n') },
];

async function* gen(xs: LogLine[]) {
  for (const x of xs) yield x;
}

const find = (x: string) => {
  if (x !== 'w' && x !== id) throw notFound(`No such container: ${x}`);
  return container();
};

const fake: Engine = {
  containers: {
    async create(spec, options) {
      if (options?.name === 'taken') throw conflict('Conflict. The container name "/taken" is already in use');
      created = spec;
      return { id, warnings: [] };
    },
    async start(x) {
      find(x);
      return true;
    },
    async stop(x) {
      find(x);
      return false;
    },
    async kill(x) {
      find(x);
    },
    async restart(x) {
      find(x);
    },
    async wait(x) {
      find(x);
      await new Promise((r) => setTimeout(r, 50));
      return { exitCode: 3 };
    },
    async remove(x) {
      find(x);
    },
    async removeLink(x) {
      find(x);
    },
    async list() {
      return [container()];
    },
    async inspect(x) {
      return find(x);
    },
    logs(x) {
      find(x);
      return gen(lines);
    },
    attach(x) {
      find(x);
      return gen(lines);
    },
    async attachStdio(x) {
      find(x);
      return {
        tty: false,
        output: (async function* () {
          for (const l of lines) yield { stream: l.stream, data: l.data };
        })(),
        async write() {},
        closeStdin() {},
        close() {},
      };
    },
    async resize(x) {
      find(x);
    },
    async pause(x) {
      find(x);
    },
    async unpause(x) {
      find(x);
    },
    async rename(x) {
      find(x);
    },
    async top(x) {
      find(x);
      return { titles: ['PID', 'CMD'], processes: [] };
    },
  },
  images: {
    async list() {
      return [image];
    },
    async inspect(x) {
      if (x !== 'busybox') throw notFound(`No such image: ${x}`);
      return image;
    },
    async tag() {},
    async remove() {
      return [{ untagged: 'busybox:latest' }, { deleted: image.id }];
    },
    async history() {
      return [];
    },
    async import() {
      return image;
    },
    async load() {
      return { messages: ['Loaded image: busybox:latest'], images: [image.id] };
    },
    async save() {},
  },
  system: {
    async info() {
      throw new Error('not used');
    },
  },
  volumes: {
    async create() { throw new Error('not used'); },
    async list() { return []; },
    async inspect(name) { throw notFound(`get ${name}: no such volume`); },
    async remove() {},
    async prune() { return { deleted: [], spaceReclaimed: 0 }; },
    async usage() { return []; },
  },
  async close() {},
};

let dir: string;
let sock: string;
let api: ApiServer;

before(async () => {
  setLogSink(() => undefined);
  dir = await mkdtemp(join(tmpdir(), 'berth-api-'));
  sock = join(dir, 'api.sock');
  api = createApiServer({ engine: fake, log });
  await api.listenUnix(sock);
});

after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

const json = (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>;

test('the socket is created with mode 0660', async () => {
  assert.equal((await stat(sock)).mode & 0o777, 0o660);
});

test('GET /_ping answers OK with the API version and OS type headers', async () => {
  const r = await call('GET', '/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'OK');
  assert.equal(r.headers['api-version'], '1.47');
  assert.equal(r.headers['ostype'], 'linux');
  assert.equal(r.headers['docker-experimental'], 'false');
  assert.equal(r.headers['pragma'], 'no-cache');
});

test('HEAD /_ping answers without a body', async () => {
  const r = await call('HEAD', '/v1.41/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
});

test('a client version above 1.47 is refused with docker\'s text', async () => {
  const r = await call('GET', '/v1.99/_ping');
  assert.equal(r.status, 400);
  assert.equal(json(r.body)['message'], 'client version 1.99 is too new. Maximum supported API version is 1.47');
});

test('a client version below 1.24 is refused', async () => {
  const r = await call('GET', '/v1.12/_ping');
  assert.equal(r.status, 400);
  assert.match(String(json(r.body)['message']), /too old/);
});

test('an API route berth lacks answers 501 naming it', async () => {
  const r = await call('POST', '/v1.47/session');
  assert.equal(r.status, 501);
  assert.equal(json(r.body)['message'], 'berth does not implement POST /session yet');
});

test('an unknown path answers 404 page not found', async () => {
  const r = await call('GET', '/nonsense/path');
  assert.equal(r.status, 404);
  assert.equal(json(r.body)['message'], 'page not found');
});

test('NotFound from the engine becomes 404 with the message', async () => {
  const r = await call('GET', '/containers/nosuch/json');
  assert.equal(r.status, 404);
  assert.deepEqual(json(r.body), { message: 'No such container: nosuch' });
});

test('an id whose escapes are not UTF-8 is looked up (404), not a 500 URI malformed', async () => {
  const r = await call('GET', '/containers/%ff%fe/json');
  assert.equal(r.status, 404);
  assert.deepEqual(json(r.body), { message: 'No such container: \ufffd\ufffd' });
});

test('a bad escape in the path or the query is a 400 with Go\'s words', async () => {
  for (const path of ['/containers/%zz/json', '/containers/json?all=%zz', '/images/%/json']) {
    const r = await call('GET', path);
    assert.equal(r.status, 400, path);
    assert.match(String(json(r.body)['message']), /^invalid URL escape "%/, path);
  }
});

test('Conflict from the engine becomes 409', async () => {
  const r = await call('POST', '/containers/create?name=taken', { Image: 'busybox' });
  assert.equal(r.status, 409);
});

test('malformed JSON in a create body is a 400 with Go\'s decoder text', async () => {
  const r = await call('POST', '/containers/create', '{"Image": ');
  assert.equal(r.status, 400);
  assert.equal(json(r.body)['message'], 'unexpected EOF');
});

test('a wrongly typed field is a 400 with Go\'s decoder text, as dockerd words it', async () => {
  const r = await call('POST', '/containers/create', { Image: 'busybox', Env: 'A=1' });
  assert.equal(r.status, 400);
  assert.equal(json(r.body)['message'], 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Env of type []string');
  const m = await call('POST', '/containers/create', { Image: 'busybox', HostConfig: { Memory: 1.5 } });
  assert.equal(m.status, 400);
  assert.equal(json(m.body)['message'], 'json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Memory of type int64');
});

test('create converts Config and HostConfig into a spec', async () => {
  const r = await call('POST', '/v1.47/containers/create?name=w', {
    Image: 'busybox',
    Cmd: ['echo', 'hi'],
    Env: ['A=1'],
    Labels: { k: 'v' },
    HostConfig: { NetworkMode: 'none', AutoRemove: true, Memory: 1048576, PidsLimit: 10 },
  });
  assert.equal(r.status, 201);
  assert.deepEqual(json(r.body), { Id: id, Warnings: [] });
  assert.deepEqual(created?.cmd, ['echo', 'hi']);
  assert.equal(created?.host.networkMode, 'none');
  assert.equal(created?.host.autoRemove, true);
  assert.equal(created?.host.memory, 1048576);
  assert.equal(created?.host.pidsLimit, 10);
  assert.deepEqual(created?.labels, { k: 'v' });
});

test('start answers 204 and stop of a stopped container 304', async () => {
  assert.equal((await call('POST', '/containers/w/start')).status, 204);
  assert.equal((await call('POST', '/containers/w/stop?t=2')).status, 304);
});

test('the container list has docker\'s Names, Command, State and Status', async () => {
  const r = await call('GET', '/containers/json?all=1');
  const [c] = JSON.parse(r.body.toString()) as Record<string, unknown>[];
  assert.deepEqual(c?.['Names'], ['/w']);
  assert.equal(c?.['Command'], "sh -c 'exit 3'");
  assert.equal(c?.['State'], 'exited');
  assert.equal(c?.['Status'], 'Exited (3) 3 seconds ago');
});

test('inspect has the Name with a slash and State.ExitCode', async () => {
  const r = await call('GET', '/containers/w/json');
  const c = json(r.body);
  assert.equal(c['Name'], '/w');
  assert.equal((c['State'] as Record<string, unknown>)['ExitCode'], 3);
  assert.equal((c['Config'] as Record<string, unknown>)['Hostname'], id.slice(0, 12));
});

test('wait returns the exit code', async () => {
  const r = await call('POST', '/containers/w/wait?condition=next-exit');
  assert.deepEqual(json(r.body), { StatusCode: 3, Error: null });
});

test('wait on a missing container is a 404', async () => {
  assert.equal((await call('POST', '/containers/nosuch/wait')).status, 404);
});

test('logs are multiplexed with 8-byte headers and optional timestamps', async () => {
  const r = await call('GET', '/containers/w/logs?stdout=1&stderr=1&timestamps=1');
  assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
  const frames = [...deframe(r.body)];
  assert.equal(frames.length, 2);
  assert.equal(frames[0]?.stream, 1);
  assert.equal(frames[0]?.data.toString(), '2024-01-01T00:00:00.000000001Z hello\n');
  assert.equal(frames[1]?.stream, 2);
});

test('logs without a stream chosen are a 400', async () => {
  assert.equal((await call('GET', '/containers/w/logs')).status, 400);
});

test('attach with Upgrade: tcp answers 101 UPGRADED and streams frames', async () => {
  const data = await new Promise<Buffer>((resolve, reject) => {
    const s = connect(sock);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.write('POST /v1.47/containers/w/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  });
  const sep = data.indexOf('\r\n\r\n');
  const head = data.subarray(0, sep).toString();
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  assert.match(head, /Upgrade: tcp/);
  const frames = [...deframe(data.subarray(sep + 4))];
  assert.deepEqual(frames.map((f) => f.data.toString()), ['hello\n', 'oops\n']);
});

test('attach without Upgrade answers 200 on the raw socket and streams frames', async () => {
  const data = await new Promise<Buffer>((resolve, reject) => {
    const s = connect(sock);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.write('POST /containers/w/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: api\r\nContent-Length: 0\r\n\r\n');
  });
  const sep = data.indexOf('\r\n\r\n');
  assert.match(data.subarray(0, sep).toString(), /^HTTP\/1\.1 200 OK/);
  assert.deepEqual([...deframe(data.subarray(sep + 4))].map((f) => f.data.toString()), ['hello\n']);
});

test('image list shows familiar tags and Created in seconds', async () => {
  const r = await call('GET', '/images/json');
  const [i] = JSON.parse(r.body.toString()) as Record<string, unknown>[];
  assert.deepEqual(i?.['RepoTags'], ['busybox:latest']);
  assert.equal(i?.['Created'], 1704067200);
  assert.equal(i?.['VirtualSize'], undefined);
  const old = JSON.parse((await call('GET', '/v1.41/images/json')).body.toString()) as Record<string, unknown>[];
  assert.equal(old[0]?.['VirtualSize'], 1234);
});

test('image inspect of a name with a slash routes to the image', async () => {
  const r = await call('GET', '/images/localhost:5000/x/y/json');
  assert.equal(r.status, 404);
  assert.equal(json(r.body)['message'], 'No such image: localhost:5000/x/y');
});

test('image delete lists Untagged and Deleted records', async () => {
  const r = await call('DELETE', '/images/busybox');
  assert.deepEqual(JSON.parse(r.body.toString()), [{ Untagged: 'busybox:latest' }, { Deleted: image.id }]);
});

test('pulling answers 501 when the engine has no registry service', async () => {
  const r = await call('POST', '/images/create?fromImage=alpine&tag=latest');
  assert.equal(r.status, 501);
  assert.match(String(json(r.body)['message']), /no registry service/);
});

test('load streams the Loaded image line as JSON', async () => {
  const r = await call('POST', '/images/load?quiet=1', 'x');
  assert.deepEqual(JSON.parse(r.body.toString().trim()), { stream: 'Loaded image: busybox:latest\n' });
});

test('requests on one keep-alive connection leave no listener behind on its socket', async () => {
  // Each request used to add a `close` listener (holding its AbortController and logger) to the
  // connection, kept until the client hung up: a client that reuses one connection grew berthd without bound.
  const seen: import('node:net').Socket[] = [];
  const onConnection = (s: import('node:net').Socket) => seen.push(s);
  api.server.on('connection', onConnection);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ping = () => new Promise<void>((resolve, reject) => {
    const req = request({ socketPath: sock, path: '/_ping', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
  try {
    await ping();
    assert.equal(seen.length, 1);
    const socket = seen[0]!;
    const counts = () => ({ close: socket.listenerCount('close'), end: socket.listenerCount('end'), error: socket.listenerCount('error') });
    const first = counts();
    for (let i = 0; i < 50; i++) await ping();
    assert.equal(seen.length, 1, 'the agent should have kept one connection');
    assert.deepEqual(counts(), first);
  } finally {
    agent.destroy();
    api.server.off('connection', onConnection);
  }
});
