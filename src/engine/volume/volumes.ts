// The volume half of the engine: create (idempotent by name, as docker),
// list with filters, inspect, remove (Conflict while a container uses it),
// prune (anonymous unused volumes, or all unused with `all`), and disk usage.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, isNotFound, notFound } from '../../core/errors.ts';
import { KeyedMutex } from '../../lib/keyed-mutex.ts';
import type { Logger } from '../../lib/logger.ts';
import { anonymousLabel } from '../../volume/index.ts';
import type { Volume, VolumeStore } from '../../volume/index.ts';
import type { Filters, VolumeService, VolumeUsage } from '../types.ts';

export interface VolumeServiceDeps {
  readonly store: VolumeStore;
  /** Ids of the containers (any state) whose mounts name the volume. */
  readonly usersOf: (name: string) => string[];
  readonly log: Logger;
}

const listFilterKeys = ['dangling', 'name', 'label', 'driver'];
const pruneFilterKeys = ['label', 'label!', 'all'];

function checkFilters(filters: Filters, allowed: readonly string[]): void {
  for (const k of Object.keys(filters)) if (!allowed.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
}

function boolFilter(key: string, values: readonly string[] | undefined): boolean | undefined {
  if (!values || values.length === 0) return undefined;
  const v = values[values.length - 1] as string;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`invalid filter '${key}=${v}'`);
}

/** `label=k` or `label=k=v` against a label map. */
function labelMatches(labels: Readonly<Record<string, string>>, spec: string): boolean {
  const i = spec.indexOf('=');
  if (i < 0) return labels[spec] !== undefined;
  return labels[spec.slice(0, i)] === spec.slice(i + 1);
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d).catch(() => [] as string[])) {
      const st = await lstat(join(d, name)).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) await walk(join(d, name));
      else if (!seen.has(`${st.dev}:${st.ino}`)) {
        seen.add(`${st.dev}:${st.ino}`);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}

export class LocalVolumeService implements VolumeService {
  readonly #d: VolumeServiceDeps;
  readonly #lock = new KeyedMutex();

  constructor(deps: VolumeServiceDeps) {
    this.#d = deps;
  }

  async create(options: { name?: string; driver?: string; labels?: Readonly<Record<string, string>>; driverOptions?: Readonly<Record<string, string>>; anonymous?: boolean } = {}): Promise<Volume> {
    const driver = options.driver || 'local';
    // docker: no name means a random one; dockerd 20.10 leaves it unlabelled, dockerd since v23 labels it anonymous.
    const name = options.name || randomBytes(32).toString('hex');
    const labels = !options.name && options.anonymous ? { ...options.labels, [anonymousLabel]: '' } : options.labels;
    // dockerd's plugin lookup fails with NotFound (404), not a bad request.
    if (driver !== 'local') throw notFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    return this.#lock.run(name, async () => {
      // docker returns the existing volume when the name is taken.
      if (this.#d.store.has(name)) return this.#d.store.get(name);
      const v = await this.#d.store.create(name, {
        ...(labels ? { labels } : {}),
        ...(options.driverOptions ? { driverOptions: options.driverOptions } : {}),
      });
      this.#d.log.info('volume created', { volume: name });
      return v;
    });
  }

  async list(options: { filters?: Filters } = {}): Promise<Volume[]> {
    const filters = options.filters ?? {};
    checkFilters(filters, listFilterKeys);
    const dangling = boolFilter('dangling', filters['dangling']);
    const names = filters['name'] ?? [];
    const labels = filters['label'] ?? [];
    const drivers = filters['driver'] ?? [];
    return this.#d.store
      .list()
      .filter((v) => dangling === undefined || (this.#d.usersOf(v.name).length === 0) === dangling)
      .filter((v) => names.length === 0 || names.some((n) => v.name.includes(n)))
      .filter((v) => labels.every((l) => labelMatches(v.labels, l)))
      .filter((v) => drivers.length === 0 || drivers.includes(v.driver))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async inspect(name: string): Promise<Volume> {
    return this.#d.store.get(name);
  }

  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#lock.run(name, async () => {
      try {
        this.#d.store.get(name);
      } catch (err) {
        if (options.force && isNotFound(err)) return;
        throw err;
      }
      const users = this.#d.usersOf(name);
      if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.#d.store.remove(name);
      this.#d.log.info('volume removed', { volume: name });
    });
  }

  async prune(options: { filters?: Filters } = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const filters = options.filters ?? {};
    checkFilters(filters, pruneFilterKeys);
    const all = boolFilter('all', filters['all']) ?? false;
    const want = filters['label'] ?? [];
    const notWant = filters['label!'] ?? [];
    const deleted: string[] = [];
    let spaceReclaimed = 0;
    for (const v of this.#d.store.list()) {
      if (!all && v.labels[anonymousLabel] === undefined) continue;
      if (!want.every((l) => labelMatches(v.labels, l))) continue;
      if (notWant.some((l) => labelMatches(v.labels, l))) continue;
      if (this.#d.usersOf(v.name).length > 0) continue;
      const size = await treeSize(v.mountpoint);
      try {
        await this.remove(v.name);
      } catch (err) {
        this.#d.log.warn('pruning volume failed', { volume: v.name, err });
        continue;
      }
      deleted.push(v.name);
      spaceReclaimed += size;
    }
    return { deleted, spaceReclaimed };
  }

  async usage(): Promise<VolumeUsage[]> {
    const out: VolumeUsage[] = [];
    for (const v of this.#d.store.list()) {
      out.push({ volume: v, size: await treeSize(v.mountpoint), refCount: this.#d.usersOf(v.name).length });
    }
    return out;
  }
}
