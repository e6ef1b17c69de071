// Unit tests for the Engine API client: status → error kinds, DOCKER_HOST,
// stream framing, and requests over a real unix socket to a small node:http server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  isConflict, isInternal, isInvalidArgument, isNotFound, isNotImplemented, isUnavailable, isUnauthenticated, isPermissionDenied,
} from '../core/errors.ts';
import { EngineClient, encodeFrame, errorFromResponse, readFrames, readJsonMessages, resolveDaemonAddress } from './index.ts';

test('HTTP statuses map back to error kinds and keep the daemon message', () => {
  const e = errorFromResponse(404, '{"message":"No such container: x"}');
  assert.ok(isNotFound(e));
  assert.equal(e.message, 'No such container: x');
  assert.ok(isConflict(errorFromResponse(409, '{}')));
  assert.ok(isInvalidArgument(errorFromResponse(400, 'plain text')));
  assert.equal(errorFromResponse(400, 'plain text\n').message, 'plain text');
  assert.ok(isNotImplemented(errorFromResponse(501, '')));
  assert.ok(isInternal(errorFromResponse(500, '')));
  assert.ok(isUnavailable(errorFromResponse(503, '')));
  assert.ok(isUnauthenticated(errorFromResponse(401, '')));
  assert.ok(isPermissionDenied(errorFromResponse(403, '')));
});

test('the daemon address comes from -H, then DOCKER_HOST, then the default socket', () => {
  assert.deepEqual(resolveDaemonAddress(undefined, {}), { socketPath: '/run/berth/berth.sock', isDefault: true });
  assert.deepEqual(resolveDaemonAddress(undefined, { DOCKER_HOST: 'unix:///tmp/d.sock' }), { socketPath: '/tmp/d.sock', isDefault: false });
  assert.deepEqual(resolveDaemonAddress('unix:///x.sock', { DOCKER_HOST: 'unix:///tmp/d.sock' }), { socketPath: '/x.sock', isDefault: false });
  assert.throws(() => resolveDaemonAddress('tcp://1.2.3.4:2375', {}), (e: unknown) => isNotImplemented(e));
});

test('readFrames splits multiplexed frames across arbitrary chunk boundaries', async () => {
  const all = Buffer.concat([encodeFrame(1, 'hello\n'), encodeFrame(2, 'oops\n'), encodeFrame(1, '')]);
  const chunks = [all.subarray(0, 3), all.subarray(3, 11), all.subarray(11)];
  const frames = [];
  for await (const f of readFrames(Readable.from(chunks))) frames.push([f.stream, f.data.toString()]);
  assert.deepEqual(frames, [[1, 'hello\n'], [2, 'oops\n'], [1, '']]);
});

test('readJsonMessages yields one message per line, split anywhere', async () => {
  const text = '{"stream":"Loaded image: a\\n"}\n{"status":"x","id":"1"}\n{"error":"bad"}';
  const parts = [text.slice(0, 10), text.slice(10, 30), text.slice(30)];
  const msgs = [];
  for await (const m of readJsonMessages(Readable.from(parts))) msgs.push(m);
  assert.deepEqual(msgs, [{ stream: 'Loaded image: a\n' }, { status: 'x', id: '1' }, { error: 'bad' }]);
});

async function withServer(handler: (req: IncomingMessage, res: ServerResponse) => void, fn: (client: EngineClient, server: Server) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-client-'));
  const sock = join(dir, 's.sock');
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await fn(new EngineClient({ host: `unix://${sock}` }), server);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += String(c);
  return s;
}

test('requests carry the version prefix, query and JSON body; errors become kinds', async () => {
  await withServer(async (req, res) => {
    if (req.url?.startsWith('/v1.47/containers/create?name=web') && req.method === 'POST') {
      const body = JSON.parse(await readBody(req)) as { Image: string };
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: `id-of-${body.Image}`, Warnings: [] }));
    } else if (req.url === '/_ping') {
      res.writeHead(200, { 'API-Version': '1.47' }).end('OK');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No such container: ${req.url}` }));
    }
  }, async (client) => {
    assert.deepEqual(await client.containerCreate({ Image: 'busybox' }, { name: 'web' }), { Id: 'id-of-busybox', Warnings: [] });
    assert.deepEqual(await client.ping(), { body: 'OK', apiVersion: '1.47' });
    await assert.rejects(client.containerInspect('nope'), (e: unknown) => isNotFound(e) && (e as Error).message === 'No such container: /v1.47/containers/nope/json');
  });
});

test('chunked responses and chunked stream uploads round-trip', async () => {
  await withServer(async (req, res) => {
    const body = await readBody(req);
    res.writeHead(200, { 'content-type': 'application/json' });
    // no content-length: node:http answers with chunked encoding
    for (const part of [`{"stream":"got ${body.length} bytes\\n"}\n`, '{"status":"done"}\n']) res.write(part);
    res.end();
  }, async (client) => {
    const payload = Readable.from([Buffer.alloc(70_000, 1), Buffer.alloc(5, 2)]);
    const stream = await client.imageLoad(payload);
    const msgs = [];
    for await (const m of readJsonMessages(stream)) msgs.push(m);
    assert.deepEqual(msgs, [{ stream: 'got 70005 bytes\n' }, { status: 'done' }]);
  });
});

test('a big stream upload waits for the socket to drain, and an answer that comes before the body is read still arrives', async () => {
  // 8 MiB in 64 KiB chunks: far more than the socket buffers, so the sender waits for 'drain' many times.
  const chunks = Array.from({ length: 128 }, (_, i) => Buffer.alloc(64 * 1024, i));
  await withServer(async (req, res) => {
    const body = await readBody(req);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"stream":"got ${body.length} bytes"}\n`);
  }, async (client) => {
    const msgs = [];
    for await (const m of readJsonMessages(await client.imageLoad(Readable.from(chunks)))) msgs.push(m);
    assert.deepEqual(msgs, [{ stream: `got ${8 * 1024 * 1024} bytes` }]);
  });
  // A daemon that refuses at once and closes: the client gets its answer, and the unsent rest of the body
  // does not keep anything waiting (the test would time out).
  let loads = 0;
  await withServer((req, res) => {
    if (req.url === '/_ping') {
      res.writeHead(200, { 'API-Version': '1.47' }).end('OK');
      return;
    }
    loads++;
    res.writeHead(400, { 'content-type': 'application/json', connection: 'close' });
    res.end('{"message":"refused"}', () => req.socket.destroy());
  }, async (client) => {
    const endless = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } });
    await assert.rejects(client.imageLoad(endless), (e: unknown) => isInvalidArgument(e) && (e as Error).message === 'refused');
  });
  assert.equal(loads, 1, 'the load itself was answered, not only the ping');
});

test('attach upgrades the connection and carries the multiplexed stream both ways', async () => {
  await withServer(() => undefined, async (client, server) => {
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      assert.match(req.url ?? '', /\/containers\/c1\/attach\?stream=1&stdin=1&stdout=1&stderr=1/);
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.write(encodeFrame(1, 'ready\n'));
      let input = '';
      socket.on('data', (c) => { input += String(c); });
      socket.on('end', () => {
        socket.end(encodeFrame(2, `echo:${input}`));
      });
    });
    const { socket, head } = await client.containerAttach('c1', { stdin: true });
    async function* all(): AsyncGenerator<Buffer> {
      if (head.length) yield head;
      for await (const c of socket) yield c as Buffer;
    }
    socket.end('typed');
    const frames = [];
    for await (const f of readFrames(all())) frames.push([f.stream, f.data.toString()]);
    assert.deepEqual(frames, [[1, 'ready\n'], [2, 'echo:typed']]);
  });
});

test('a refused connection calls the hook once and retries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-client-'));
  const sock = join(dir, 's.sock');
  let calls = 0;
  let server: Server | undefined;
  try {
    const client = new EngineClient({
      host: `unix://${sock}`,
      onConnectFailure: async () => {
        calls++;
        server = createServer((_q, r) => r.writeHead(200, { 'API-Version': '1.47' }).end('OK'));
        await new Promise<void>((r) => server?.listen(sock, r));
        return true;
      },
    });
    assert.equal((await client.ping()).body, 'OK');
    assert.equal(calls, 1);
  } finally {
    if (server) { server.closeAllConnections(); await new Promise((r) => server?.close(r)); }
    await rm(dir, { recursive: true, force: true });
  }
});
