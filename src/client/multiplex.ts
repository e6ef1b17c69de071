// client: reads Docker's multiplexed stdio framing (logs, attach without a TTY):
// each frame is an 8-byte header — stream type, three zero bytes, big-endian
// uint32 payload length — followed by the payload.
import type { Readable } from 'node:stream';

export const StreamType = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;
export type StreamTypeCode = (typeof StreamType)[keyof typeof StreamType];

export interface Frame {
  readonly stream: number;
  readonly data: Buffer;
}

/** Splits a byte stream into frames; a truncated trailing frame is dropped. */
export async function* readFrames(source: AsyncIterable<Buffer | string> | Readable): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const stream = pending[0] ?? 1;
      yield { stream, data: pending.subarray(8, 8 + size) };
      pending = pending.subarray(8 + size);
    }
  }
}

/** Encodes one frame (used by tests and by anything that fakes a daemon). */
export function encodeFrame(stream: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
