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
        out.push(JSON.parse(await readFile(join(this.#dir, f), 'utf8')) as T);
      } catch (err) {
        this.#log.error(`skipping unreadable ${this.#what}`, { file: f, err });
      }
    }
    return out;
  }

  /** Writes a record durably. */
  async write(key: string, value: T): Promise<void> {
    await writeFileAtomic(join(this.#dir, `${key}.json`), JSON.stringify(value), 0o600);
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.#dir, `${key}.json`), { force: true });
  }
}
