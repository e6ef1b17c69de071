// A registry that turns on its client: it names a plain-http token realm on
// another host (credentials must not go there), a realm that is not http(s),
// redirects a blob to another host (the Authorization header must not follow),
// and states sizes no client should buffer (a config or a manifest of
// megabytes). The registries and token servers are small HTTP servers of the
// test's own, on 127.0.0.1 and 127.0.0.2: peers of the client, not mocks of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sha256 } from '../../src/core/digest.ts';
import { isInvalidArgument, isNotFound, isUnauthenticated } from '../../src/core/errors.ts';
import { parseReference } from '../../src/core/reference.ts';
import { log, setLogSink } from '../../src/lib/logger.ts';
import { createRegistryClient } from '../../src/registry/index.ts';

setLogSink(() => undefined);

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
}

interface Peer {
  /** `127.0.0.x:<port>` */
  readonly host: string;
  readonly seen: Seen[];
  stop(): Promise<void>;
}

/** An HTTP server on `address` that records every request and answers with `handle`. */
async function peer(address: string, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Peer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    handle(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, address, () => resolve((server.address() as AddressInfo).port)));
  return {
    host: `${address}:${port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const manifestUnknown = { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] };
const alice = { username: 'alice', password: 's3cret' };

/** A registry that wants a bearer token from `realm` and knows no manifests. */
async function tokenRegistry(realm: () => string): Promise<Peer> {
  return peer('127.0.0.1', (req, res) => {
    if (req.headers.authorization === 'Bearer granted') return json(res, 404, manifestUnknown);
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'WWW-Authenticate': `Bearer realm="${realm()}",service="hostile"` });
  });
}

test('Basic credentials are not sent to a plain-http token realm on another host; without credentials the realm is used', { timeout: 30_000 }, async () => {
  const realm = await peer('127.0.0.2', (_req, res) => json(res, 200, { token: 'granted', expires_in: 300 }));
  const reg = await tokenRegistry(() => `http://${realm.host}/token`);
  try {
    const client = createRegistryClient({ log });
    const ref = parseReference(`${reg.host}/team/app:1`);
    await assert.rejects(
      client.resolve(ref, { credentials: alice }),
      (e) => isUnauthenticated(e) && e.message === `refusing to send the credentials for ${reg.host} to the token realm http://${realm.host}/token: it is plain http on another host`,
    );
    assert.equal(realm.seen.length, 0, 'the realm on another host was never asked');
    // Anonymous: nothing to leak, the token comes from that realm and the registry answers with it.
    await assert.rejects(createRegistryClient({ log }).resolve(ref), isNotFound);
    assert.equal(realm.seen.length, 1);
    assert.equal(realm.seen[0]?.authorization, undefined);
    assert.ok(reg.seen.some((s) => s.authorization === 'Bearer granted'));
  } finally {
    await reg.stop();
    await realm.stop();
  }
});

test('a token realm that is not http(s) is refused', { timeout: 30_000 }, async () => {
  const reg = await tokenRegistry(() => 'file:///etc/shadow');
  try {
    await assert.rejects(createRegistryClient({ log }).resolve(parseReference(`${reg.host}/team/app:1`), { credentials: alice }), (e) => isUnauthenticated(e) && /token realm that is not http\(s\): file:\/\/\/etc\/shadow/.test(e.message));
  } finally {
    await reg.stop();
  }
});

test('a blob redirected to another host gets no Authorization header; a config bigger than 8 MiB is not fetched', { timeout: 30_000 }, async () => {
  const data = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const digest = sha256(data);
  const storage = await peer('127.0.0.2', (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(data.length) });
    res.end(data);
  });
  const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
  const reg = await peer('127.0.0.1', (req, res) => {
    if (req.headers.authorization !== basic) return json(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': 'Basic realm="hostile"' });
    res.writeHead(307, { Location: req.url?.includes('/team/ftp/') ? 'ftp://127.0.0.2/blob' : `http://${storage.host}/blob/${digest}` });
    res.end();
  });
  try {
    const client = createRegistryClient({ log });
    const ref = parseReference(`${reg.host}/team/app:1`);
    const got = await client.fetchBlobBytes(ref, { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: data.length }, { credentials: alice });
    assert.deepEqual(got, data);
    assert.ok(reg.seen.some((s) => s.url.includes('/blobs/') && s.authorization === basic), 'the registry got the credentials');
    assert.equal(storage.seen.length, 1);
    assert.equal(storage.seen[0]?.authorization, undefined, 'the other host did not');

    // A redirect to something else than http(s) is not followed (node would send it plain http).
    await assert.rejects(client.fetchBlobBytes(parseReference(`${reg.host}/team/ftp:1`), { mediaType: 'x', digest, size: data.length }, { credentials: alice }), (e) => isInvalidArgument(e) && /redirected GET to ftp:\/\/127\.0\.0\.2\/blob, which is not http\(s\)/.test(e.message));

    const asked = reg.seen.length;
    const huge = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('huge'), size: 9 << 20 };
    await assert.rejects(client.fetchBlobBytes(ref, huge, { credentials: alice }), (e) => isInvalidArgument(e) && /more than the 8388608 bytes an image config may have/.test(e.message));
    assert.equal(reg.seen.length, asked, 'nothing was requested');
  } finally {
    await reg.stop();
    await storage.stop();
  }
});

test('a manifest bigger than 4 MiB is refused without reading it all', { timeout: 30_000 }, async () => {
  let sent = 0;
  const reg = await peer('127.0.0.1', (req, res) => {
    if (req.url === '/v2/') return json(res, 200, {});
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
    // Up to 64 MiB, in 64 KiB pieces, as long as the client reads.
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const more = () => {
      while (sent < 64 << 20) {
        sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  try {
    await assert.rejects(createRegistryClient({ log }).resolve(parseReference(`${reg.host}/team/app:1`)), (e) => isInvalidArgument(e) && /manifest 1 of 127\.0\.0\.1:\d+\/team\/app:1 is larger than 4194304 bytes/.test(e.message));
    assert.ok(sent < 64 << 20, `the server could send only ${sent} bytes before the client hung up`);
  } finally {
    await reg.stop();
  }
});
