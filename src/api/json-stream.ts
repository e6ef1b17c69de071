// docker's JSON message streams (pull/load/import progress, build output): one
// JSON object per line; a failure after the headers went out becomes an
// `errorDetail` line. The lines written in one tick leave in one write (the
// response is corked until the next tick, and end() sends its last chunk with
// them): a client woken by the first line does not wait for the daemon to be
// scheduled again for the rest, and a fully cached build's answer (its last
// lines and the end of the stream) is one write.
import type { ServerResponse } from 'node:http';
import type { ProgressEvent } from '../core/progress.ts';
import { progressMessage } from './progress-json.ts';

export class JsonStream {
  readonly #res: ServerResponse;
  #started = false;
  #corked = false;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  get started(): boolean {
    return this.#started;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#res.writeHead(200, { 'Content-Type': 'application/json' });
  }

  write(message: Record<string, unknown>): void {
    this.start();
    if (!this.#corked) {
      this.#corked = true;
      this.#res.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#res.uncork();
      });
    }
    this.#res.write(JSON.stringify(message) + '\r\n');
  }

  /** One engine progress event as Docker's JSON message. */
  progress(e: ProgressEvent): void {
    const event = progressMessage(e);
    const detail = event.current !== undefined ? { current: event.current, ...(event.total !== undefined ? { total: event.total } : {}) } : {};
    this.write({ status: event.status, progressDetail: detail, ...(event.progress ? { progress: event.progress } : {}), ...(event.id ? { id: event.id } : {}) });
  }

  error(message: string): void {
    this.write({ errorDetail: { message }, error: message });
  }

  end(): void {
    this.start();
    this.#res.end();
  }
}
