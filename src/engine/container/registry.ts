// The in-memory registry of container records, persisted through the
// MetadataStore: lookup by id, id prefix, name or legacy link name, the name
// reservations, saving a record or its state, the per-container lock, and the
// questions other services ask about containers (who uses a volume, a
// network, an image, a layer).
import { conflict, invalidArgument, notFound } from '../../core/errors.ts';
import { isFullId, isIdPrefix, validContainerName } from '../../core/ids.ts';
import type { Container, ContainerState, NetworkState } from '../../core/types.ts';
import type { Digest } from '../../core/digest.ts';
import { KeyedMutex } from '../../lib/keyed-mutex.ts';
import type { Logger } from '../../lib/logger.ts';
import type { MetadataStore } from '../../store/index.ts';
import { generateName } from './names.ts';
import { networksOf } from './network.ts';
import { span, spanSync } from '../../lib/index.ts';

/** What the store keeps per container: the Container plus the layer chain its rootfs sits on (top first), so that it still starts after its image was force-removed. */
export type StoredContainer = Container & { readonly lowerChain?: readonly Digest[]; readonly manuallyStopped?: boolean };

export class ContainerRegistry {
  readonly #meta: MetadataStore;
  readonly #byId = new Map<string, StoredContainer>();
  readonly #byName = new Map<string, string>();
  /** Serialises the state changes of one container (start, exit, pause, update…). */
  readonly lock = new KeyedMutex();
  /** Containers whose removal is under way (start and update refuse them). */
  readonly removing = new Set<string>();
  /**
   * Removed containers whose files still go (remove.ts's purge): gone for users, their
   * dead record still in the store (a crash now is finished by berthd's restore), their
   * layers still in use.
   */
  readonly #retired = new Map<string, StoredContainer>();

  /** Loads the records the store holds; an unreadable one is logged and skipped. */
  constructor(deps: { meta: MetadataStore; log: Logger }) {
    this.#meta = deps.meta;
    for (const row of deps.meta.listContainers()) {
      try {
        const c = JSON.parse(row.json) as StoredContainer;
        this.#byId.set(c.id, c);
        this.#byName.set(c.name, c.id);
      } catch (err) {
        deps.log.error('skipping unreadable container record', { container: row.id, err });
      }
    }
  }

  /** By full id, `/name`, name, unique id prefix or legacy link name. NotFound `No such container: <x>`. */
  find(idOrName: string): StoredContainer {
    const key = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    const exact = this.#byId.get(key);
    if (exact) return exact;
    const byName = this.#byName.get(key);
    if (byName) {
      const c = this.#byId.get(byName);
      if (c) return c;
    }
    if (key !== '' && isIdPrefix(key) && !isFullId(key)) {
      const matches = [...this.#byId.keys()].filter((id) => id.startsWith(key));
      if (matches.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${key}`);
      const c = matches[0] === undefined ? undefined : this.#byId.get(matches[0]);
      if (c) return c;
    }
    const linked = this.linkTarget(key);
    if (linked) return linked;
    throw notFound(`No such container: ${idOrName}`);
  }

  /** The record of a full id, if any. */
  get(id: string): StoredContainer | undefined {
    return this.#byId.get(id);
  }

  all(): StoredContainer[] {
    return [...this.#byId.values()];
  }

  get size(): number {
    return this.#byId.size;
  }

  /** A legacy link's name `<container>/<alias>` names the linked container, as in docker's name registry. */
  linkTarget(key: string): StoredContainer | undefined {
    const slash = key.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const parentId = this.#byName.get(key.slice(0, slash));
    const link = parentId === undefined ? undefined : this.#byId.get(parentId)?.spec.host.links?.find((l) => l.alias === key.slice(slash + 1));
    const childId = link === undefined ? undefined : this.#byName.get(link.name);
    return childId === undefined ? undefined : this.#byId.get(childId);
  }

  /** Persists the record (without the computed sizes) and makes it the current one. */
  save(c: StoredContainer, options: { durable?: boolean } = {}): StoredContainer {
    const { sizeRw: _rw, sizeRootFs: _rootfs, ...record } = c;
    const durable = options.durable ?? true;
    spanSync(durable ? 'db: put container (sqlite commit + fsync)' : 'db: put container (sqlite commit, no fsync)', undefined, () => this.#meta.putContainer({ id: c.id, name: c.name, json: JSON.stringify(record) }, { durable }));
    this.#byId.set(c.id, record);
    return record;
  }

  /**
   * setState(), durable, with the fsync on libuv's pool instead of the event
   * loop (MetadataStore.putContainerDurably): committed when this returns (a
   * crash of berthd keeps it), on disk once `durable` resolves (a power loss
   * keeps it too). For many at once (an rm -f of 50), whose fsyncs would
   * otherwise hold the event loop one after another.
   */
  setStateCommitted(c: StoredContainer, state: Partial<ContainerState>): { record: StoredContainer; durable: Promise<void> } {
    const { sizeRw: _rw, sizeRootFs: _rootfs, ...record } = { ...c, state: { ...c.state, ...state } };
    const durable = span('db: put container (sqlite commit; WAL fsync on the pool)', undefined, () => this.#meta.putContainerDurably({ id: record.id, name: record.name, json: JSON.stringify(record) }));
    this.#byId.set(record.id, record);
    return { record, durable };
  }

  setState(c: StoredContainer, state: Partial<ContainerState>, extra: Partial<Container> = {}): StoredContainer {
    return this.save({ ...c, ...extra, state: { ...c.state, ...state } });
  }

  /**
   * Records a process's start or exit without an fsync: after a power loss no
   * process is left and berthd's restore reconciles the state with the runtime's
   * (a record saying running, or created, becomes exited), so the fsync would
   * keep nothing a user could use. Every other write stays durable.
   */
  setRunState(c: StoredContainer, state: Partial<ContainerState>): StoredContainer {
    return this.save({ ...c, state: { ...c.state, ...state } }, { durable: false });
  }

  /**
   * Records a running container's network state (its endpoints as set up, or
   * none once released) without an fsync, for the reason setRunState gives: it
   * describes a netns and interfaces that no power loss leaves behind, and
   * berthd's restore clears it from a record that is not running.
   */
  setNetworkState(c: StoredContainer, network: NetworkState | undefined): StoredContainer {
    if (network) return this.save({ ...c, network }, { durable: false });
    const { network: _gone, ...rest } = c;
    return this.save(rest, { durable: false });
  }

  /**
   * Takes a dead container out of users' sight: its id and name are free, while
   * its (dead) record stays in the store until delete(); its layers stay in use.
   */
  retire(c: StoredContainer): void {
    this.#byId.delete(c.id);
    if (this.#byName.get(c.name) === c.id) this.#byName.delete(c.name);
    this.#retired.set(c.id, c);
  }

  /**
   * A retired container whose purge failed comes back, dead, as dockerd leaves one whose removal failed:
   * listed, and removed again by the next `rm` (or berthd's start). Its name, unless taken meanwhile.
   */
  unretire(id: string): void {
    const c = this.#retired.get(id);
    if (!c) return;
    this.#retired.delete(id);
    this.#byId.set(id, c);
    if (!this.#byName.has(c.name)) this.#byName.set(c.name, id);
  }

  /** Drops a removed container's record and its name. */
  delete(c: Container): void {
    // Not fsynced: the record was durably made `dead` first, and a dead record that a
    // power loss brings back is removed again by berthd's restore.
    spanSync('db: delete container (sqlite commit, no fsync)', undefined, () => this.#meta.deleteContainer(c.id, { durable: false }));
    this.#byId.delete(c.id);
    this.#retired.delete(c.id);
    if (this.#byName.get(c.name) === c.id) this.#byName.delete(c.name);
  }

  /** Reserves the requested name (Conflict when taken, docker's text) or a generated one. */
  reserveName(id: string, requested: string | undefined): string {
    if (requested !== undefined && requested !== '') {
      if (!validContainerName.test(requested)) {
        throw invalidArgument(`Invalid container name (${requested}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      }
      const name = requested.replace(/^\//, '');
      const holder = this.#byName.get(name);
      if (holder !== undefined) {
        throw conflict(`Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      this.#byName.set(name, id);
      return name;
    }
    for (let retry = 0; ; retry++) {
      const name = generateName(retry);
      if (!this.#byName.has(name)) {
        this.#byName.set(name, id);
        return name;
      }
    }
  }

  /** Gives back a name reserved for a container whose creation failed. */
  releaseName(name: string): void {
    this.#byName.delete(name);
  }

  /** The id of the container holding `name`, if any. */
  nameHolder(name: string): string | undefined {
    return this.#byName.get(name);
  }

  /** Moves a container to a free name (the caller checked it is free). */
  rename(c: StoredContainer, name: string): StoredContainer {
    this.#byName.set(name, c.id);
    this.#byName.delete(c.name);
    return this.save({ ...c, name });
  }

  /** Ids of containers (any state) that mount the named volume. */
  volumeUsers(name: string): string[] {
    return this.all().filter((c) => c.mountPoints?.some((m) => m.type === 'volume' && m.name === name)).map((c) => c.id);
  }

  /** Containers (any state) on a network, by its name. */
  networkUsers(networkName: string): Container[] {
    return this.all().filter((c) => networksOf(c.spec).includes(networkName));
  }

  /** Containers using an image (as theirs, or mounting it), with their status (for image removal checks). */
  usersOf(imageId: string): Container[] {
    return this.all().filter((c) => c.imageId === imageId || c.mountPoints?.some((m) => m.image?.id === imageId));
  }

  /** Whether any container's rootfs or image mount sits on this layer (keeps it through image removal and gc). */
  layerInUse(chainId: Digest): boolean {
    for (const records of [this.#byId, this.#retired]) {
      for (const c of records.values()) {
        if (c.lowerChain?.includes(chainId)) return true;
        if (c.mountPoints?.some((m) => m.image?.layers.includes(chainId))) return true;
      }
    }
    return false;
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const c of this.#byId.values()) {
      if (c.state.status === 'running') running++;
      else if (c.state.status === 'paused') paused++;
    }
    return { total: this.#byId.size, running, paused, stopped: this.#byId.size - running - paused };
  }
}
