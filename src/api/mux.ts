// docker's stdcopy framing for non-TTY streams: an 8-byte header (stream byte
// 0 stdin / 1 stdout / 2 stderr, three zero bytes, big-endian uint32 length),
// then the payload.
export const streamType = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;

export function frame(stream: keyof typeof streamType, data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = streamType[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Splits a multiplexed buffer back into frames (for tests and the client). */
export function* deframe(buf: Buffer): Generator<{ stream: number; data: Buffer }> {
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off + 4);
    yield { stream: buf[off]!, data: buf.subarray(off + 8, off + 8 + len) };
    off += 8 + len;
  }
}
