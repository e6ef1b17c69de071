// Reads blobs from a repository: a small one whole (a config, verified against
// its descriptor), a large one as a stream that resumes with `Range` from where
// it stopped after a network failure. Blobs come from the endpoint that
// resolved the repository (a mirror or the origin).
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { sha256 } from '../core/digest.ts';
import { errorMessage, invalidArgument, isNotFound, isPermissionDenied, isUnauthenticated, notFound } from '../core/errors.ts';
import type { Reference } from '../core/reference.ts';
import type { Logger } from '../lib/logger.ts';
import { readBody } from './http-request.ts';
import { repositoryScope, type RegistryEndpoints } from './registry-endpoints.ts';
import { errorFromResponse, networkError } from './registry-errors.ts';
import type { RegistryHost } from './registry-host.ts';
import type { Descriptor, RequestOptions } from './types.ts';

export interface BlobReaderOptions {
  /** Attempts to open or resume a streamed blob. */
  readonly retries: number;
  readonly log: Logger;
}

/**
 * The biggest blob fetched whole into memory (an image config, whose size the
 * manifest states): a hostile manifest could otherwise make berthd buffer
 * gigabytes. Real configs are kilobytes; containers/image allows 4 MiB.
 */
export const maxWholeBlobSize = 8 << 20;

/** Refusals and unknown blobs are final; anything else (the network, a 5xx) is worth another attempt. */
function isRetryable(err: unknown): boolean {
  return !(isNotFound(err) || isUnauthenticated(err) || isPermissionDenied(err));
}

export class BlobReader {
  readonly #endpoints: RegistryEndpoints;
  readonly #o: BlobReaderOptions;

  constructor(endpoints: RegistryEndpoints, options: BlobReaderOptions) {
    this.#endpoints = endpoints;
    this.#o = options;
  }

  async #openBlob(ref: Reference, desc: Descriptor, offset: number, options: RequestOptions, endpoint?: RegistryHost): Promise<IncomingMessage> {
    const ep = endpoint ?? (await this.#endpoints.pullEndpointFor(ref));
    const credentials = await this.#endpoints.credentials(ref, options.credentials);
    const res = await ep.request('GET', `/v2/${ref.path}/blobs/${desc.digest}`, {
      scopes: [repositoryScope(ref.path, 'pull')],
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      ...(credentials ? { credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) return res;
    const err = await errorFromResponse(res, `GET blob ${desc.digest}`);
    if (isNotFound(err)) throw notFound(`blob ${desc.digest} not found in ${ref.domain}/${ref.path}: ${err.message}`, err);
    throw err;
  }

  /** The whole blob, verified; from `endpoint` when given, else the repository's pull endpoint. */
  async fetchBlobBytes(ref: Reference, desc: Descriptor, options: RequestOptions = {}, endpoint?: RegistryHost): Promise<Buffer> {
    if (desc.size > maxWholeBlobSize) throw invalidArgument(`refusing blob ${desc.digest}: its descriptor says ${desc.size} bytes, more than the ${maxWholeBlobSize} bytes an image config may have`);
    const ep = endpoint ?? (await this.#endpoints.pullEndpointFor(ref));
    const res = await this.#openBlob(ref, desc, 0, options, ep);
    const bytes = await readBody(res, Math.max(desc.size, 0) + 1);
    const digest = sha256(bytes);
    if (digest !== desc.digest || bytes.length !== desc.size) throw invalidArgument(`failed to verify blob ${desc.digest}: got ${digest} (${bytes.length} bytes, expected ${desc.size})`);
    return bytes;
  }

  fetchBlob(ref: Reference, desc: Descriptor, options: RequestOptions & { onBytes?: (n: number) => void } = {}): Readable {
    const retries = this.#o.retries;
    const log = this.#o.log;
    const open = (offset: number): Promise<IncomingMessage> => this.#openBlob(ref, desc, offset, options);
    async function* chunks(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (let attempt = 1; ; attempt++) {
        let res: IncomingMessage;
        try {
          res = await open(offset);
        } catch (err) {
          if (attempt >= retries || options.signal?.aborted || !isRetryable(err)) throw err;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        // A server that ignores Range sends everything again: skip what we have.
        let skip = offset > 0 && res.statusCode === 200 ? offset : 0;
        try {
          for await (const c of res as AsyncIterable<Buffer>) {
            let chunk = c;
            if (skip > 0) {
              if (chunk.length <= skip) {
                skip -= chunk.length;
                continue;
              }
              chunk = chunk.subarray(skip);
              skip = 0;
            }
            offset += chunk.length;
            options.onBytes?.(chunk.length);
            yield chunk;
          }
          return;
        } catch (err) {
          if (attempt >= retries || options.signal?.aborted) throw networkError('GET', new URL(`/v2/${ref.path}/blobs/${desc.digest}`, `http://${ref.domain}`), err);
          log.info('blob download interrupted, resuming', { digest: desc.digest, offset, error: errorMessage(err) });
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }
}
