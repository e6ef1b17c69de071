// The network records: docker's networks as berth keeps them, one JSON file
// each under <dataRoot>/network/networks, looked up by id, name or id prefix.
import { join } from 'node:path';
import { invalidArgument, notFound } from '../core/errors.ts';
import { isFullId, isIdPrefix } from '../core/ids.ts';
import { JsonRecordDir } from '../lib/json-record-dir.ts';
import type { Logger } from '../lib/logger.ts';
import type { NetworkRecord } from './types.ts';

export class NetworkRecords {
  readonly #files: JsonRecordDir<NetworkRecord>;
  readonly #networks = new Map<string, NetworkRecord>();

  constructor(dataRoot: string, log: Logger) {
    this.#files = new JsonRecordDir(join(dataRoot, 'network', 'networks'), log, 'network record');
  }

  /** Reads every record; an unreadable one is logged and skipped. */
  async load(): Promise<void> {
    for (const n of await this.#files.load()) this.#networks.set(n.id, n);
  }

  /** Every record, in the order they were loaded or added. */
  all(): NetworkRecord[] {
    return [...this.#networks.values()];
  }

  byId(id: string): NetworkRecord | undefined {
    return this.#networks.get(id);
  }

  /** The first record of a name (the built-ins' names are unique). */
  byName(name: string): NetworkRecord | undefined {
    return this.all().find((n) => n.name === name);
  }

  /** Oldest first. */
  list(): NetworkRecord[] {
    return this.all().sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  /** By full id, name, or unique id prefix. NotFound `network <x> not found`. */
  get(idOrName: string): NetworkRecord {
    const exact = this.#networks.get(idOrName);
    if (exact) return exact;
    const byName = this.all().filter((n) => n.name === idOrName);
    if (byName.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${byName.length} matches found based on name)`);
    if (byName[0]) return byName[0];
    if (idOrName !== '' && isIdPrefix(idOrName) && !isFullId(idOrName)) {
      const m = this.all().filter((n) => n.id.startsWith(idOrName));
      if (m.length > 1) throw invalidArgument(`network ${idOrName} is ambiguous (${m.length} matches found based on ID prefix)`);
      if (m[0]) return m[0];
    }
    throw notFound(`network ${idOrName} not found`);
  }

  /** Writes a record durably (a new one or a changed one) and holds it. */
  async save(n: NetworkRecord): Promise<void> {
    await this.#files.write(n.id, n);
    this.#networks.set(n.id, n);
  }

  async delete(id: string): Promise<void> {
    await this.#files.remove(id);
    this.#networks.delete(id);
  }
}
