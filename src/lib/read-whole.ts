// A regular file read in as few trips to libuv's thread pool as can be.
// fs.readFile opens, stats, reads and closes one after another (4-5 trips of
// 0.1-0.3 ms each); this opens, then stats beside the first read of 64 KiB,
// reads on until a short read (the end of a regular file), and does not wait
// for the close. For the small files on a container's start and exit path (its
// /etc/passwd and /etc/group, conmon's exit file). What is not a regular file
// (a fifo, a device an image put there) is refused, not read: opened without
// blocking, it cannot hold a pool thread nor fill the memory.
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

const chunk = 64 * 1024;
const maxBytes = 64 * 1024 * 1024;

/** The whole content of the regular file at `path`, and its stat; rejects as fs.readFile does, or EINVAL/EFBIG. */
export async function readWhole(path: string): Promise<{ data: Buffer; stat: Stats }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const first = Buffer.allocUnsafe(chunk);
    const [read, stat] = await Promise.allSettled([fh.read(first, 0, chunk, 0), fh.stat()]);
    if (stat.status === 'rejected') throw stat.reason;
    if (!stat.value.isFile()) throw Object.assign(new Error(`EINVAL: not a regular file, read '${path}'`), { code: 'EINVAL', path });
    if (read.status === 'rejected') throw read.reason;
    const parts = [first.subarray(0, read.value.bytesRead)];
    let at = read.value.bytesRead;
    for (let n = at; n === chunk; at += n) {
      if (at >= maxBytes) throw Object.assign(new Error(`EFBIG: file larger than ${maxBytes} bytes, read '${path}'`), { code: 'EFBIG', path });
      const next = Buffer.allocUnsafe(chunk);
      n = (await fh.read(next, 0, chunk, at)).bytesRead;
      parts.push(next.subarray(0, n));
    }
    return { data: parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts), stat: stat.value };
  } finally {
    fh.close().catch(() => undefined);
  }
}
