// Writes blobs to a repository on the registry itself (never a mirror): checks
// whether it has one (HEAD), then uploads — a cross-repository mount from
// another repository of the same registry first, else one monolithic PUT, or
// PATCH pieces of `chunkSize` bytes and a closing PUT.
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.ts';
import { internal } from '../core/errors.ts';
import type { Reference } from '../core/reference.ts';
import { drain } from './http-request.ts';
import { repositoryScope, type RegistryEndpoints } from './registry-endpoints.ts';
import { errorFromResponse } from './registry-errors.ts';
import type { Descriptor, RequestOptions } from './types.ts';

/** The upload URL (`Location`, maybe relative) with the blob's digest added, to close the upload. */
function withDigest(location: string, digest: Digest, base: URL): string {
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  return url.href;
}

/** Re-cuts a stream into pieces of `size` bytes (the last may be shorter). */
async function* rechunk(source: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of source as AsyncIterable<Buffer>) {
    parts.push(c);
    have += c.length;
    while (have >= size) {
      const all = Buffer.concat(parts);
      yield all.subarray(0, size);
      parts = [all.subarray(size)];
      have -= size;
    }
  }
  if (have > 0) yield Buffer.concat(parts);
}

export class BlobWriter {
  readonly #endpoints: RegistryEndpoints;

  constructor(endpoints: RegistryEndpoints) {
    this.#endpoints = endpoints;
  }

  async hasBlob(ref: Reference, digest: Digest, options: RequestOptions = {}): Promise<boolean> {
    const ep = await this.#endpoints.origin(ref);
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
    const res = await ep.request('HEAD', `/v2/${ref.path}/blobs/${digest}`, {
      scopes: [repositoryScope(ref.path, 'pull,push')],
      ...(credentials ? { credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    drain(res);
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw await errorFromResponse(res, `HEAD blob ${digest}`);
  }

  async pushBlob(
    ref: Reference,
    desc: Descriptor,
    open: () => Readable,
    options: RequestOptions & { mountFrom?: string; chunkSize?: number; onBytes?: (n: number) => void } = {},
  ): Promise<'mounted' | 'uploaded'> {
    const ep = await this.#endpoints.origin(ref);
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
    const common = { ...(credentials ? { credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    const scopes = [repositoryScope(ref.path, 'pull,push'), ...(options.mountFrom !== undefined && options.mountFrom !== ref.path ? [repositoryScope(options.mountFrom, 'pull')] : [])];
    let startPath = `/v2/${ref.path}/blobs/uploads/`;
    if (options.mountFrom !== undefined && options.mountFrom !== ref.path) startPath += `?mount=${desc.digest}&from=${encodeURIComponent(options.mountFrom)}`;
    const start = await ep.expect('POST', startPath, [201, 202], { scopes, ...common }, `POST ${startPath}`);
    drain(start);
    if (start.statusCode === 201) return 'mounted';
    let location = start.headers.location;
    if (!location) throw internal(`registry ${ep.host} started an upload without a Location`);
    const chunkSize = options.chunkSize ?? 0;
    if (chunkSize > 0 && desc.size > chunkSize) {
      let sent = 0;
      for await (const piece of rechunk(open(), chunkSize)) {
        const res = await ep.expect(
          'PATCH',
          location,
          [202],
          { scopes, ...common, body: piece, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${sent}-${sent + piece.length - 1}` } },
          `PATCH blob ${desc.digest}`,
        );
        drain(res);
        sent += piece.length;
        options.onBytes?.(piece.length);
        location = res.headers.location ?? location;
      }
      const url = withDigest(location, desc.digest, await ep.baseUrl());
      const done = await ep.expect('PUT', url, [201], { scopes, ...common }, `PUT blob ${desc.digest}`);
      drain(done);
      return 'uploaded';
    }
    const url = withDigest(location, desc.digest, await ep.baseUrl());
    const body = () => {
      const s = open();
      if (options.onBytes) s.on('data', (c: Buffer) => options.onBytes?.(c.length));
      return s;
    };
    const done = await ep.expect('PUT', url, [201], { scopes, ...common, body, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) } }, `PUT blob ${desc.digest}`);
    drain(done);
    return 'uploaded';
  }
}
