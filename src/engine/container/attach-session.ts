// AttachSession: one client's attachment to a container's stdio. It exists
// before the runtime connection does (docker attaches before it starts the
// container), so input and a half-close are queued until connect() hands it the
// monitor's connection; output is an async iterable that ends when the
// connection closes, or when end() says no connection will come. Taking a
// chunk of output tells the connection it may send more: a client that does
// not read holds the container's output back.
import type { AttachConnection, OutputStream } from '../../runtime/index.ts';

/**
 * The output an attachment holds for a client that does not read. The monitor
 * connection sends at most ~1 MiB ahead of the client while the process runs
 * (runtime/conmon-attach.ts); this only bounds what is left once it has died.
 */
const maxQueued = 16 * 1024 * 1024;

export interface OutputChunk {
  readonly stream: OutputStream;
  readonly data: Buffer;
}

/** What api/ sees of an attachment. */
export interface ContainerAttachment {
  readonly tty: boolean;
  /** The container's output from the moment of attaching until its process exits (or close()). */
  readonly output: AsyncIterable<OutputChunk>;
  /** Input for the container's stdin; dropped when the attachment did not ask for stdin. */
  write(data: Buffer): Promise<void>;
  /** Ends this client's input (the container's stdin closes too when it is StdinOnce). */
  closeStdin(): void;
  /** Detaches: the container keeps running. */
  close(): void;
}

export class AttachSession implements ContainerAttachment {
  readonly tty: boolean;
  readonly #stdin: boolean;
  #conn: AttachConnection | undefined;
  /** Input written before the connection exists; each write settles once its bytes are sent (back-pressure). */
  readonly #pendingInput: { data: Buffer; sent: () => void }[] = [];
  #inputEnded = false;
  #ended = false;
  #closed = false;
  readonly #queue: OutputChunk[] = [];
  /** Bytes in #queue. */
  #queued = 0;
  #wake: (() => void) | undefined;
  readonly #onClose: (() => void)[] = [];

  constructor(options: { tty: boolean; stdin: boolean }) {
    this.tty = options.tty;
    this.#stdin = options.stdin;
  }

  get connected(): boolean {
    return this.#conn !== undefined;
  }

  get closed(): boolean {
    return this.#closed || this.#ended;
  }

  /** Runs `fn` once when the client detaches or the output ends. */
  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  /**
   * Hands over the monitor's connection; queued input is sent first. When the
   * connection closes, the output ends — after `endAfter` settles, if given
   * (an exec's exit code is recorded only after conmon closes its sockets).
   */
  connect(conn: AttachConnection, endAfter?: Promise<unknown>): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    this.#conn = conn;
    conn.onOutput((stream, data) => this.#push({ stream, data }));
    conn.onClose(() => {
      if (endAfter) void endAfter.finally(() => this.end()).catch(() => undefined);
      else this.end();
    });
    // Queued all at once, before any later write can reach the connection: input stays in order.
    // Not awaited: before start the container reads nothing, and its start must not wait for a full pipe.
    for (const p of this.#pendingInput.splice(0)) void conn.write(p.data).finally(p.sent);
    if (this.#inputEnded) conn.closeStdin();
  }

  /** No (more) output will come: the container exited, or never started. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#dropPending();
    this.#wake?.();
    this.#fireClose();
  }

  async write(data: Buffer): Promise<void> {
    if (!this.#stdin || this.#inputEnded || this.closed) return;
    if (this.#conn) return this.#conn.write(data);
    return new Promise<void>((sent) => this.#pendingInput.push({ data: Buffer.from(data), sent }));
  }

  /** No connection will come: writers waiting for one go on. */
  #dropPending(): void {
    const pending = this.#pendingInput.splice(0);
    for (const p of pending) p.sent();
  }

  closeStdin(): void {
    if (!this.#stdin || this.#inputEnded) return;
    this.#inputEnded = true;
    this.#conn?.closeStdin();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropPending();
    this.#conn?.close();
    this.end();
  }

  #fireClose(): void {
    const fns = this.#onClose.splice(0);
    for (const fn of fns) fn();
  }

  #push(chunk: OutputChunk): void {
    // Past the cap only when the monitor stopped holding the output back (its process is gone): dropped.
    if (this.#closed || this.#queued > maxQueued) {
      this.#conn?.consumed(chunk.data.length);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.data.length;
    this.#wake?.();
  }

  get output(): AsyncIterable<OutputChunk> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<OutputChunk>> => {
          for (;;) {
            const chunk = this.#queue.shift();
            if (chunk) {
              // Taken: the monitor may send as much again (back-pressure, see runtime/conmon-attach.ts).
              this.#queued -= chunk.data.length;
              this.#conn?.consumed(chunk.data.length);
              return { value: chunk, done: false };
            }
            if (this.#ended) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (this.#wake = resolve));
            this.#wake = undefined;
          }
        },
        return: async (): Promise<IteratorResult<OutputChunk>> => {
          this.close();
          return { value: undefined, done: true };
        },
      }),
    };
  }
}
