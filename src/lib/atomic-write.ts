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

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  return span('atomic write (fsync file + dir)', { path: basename(path) }, () => writeAtomic(path, data, mode));
}

async function writeAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = await open(tmp, 'wx', mode);
  try {
    await fd.writeFile(data);
    await fd.sync();
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
  await fsyncDir(dir);
}
