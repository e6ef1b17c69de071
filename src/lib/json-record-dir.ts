// A directory of JSON records, one `<key>.json` file each, written atomically
// (mode 0600): what the network module keeps its networks and attachments in.
// Loading skips (and logs) a file that cannot be read, so that one damaged
// record never keeps the daemon from starting.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import type { Logger } from './logger.ts';

export class JsonRecordDir<T> {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #what: string;

  /** `what` names a record in the log ("network record"). */
  constructor(dir: string, log: Logger, what: string) {
    this.#dir = dir;
    this.#log = log;
    this.#what = what;
  }

  /** Every readable record (the directory is made, mode 0700, when missing). */
  async load(): Promise<T[]> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const out: T[] = [];
    for (const f of await readdir(this.#dir)) {
      if (!f.endsWith('.json')) continue;
      try {
        const text = await readFile(join(this.#dir, f), 'utf8');
        if (text === '') {
          // What a power loss can leave of a write without fsync (write(…, { durable: false })).
          this.#log.warn(`removing an empty ${this.#what} left by a power loss`, { file: f });
          await rm(join(this.#dir, f), { force: true });
          continue;
        }
        out.push(JSON.parse(text) as T);
      } catch (err) {
        this.#log.error(`skipping unreadable ${this.#what}`, { file: f, err });
      }
    }
    return out;
  }

  /** Writes a record atomically; durably unless `durable: false` (see writeFileAtomic). */
  async write(key: string, value: T, options: { durable?: boolean } = {}): Promise<void> {
    await writeFileAtomic(join(this.#dir, `${key}.json`), JSON.stringify(value), 0o600, options);
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.#dir, `${key}.json`), { force: true });
  }
}
