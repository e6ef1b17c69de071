// A build context: the tar stream that `POST /build` receives (plain or
// compressed), extracted safely into a fresh temp directory under the data
// root. Extraction reuses the image module's secure layer unpacker, so no entry
// can land outside the directory. The caller removes the context when done.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decompress } from '../image/index.ts';
import { unpackLayer } from '../image/index.ts';
import type { Logger } from '../lib/logger.ts';

export interface BuildContext {
  /** The directory holding the context's files. */
  readonly dir: string;
  /** Removes the directory. Safe to call twice. */
  dispose(): Promise<void>;
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
    throw err;
  }
  return { dir, dispose };
}
