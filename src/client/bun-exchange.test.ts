// client/bun-exchange: the compiled CLI's transport for plain requests, run on
// Bun (a devDependency) against a raw unix-socket server in this process. It
// must send the bytes unix-http.ts sends and read every framing the same way,
// and fail as node:net fails (the codes the client's retry and autostart know).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bun = new URL('../../node_modules/.bin/bun', import.meta.url).pathname;
const here = new URL('./', import.meta.url).pathname;

/** What the server answers on each path: raw bytes, written in pieces with a pause between them. */
const answers: Record<string, { pieces: string[]; end?: boolean }> = {
  '/length': { pieces: ['HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a":', '"hello"}'] },
  '/chunked': { pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 'lo\r\n6\r\n world\r\n0\r\n\r\n'] },
  '/until-close': { pieces: ['HTTP/1.1 200 OK\r\n\r\nall of ', 'this'], end: true },
  '/head': { pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\nApi-Version: 1.47\r\n\r\n'] },
  '/no-content': { pieces: ['HTTP/1.1 204 No Content\r\n\r\n'] },
  '/not-found': { pieces: ['HTTP/1.1 404 Not Found\r\nContent-Length: 32\r\n\r\n{"message":"No such container"}\n'] },
  '/hang-up': { pieces: [], end: true },
  '/truncated': { pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345'], end: true },
  '/slow': { pieces: [] },
};

/** The script the Bun child runs: each case's outcome (or error's code and message) as one JSON line. */
const script = (sock: string, missing: string, refused: string) => `
import { bunConnect, bunExchange } from ${JSON.stringify(join(here, 'bun-exchange.ts'))};
import { unixRequest } from ${JSON.stringify(join(here, 'unix-http.ts'))};
import { EngineClient } from ${JSON.stringify(join(here, 'engine-client.ts'))};
const go = (o) => bunExchange(bunConnect, { socketPath: ${JSON.stringify(sock)}, ...o })
  .then((r) => ({ status: r.status, headers: r.headers, body: r.body.toString('latin1') }), (e) => ({ error: e?.code ?? null, message: e?.message }));
const big = Buffer.alloc(4 << 20, 7);
const ac = new AbortController();
const results = {
  length: await go({ method: 'GET', path: '/length' }),
  chunked: await go({ method: 'GET', path: '/chunked' }),
  untilClose: await go({ method: 'GET', path: '/until-close' }),
  head: await go({ method: 'HEAD', path: '/head' }),
  noContent: await go({ method: 'POST', path: '/no-content' }),
  hangUp: await go({ method: 'GET', path: '/hang-up' }),
  truncated: await go({ method: 'GET', path: '/truncated' }),
  post: await go({ method: 'POST', path: '/echo-bun', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"x":1}') }),
  postNode: await unixRequest({ socketPath: ${JSON.stringify(sock)}, method: 'POST', path: '/echo-node', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"x":1}') })
    .then(async (r) => { const c = []; for await (const x of r.body) c.push(x); return { status: r.status, body: Buffer.concat(c).toString('latin1') }; }),
  big: await go({ method: 'POST', path: '/count', body: big }),
  missing: await bunExchange(bunConnect, { socketPath: ${JSON.stringify(missing)}, method: 'GET', path: '/x' }).then(() => ({}), (e) => ({ error: e.code, message: e.message })),
  refused: await bunExchange(bunConnect, { socketPath: ${JSON.stringify(refused)}, method: 'GET', path: '/x' }).then(() => ({}), (e) => ({ error: e.code, message: e.message })),
  aborted: await (setTimeout(() => ac.abort(new Error('stopped')), 200), go({ method: 'GET', path: '/slow', signal: ac.signal })),
  client: await new EngineClient({ host: ${JSON.stringify('unix://' + sock)} }).raw('GET', '/not-found').then(() => ({}), (e) => ({ message: e.message, name: e.name })),
};
console.log(JSON.stringify(results));
process.exit(0);
`;

test('on Bun, a plain request goes out as unix-http sends it and every answer is read as it frames it', async () => {
  assert.ok(existsSync(bun), 'bun is installed (npm ci)');
  const dir = await mkdtemp(join(tmpdir(), 'berth-bun-exchange-'));
  const sock = join(dir, 's.sock');
  const refused = join(dir, 'refused.sock');
  const requests = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    let got = Buffer.alloc(0);
    let answered = false;
    s.on('data', async (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const headEnd = got.indexOf('\r\n\r\n');
      if (headEnd < 0 || answered) return;
      const head = got.subarray(0, headEnd).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (got.length < headEnd + 4 + length) return;
      answered = true;
      const path = head.split(' ')[1] ?? '';
      requests.set(path, got);
      if (path.startsWith('/v1.47/not-found') || path.startsWith('/not-found')) {
        s.end(answers['/not-found']!.pieces.join(''));
        return;
      }
      if (path.startsWith('/echo-') || path === '/count') {
        const body = path === '/count' ? String(length) : 'ok';
        s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        return;
      }
      const a = answers[path];
      if (!a) { s.destroy(); return; }
      for (const p of a.pieces) {
        s.write(p);
        await new Promise((r) => setTimeout(r, 30));
      }
      if (a.end) s.end();
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(sock, r));
  // A path that is no listening socket: connect(2) is refused (node:net unlinks a closed server's socket).
  await writeFile(refused, '');
  try {
    const child = spawn(bun, ['-e', script(sock, join(dir, 'missing.sock'), refused)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, errText);
    const r = JSON.parse(out) as Record<string, { status?: number; headers?: Record<string, string>; body?: string; error?: string | null; message?: string; name?: string }>;
    assert.deepEqual(r['length'], { status: 200, headers: { 'content-type': 'application/json', 'content-length': '13' }, body: '{"a":"hello"}' });
    assert.equal(r['chunked']?.body, 'hello world');
    assert.equal(r['untilClose']?.body, 'all of this');
    assert.deepEqual(r['head'], { status: 200, headers: { 'content-length': '10', 'api-version': '1.47' }, body: '' });
    assert.deepEqual(r['noContent'], { status: 204, headers: {}, body: '' });
    assert.deepEqual(r['hangUp'], { error: 'ECONNRESET', message: 'socket hang up' });
    assert.deepEqual(r['truncated'], { error: null, message: 'unexpected EOF' });
    assert.deepEqual(r['post'], { status: 200, headers: { 'content-length': '2' }, body: 'ok' });
    assert.deepEqual(r['postNode'], { status: 200, body: 'ok' });
    // The same request through both transports is the same bytes (but for its path).
    assert.equal(requests.get('/echo-bun')?.toString('latin1').replace('/echo-bun', '/echo-node'), requests.get('/echo-node')?.toString('latin1'));
    assert.equal(r['big']?.body, String(4 << 20));
    assert.deepEqual(r['missing'], { error: 'ENOENT', message: `connect ENOENT ${join(dir, 'missing.sock')}` });
    assert.deepEqual(r['refused'], { error: 'ECONNREFUSED', message: `connect ECONNREFUSED ${refused}` });
    assert.deepEqual(r['aborted'], { error: null, message: 'stopped' });
    // EngineClient.raw on Bun goes through this transport: a 404 is the daemon's error, as on Node.
    assert.deepEqual(r['client'], { message: 'No such container', name: 'BerthError' });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
});
