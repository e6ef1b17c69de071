import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { ProgressEvent } from '../core/progress.ts';
import { JsonStream } from './json-stream.ts';
import { progressMessage } from './progress-json.ts';

test('progressMessage() words each engine event as docker does', () => {
  const cases: [ProgressEvent, object][] = [
    [{ kind: 'pull-start', tag: 'latest', repository: 'library/busybox' }, { id: 'latest', status: 'Pulling from library/busybox' }],
    [{ kind: 'push-start', repository: 'localhost:5000/app' }, { status: 'The push refers to repository [localhost:5000/app]' }],
    [{ kind: 'layer', id: 'abc', step: 'pulling-fs-layer' }, { id: 'abc', status: 'Pulling fs layer' }],
    [{ kind: 'layer', id: 'abc', step: 'already-exists' }, { id: 'abc', status: 'Already exists' }],
    [{ kind: 'layer', id: 'abc', step: 'waiting' }, { id: 'abc', status: 'Waiting' }],
    [{ kind: 'layer', id: 'abc', step: 'verifying-checksum' }, { id: 'abc', status: 'Verifying Checksum' }],
    [{ kind: 'layer', id: 'abc', step: 'download-complete' }, { id: 'abc', status: 'Download complete' }],
    [{ kind: 'layer', id: 'abc', step: 'pull-complete' }, { id: 'abc', status: 'Pull complete' }],
    [{ kind: 'layer', id: 'abc', step: 'preparing' }, { id: 'abc', status: 'Preparing' }],
    [{ kind: 'layer', id: 'abc', step: 'layer-already-exists' }, { id: 'abc', status: 'Layer already exists' }],
    [{ kind: 'layer', id: 'abc', step: 'pushed' }, { id: 'abc', status: 'Pushed' }],
    [{ kind: 'layer', id: 'abc', step: 'loading-layer' }, { id: 'abc', status: 'Loading layer' }],
    [{ kind: 'layer', id: 'abc', step: 'loaded-layer' }, { id: 'abc', status: 'Loading layer', progress: 'Complete' }],
    [{ kind: 'layer-mounted', id: 'abc', from: 'library/base' }, { id: 'abc', status: 'Mounted from library/base' }],
    [{ kind: 'digest', digest: 'sha256:00' }, { status: 'Digest: sha256:00' }],
    [{ kind: 'pull-done', name: 'busybox:latest', upToDate: true }, { status: 'Status: Image is up to date for busybox:latest' }],
    [{ kind: 'pull-done', name: 'busybox:latest', upToDate: false }, { status: 'Status: Downloaded newer image for busybox:latest' }],
  ];
  for (const [event, want] of cases) assert.deepEqual(progressMessage(event), want);
});

test('a byte count becomes docker JSON with progressDetail and the bar, in docker key order', async () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const res = Object.assign(sink, { writeHead: () => res }) as unknown as ServerResponse;
  const out = new JsonStream(res);
  out.progress({ kind: 'layer-bytes', id: '0123456789ab', transfer: 'downloading', current: 500_000, total: 2_000_000 });
  out.progress({ kind: 'layer-bytes', id: '0123456789ab', transfer: 'pushing', current: 10, total: 0 });
  out.progress({ kind: 'layer', id: '0123456789ab', step: 'loaded-layer' });
  // The lines of one tick leave together, on the next.
  assert.equal(chunks.length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  const bar = `[${'='.repeat(12)}>${' '.repeat(37)}] ${'500kB/2MB'.padStart(18)}`;
  assert.equal(
    Buffer.concat(chunks).toString(),
    `{"status":"Downloading","progressDetail":{"current":500000,"total":2000000},"progress":${JSON.stringify(bar)},"id":"0123456789ab"}\r\n` +
      '{"status":"Pushing","progressDetail":{"current":10,"total":0},"progress":"10B","id":"0123456789ab"}\r\n' +
      '{"status":"Loading layer","progressDetail":{},"progress":"Complete","id":"0123456789ab"}\r\n',
  );
});
