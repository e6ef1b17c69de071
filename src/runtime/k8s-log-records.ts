// Chunked record readers over one open k8s-file log: forwards from an offset,
// and backwards from an offset to the start of the file. A record is one
// newline-terminated line of the file. Memory stays at a chunk plus one
// record, whatever the size of the file: `logs` never loads a log whole.
import type { FileHandle } from 'node:fs/promises';

const NL = 0x0a;
export const chunkSize = 64 * 1024;
/**
 * conmon writes a record per read of the container's pipe (8 KiB at most, plus
 * its header): anything much longer without a newline is not a record of its,
 * and is skipped rather than buffered.
 */
const maxRecord = 1024 * 1024;

/** One record: its bytes without the newline, and where it ends in the file (after the newline). */
export interface RawRecord {
  readonly bytes: Buffer;
  readonly end: number;
}

/** Reads the complete records of a file from `offset` on, a chunk at a time. */
export class ForwardRecords {
  readonly #fh: FileHandle;
  /** Where the next read starts. */
  #readPos: number;
  /** Bytes read after the last newline: the start of a record not yet complete. */
  #rest = Buffer.alloc(0);
  #skipping = false;

  constructor(fh: FileHandle, offset: number) {
    this.#fh = fh;
    this.#readPos = offset;
  }

  /** The file offset just after the last complete record returned. */
  get offset(): number {
    return this.#readPos - this.#rest.length;
  }

  /**
   * The next complete records, reading no further than `limit`; an empty
   * array once everything written (up to `limit`) is read.
   */
  async next(limit = Number.POSITIVE_INFINITY): Promise<RawRecord[]> {
    for (;;) {
      const want = Math.min(chunkSize, limit - this.#readPos);
      if (want <= 0) return [];
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.#fh.read(chunk, 0, want, this.#readPos);
      if (bytesRead === 0) return [];
      const base = this.#readPos - this.#rest.length;
      this.#readPos += bytesRead;
      const data = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const out: RawRecord[] = [];
      let start = 0;
      for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
        if (this.#skipping) this.#skipping = false;
        else out.push({ bytes: data.subarray(start, nl), end: base + nl + 1 });
        start = nl + 1;
      }
      this.#rest = Buffer.from(data.subarray(start));
      if (this.#rest.length > maxRecord) {
        this.#rest = Buffer.alloc(0);
        this.#skipping = true;
      }
      if (out.length > 0) return out;
    }
  }
}

/** Reads the complete records of a file before `end`, latest first, a chunk at a time. */
export class BackwardRecords {
  readonly #fh: FileHandle;
  /** Bytes before this offset are not read yet. */
  #pos: number;
  /** Bytes from #pos on that belong to the earliest record seen only in part (it ends with its newline). */
  #pending = Buffer.alloc(0);
  /** Drop what follows the last newline of the next chunk: the unfinished last record, or an overlong one. */
  #dropTail = true;

  constructor(fh: FileHandle, end: number) {
    this.#fh = fh;
    this.#pos = end;
  }

  /** The next records going backwards (latest first); undefined once the start of the file is passed. */
  async next(): Promise<RawRecord[] | undefined> {
    if (this.#pos === 0) {
      if (this.#pending.length === 0) return undefined;
      const first = { bytes: this.#pending.subarray(0, this.#pending.length - 1), end: this.#pending.length };
      this.#pending = Buffer.alloc(0);
      return [first];
    }
    const from = Math.max(0, this.#pos - chunkSize);
    const chunk = Buffer.allocUnsafe(this.#pos - from);
    let got = 0;
    while (got < chunk.length) {
      const { bytesRead } = await this.#fh.read(chunk, got, chunk.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    let data = this.#pending.length > 0 ? Buffer.concat([chunk.subarray(0, got), this.#pending]) : chunk.subarray(0, got);
    this.#pos = from;
    if (this.#dropTail) {
      const last = data.lastIndexOf(NL);
      if (last < 0) {
        this.#pending = Buffer.alloc(0);
        return [];
      }
      data = data.subarray(0, last + 1);
      this.#dropTail = false;
    }
    const out: RawRecord[] = [];
    let end = data.length - 1;
    for (let nl = end > 0 ? data.lastIndexOf(NL, end - 1) : -1; nl >= 0; nl = nl > 0 ? data.lastIndexOf(NL, nl - 1) : -1) {
      out.push({ bytes: data.subarray(nl + 1, end), end: from + end + 1 });
      end = nl;
    }
    // data[0 .. end] is a record whose start lies before `from` (or at the start of the file).
    this.#pending = Buffer.from(data.subarray(0, end + 1));
    if (this.#pending.length > maxRecord) {
      this.#pending = Buffer.alloc(0);
      this.#dropTail = true;
    }
    return out;
  }
}
