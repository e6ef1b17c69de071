// A build context: the tar stream that `POST /build` receives (plain or
// compressed), extracted safely into a fresh temp directory under the data
// root. Extraction reuses the image module's secure layer unpacker, so no entry
// can land outside the directory. The caller removes the context when done.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, internal, isInvalidArgument } from '../core/errors.ts';
import { decompress } from '../image/index.ts';
import { unpackLayer } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';

export interface BuildContext {
  /** The directory holding the context's files. */
  readonly dir: string;
  /** Removes the directory. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * A context that is not a tar, in the words of Go's archive/tar as dockerd
 * answers (500): a short one is `unexpected EOF`, a bad header
 * `archive/tar: invalid tar header`.
 */
function contextError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || !isInvalidArgument(err)) return err;
  const message = errorMessage(err);
  if (/truncated|unexpected end/.test(message)) return internal('unexpected EOF', err);
  if (/tar header|checksum/.test(message)) return internal('archive/tar: invalid tar header', err);
  return err;
}

/** Extracts `tar` into `<tmpRoot>/ctx-XXXX`. */
export async function extractContext(tar: AsyncIterable<Uint8Array>, tmpRoot: string, options: { log?: Logger; signal?: AbortSignal } = {}): Promise<BuildContext> {
  await mkdir(tmpRoot, { recursive: true, mode: 0o700 });
  const base = await mkdtemp(join(tmpRoot, 'ctx-'));
  const dir = join(base, 'ctx');
  await mkdir(dir, { mode: 0o755 });
  const dispose = () => rm(base, { recursive: true, force: true });
  try {
    await unpackLayer(decompress(tar), dir, { ...(options.log ? { log: options.log } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    await dispose();
    throw contextError(err, options.signal);
  }
  return { dir, dispose };
}
