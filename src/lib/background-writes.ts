// Appends to an open file without holding the event loop: each chunk is written
// at its offset by libuv's thread pool (positional writes, so several can be in
// flight), and the caller waits only when too much is pending or at the end.
// The chunks must not change until written (buffers read from a socket or a
// pipe are new for every read, so they do not).
import { write } from 'node:fs';

export class BackgroundWrites {
  readonly #fd: number;
  #position = 0;
  #pendingBytes = 0;
  #error: Error | undefined;
  #waiters: (() => void)[] = [];

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Bytes handed over and not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Starts writing `chunk` after everything written before it. Throws an earlier write's error. */
  write(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    const at = this.#position;
    this.#position += chunk.byteLength;
    this.#pendingBytes += chunk.byteLength;
    this.#writeAt(chunk, 0, at);
  }

  #writeAt(chunk: Uint8Array, off: number, at: number): void {
    write(this.#fd, chunk, off, chunk.byteLength - off, at, (err, n) => {
      if (err === null && off + n < chunk.byteLength && n > 0) {
        this.#pendingBytes -= n;
        this.#writeAt(chunk, off + n, at + n);
        return;
      }
      this.#pendingBytes -= chunk.byteLength - off;
      if (err !== null) this.#error ??= err;
      else if (n === 0 && off < chunk.byteLength) this.#error ??= new Error('write() wrote nothing');
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** Resolves once at most `bytes` are pending (or a write failed). */
  async below(bytes: number): Promise<void> {
    while (this.#pendingBytes > bytes && this.#error === undefined) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** Waits for every write; throws the first failure. */
  async settle(): Promise<void> {
    await this.below(0);
    while (this.#pendingBytes > 0) await new Promise<void>((r) => this.#waiters.push(r));
    if (this.#error !== undefined) throw this.#error;
  }
}
