// A large list answer must not starve small requests: while ten clients each
// fetch a ~14 MB `ps -a`, `_ping` keeps answering quickly; and the streamed
// array is byte for byte what JSON.stringify gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, ContainerSpec } from '../core/types.ts';
import type { Engine } from '../engine/index.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { createApiServer, type ApiServer } from './server.ts';

const count = 5000;
const labels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`com.example.label-${i}`, `value-${'x'.repeat(20)}-${i}`]));

function container(i: number): Container {
  const id = i.toString(16).padStart(64, '0');
  return {
    id,
    name: `c${i}`,
    created: new Date(1_700_000_000_000 + i).toISOString(),
    imageId: `sha256:${'b'.repeat(64)}`,
    spec: { image: 'busybox', env: [], labels, tty: false, cmd: ['sleep', '1000'], exposedPorts: [], volumes: [], host: { networkMode: 'none', portBindings: {}, mounts: [], binds: [] } } as unknown as ContainerSpec,
    path: 'sleep',
    args: ['1000'],
    env: ['PATH=/bin'],
    hostname: id.slice(0, 12),
    state: { status: 'exited', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:00:01Z' },
    restartCount: 0,
    runtime: 'runc',
    logPath: '/x.log',
    hostnamePath: '/h',
    hostsPath: '/hosts',
    resolvConfPath: '/r',
  };
}

const all = Array.from({ length: count }, (_, i) => container(i));
const fake = {
  containers: { list: async () => all },
  images: { inspect: async () => ({ id: `sha256:${'b'.repeat(64)}` }) },
} as unknown as Engine;

let dir: string;
let sock: string;
let api: ApiServer;

before(async () => {
  setLogSink(() => undefined);
  dir = await mkdtemp(join(tmpdir(), 'berth-json-array-'));
  sock = join(dir, 'api.sock');
  api = createApiServer({ engine: fake, log });
  await api.listenUnix(sock);
});

after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; body: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request({ socketPath: sock, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
    }).on('error', reject).end();
  });
}

test('a streamed list is the same JSON an unstreamed one would be', async () => {
  const r = await get('/containers/json?all=1');
  assert.equal(r.status, 200);
  const text = r.body.toString();
  assert.ok(text.endsWith(']\n'));
  const parsed = JSON.parse(text) as { Id: string }[];
  assert.equal(parsed.length, count);
  assert.equal(parsed[count - 1]?.Id, all[count - 1]?.id);
  assert.equal(JSON.stringify(parsed) + '\n', text);
});

/** A client in a process of its own (curl), so that reading 14 MB answers does not load this one's event loop. */
function curlList(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-sS', '-o', '/dev/null', '--unix-socket', sock, 'http://berth/containers/json?all=1'], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`curl exited ${code}`))));
  });
}

test('_ping answers within 300 ms while ten clients fetch a large container list', { timeout: 120_000 }, async () => {
  const size = (await get('/containers/json?all=1')).body.length;
  const lists = Array.from({ length: 10 }, () => curlList());
  let busy = true;
  const listsDone = Promise.all(lists).finally(() => { busy = false; });
  const pings: number[] = [];
  while (busy) {
    const p = await get('/_ping');
    assert.equal(p.status, 200);
    pings.push(p.ms);
    await new Promise((r) => setTimeout(r, 10));
  }
  const done = await listsDone;
  const worst = Math.max(...pings);
  console.log(`list answer ${(size / 1e6).toFixed(1)} MB; ten lists took ${Math.max(...done).toFixed(0)} ms; ${pings.length} pings meanwhile, worst ${worst.toFixed(1)} ms, median ${pings.sort((a, b) => a - b)[Math.floor(pings.length / 2)]!.toFixed(1)} ms`);
  assert.ok(pings.length >= 3, `only ${pings.length} pings got through`);
  assert.ok(worst < 300, `a ping took ${worst.toFixed(0)} ms`);
});
