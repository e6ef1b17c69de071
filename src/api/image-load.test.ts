// POST /images/load answers as dockerd's: a 200 JSON stream from the start
// (a refused archive is its last message, never an error status) and quiet
// unless the client sends quiet=0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { Engine } from '../engine/index.ts';
import type { ProgressSink } from '../core/progress.ts';
import { log, setLogSink } from '../lib/logger.ts';
import { createApiServer, type ApiServer } from './server.ts';

let dir: string;
let sock: string;
let api: ApiServer;
let progressAsked: boolean[] = [];

const engine = {
  images: {
    async load(archive: AsyncIterable<Buffer>, options: { progress?: ProgressSink }) {
      progressAsked.push(options.progress !== undefined);
      let text = '';
      for await (const c of archive) text += c.toString();
      if (text === 'broken') throw invalidArgument('Error processing tar file(exit status 1): unexpected EOF');
      options.progress?.({ kind: 'layer', id: 'abc', step: 'loading-layer' });
      return { messages: ['Loaded image: x:latest'], images: [] };
    },
  },
} as unknown as Engine;

before(async () => {
  setLogSink(() => undefined);
  dir = await mkdtemp(join(tmpdir(), 'berth-load-'));
  sock = join(dir, 'api.sock');
  api = createApiServer({ engine, log });
  await api.listenUnix(sock);
});

after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function load(query: string, body: string): Promise<{ status: number; lines: unknown[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method: 'POST', path: `/v1.41/images/load${query}`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, lines: text.split('\r\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a refused archive is a 200 stream whose message is the error', async () => {
  const message = 'Error processing tar file(exit status 1): unexpected EOF';
  assert.deepEqual(await load('', 'broken'), { status: 200, lines: [{ errorDetail: { message }, error: message }] });
});

test('load is quiet without the quiet parameter and shows progress with quiet=0', async () => {
  progressAsked = [];
  assert.deepEqual(await load('', 'ok'), { status: 200, lines: [{ stream: 'Loaded image: x:latest\n' }] });
  const loud = await load('?quiet=0', 'ok');
  assert.deepEqual(loud.lines, [{ status: 'Loading layer', progressDetail: {}, id: 'abc' }, { stream: 'Loaded image: x:latest\n' }]);
  assert.deepEqual(progressAsked, [false, true]);
});
