// POST /build at the HTTP level against a private dockerd 20.10 (the oracle)
// and berthd: the query parameters dockerd decodes and refuses (with its
// statuses and texts, Go's JSON errors included), and contexts the daemon
// fetches itself with `remote=` — a tar or a plain Dockerfile over http, a
// git repository with `#ref:subdir` — served by this test on 127.0.0.1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { startPrivateDockerd, type PrivateDockerd } from './acceptance-support.ts';
import { mask } from '../clients/mask.ts';

let berth: Daemon;
let oracle: PrivateDockerd;
let server: Server;
let base = '';
const www = mkdtempSync('/tmp/berth-build-api-www-');

function post(socket: string, query: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: `/v1.41/build?${query}`, headers: { ...headers, ...(body ? { 'Content-Type': 'application/x-tar', 'Content-Length': String(body.length) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer as status, and either `{message}` or the stream with consecutive texts joined. */
function outcome(r: { status: number; body: string }): unknown {
  const messages = r.body.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  if (r.status !== 200) return { status: r.status, body: messages };
  const out: unknown[] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    if (Object.keys(m).length === 1 && typeof m['stream'] === 'string' && typeof last === 'string') out[out.length - 1] = last + m['stream'];
    else out.push(Object.keys(m).length === 1 && typeof m['stream'] === 'string' ? m['stream'] : m);
  }
  return { status: r.status, stream: out };
}

async function same(query: string, body?: Buffer, headers?: Record<string, string>): Promise<unknown> {
  const [a, b] = [outcome(await post(oracle.socket, query, body, headers)), outcome(await post(berth.socket, query, body, headers))];
  assert.deepEqual(mask(b), mask(a), `POST /build?${query}`);
  return a;
}

const tarOf = (dir: string, ...names: string[]) => execFileSync('tar', ['-C', dir, '-c', ...names]);

describe('POST /build parameters and remote contexts, compared with dockerd', { timeout: 600_000 }, () => {
  before(async () => {
    [berth, oracle] = await Promise.all([startDaemon(), startPrivateDockerd()]);
    await Promise.all([ensureBusybox(berth), ensureBusybox(oracle)]);
    const src = join(www, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'Dockerfile'), 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt\n');
    writeFileSync(join(src, 'a.txt'), 'hello-remote\n');
    writeFileSync(join(src, 'sub', 'Dockerfile'), 'FROM busybox\nCOPY . /src/\nRUN find /src | sort\n');
    writeFileSync(join(src, 'sub', 'g.txt'), 'g\n');
    execFileSync('tar', ['-C', src, '-czf', join(www, 'ctx.tgz'), 'Dockerfile', 'a.txt']);
    writeFileSync(join(www, 'plain.txt'), 'FROM busybox\nRUN echo from-a-plain-dockerfile\n');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: src, stdio: 'pipe' });
    git('init', '-q', '-b', 'master');
    git('add', '.');
    git('commit', '-qm', 'init');
    git('branch', 'dev');
    execFileSync('git', ['clone', '-q', '--bare', src, join(www, 'repo.git')]);
    execFileSync('git', ['update-server-info'], { cwd: join(www, 'repo.git') });
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
      const file = join(www, path);
      if (path.startsWith('..') || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not here\n');
        return;
      }
      res.writeHead(200, { 'Content-Length': String(statSync(file).size), 'Content-Type': file.endsWith('.tgz') ? 'application/gzip' : file.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    server?.close();
    await Promise.allSettled([berth?.stop(), oracle?.stop()]);
    rmSync(www, { recursive: true, force: true });
  });

  it('refuses malformed or unsupported parameters with dockerd\'s status and text', async () => {
    const dir = mkdtempSync('/tmp/berth-build-api-ctx-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\n');
    const tar = tarOf(dir, 'Dockerfile');
    rmSync(dir, { recursive: true, force: true });
    const enc = encodeURIComponent;
    const answers: Record<string, unknown> = {};
    for (const q of [
      `buildargs=${enc('{x')}`, `buildargs=${enc('[]')}`, `buildargs=${enc('{"a":1}')}`, `labels=${enc('{"a":1}')}`, `labels=${enc('{"a":"b"')}`,
      'cachefrom=busybox', `cachefrom=${enc('{}')}`, `cachefrom=${enc('[1]')}`, 'outputs=x', `ulimits=x`, `ulimits=${enc('[1]')}`,
      't=a:b:c', 'platform=foobar', 'platform=bogus/x/y/z', 't=one&t=two:v2&t=',
      'shmsize=abc', 'version=3', 'securityopt=x', 'squash=1', 'isolation=hyperv', 'remote=foo', 'remote=client-session', 'remote=http://127.0.0.1:2/x',
      // Accepted: dockerd reads and ignores these, or applies them to RUN.
      'memory=abc', `outputs=${enc('[{"Type":"local"}]')}`, 'session=abc', 'version=1', 'isolation=default',
    ]) answers[q] = await same(q, tar);
    // Resources of the RUN containers that dockerd refuses when it creates the step's container.
    const runDir = mkdtempSync('/tmp/berth-build-api-ctx-');
    writeFileSync(join(runDir, 'Dockerfile'), 'FROM busybox\nRUN echo hi\n');
    const runTar = tarOf(runDir, 'Dockerfile');
    rmSync(runDir, { recursive: true, force: true });
    for (const q of ['memory=100', 'cpushares=-5', 'cpuperiod=10', 'cpusetcpus=x', 'cpusetcpus=64', 'extrahosts=bad']) await same(`nocache=1&${q}`, runTar);
    // A body that is not a tar, short or long, and no body at all.
    await same('', Buffer.from('garbage-not-a-tar'));
    await same('', Buffer.alloc(2048, 'x'));
    await same('');
    // A registry config header that does not decode is ignored.
    await same('', tar, { 'X-Registry-Config': 'not base64 json!' });
    assert.deepEqual((answers['buildargs=%7Bx'] as { status: number }).status, 400);
    assert.match(JSON.stringify(answers['buildargs=%7Bx']), /error reading build args: invalid character 'x' looking for beginning of object key string/);
  });

  it('builds from a tar or a plain Dockerfile at a URL, with dockerd\'s progress message and errors', async () => {
    const tgz = await same(`remote=${encodeURIComponent(`${base}/ctx.tgz`)}`);
    assert.match(JSON.stringify(tgz), /Downloading context.*hello-remote/);
    const plain = await same(`remote=${encodeURIComponent(`${base}/plain.txt`)}`);
    assert.match(JSON.stringify(plain), /from-a-plain-dockerfile/);
    const missing = await same(`remote=${encodeURIComponent(`${base}/nope.tgz`)}`);
    assert.match(JSON.stringify(missing), /"status":404.*failed to GET .* with status 404 Not Found: not here/);
    await same(`remote=${encodeURIComponent(`${base}/ctx.tgz`)}&dockerfile=nope`);
  });

  it('builds from a git repository at a branch and subdirectory, and names a missing ref as dockerd does', async () => {
    const sub = await same(`remote=${encodeURIComponent(`${base}/repo.git#dev:sub`)}`);
    assert.match(JSON.stringify(sub), /\/src\/Dockerfile\\n\/src\/g.txt/);
    await same(`remote=${encodeURIComponent(`${base}/repo.git`)}&dockerfile=sub/Dockerfile&q=1`);
    const bad = await same(`remote=${encodeURIComponent(`${base}/repo.git#nobranch`)}`);
    assert.match(JSON.stringify(bad), /error fetching: fatal: couldn't find remote ref nobranch/);
  });
});
