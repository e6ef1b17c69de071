// Durable file writes: temp file → fsync → rename → fsync the directory, so a
// reader (or berthd after a crash) sees the old content or the new, never half.
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { span } from './trace.ts';

export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/**
 * Writes `path` atomically: a reader never sees half of it. Durable (the
 * default): it also survives a power loss once this resolves. `durable: false`
 * skips both fsyncs: still atomic against a process crash, but a power loss
 * may leave the old content, none, or an empty file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, options: { durable?: boolean } = {}): Promise<void> {
  const durable = options.durable ?? true;
  return span(durable ? 'atomic write (fsync file + dir)' : 'atomic write (no fsync)', { path: basename(path) }, () => writeAtomic(path, data, mode, durable));
}

async function writeAtomic(path: string, data: string | Uint8Array, mode: number, durable: boolean): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = await open(tmp, 'wx', mode);
  try {
    await fd.writeFile(data);
    if (durable) await fd.sync();
  } catch (err) {
    await fd.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fd.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}
