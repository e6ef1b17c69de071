// The metadata database: image records, tags, layers, container records and
// settings in one SQLite file (better-sqlite3, WAL, synchronous=FULL), so every
// change is atomic and a crash leaves either the old state or the new one.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Digest } from '../core/digest.ts';
import { failedPrecondition } from '../core/errors.ts';
import type { ContainerRow, ImageRow, LayerRow, MetadataStore } from './types.ts';

/** Bumped when the schema changes; migrations run from the stored version upward. */
export const schemaVersion = 1;

const migrations: Record<number, string> = {
  1: `
    CREATE TABLE images (
      id TEXT PRIMARY KEY,
      manifest_digest TEXT,
      size INTEGER NOT NULL,
      created TEXT NOT NULL,
      added_at TEXT NOT NULL
    );
    CREATE TABLE tags (
      ref TEXT PRIMARY KEY,
      image_id TEXT NOT NULL
    );
    CREATE INDEX tags_image ON tags(image_id);
    CREATE TABLE layers (
      chain_id TEXT PRIMARY KEY,
      diff_id TEXT NOT NULL,
      parent TEXT,
      size INTEGER NOT NULL,
      blob_digest TEXT,
      blob_media_type TEXT
    );
    CREATE TABLE containers (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      json TEXT NOT NULL
    );
    CREATE INDEX containers_name ON containers(name);
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};

interface ImageDbRow { id: string; manifest_digest: string | null; size: number; created: string; added_at: string }
interface LayerDbRow { chain_id: string; diff_id: string; parent: string | null; size: number; blob_digest: string | null; blob_media_type: string | null }

function toImage(r: ImageDbRow): ImageRow {
  return {
    id: r.id as Digest,
    ...(r.manifest_digest !== null ? { manifestDigest: r.manifest_digest as Digest } : {}),
    size: r.size,
    created: r.created,
    addedAt: r.added_at,
  };
}

function toLayer(r: LayerDbRow): LayerRow {
  return {
    chainId: r.chain_id as Digest,
    diffId: r.diff_id as Digest,
    parent: r.parent as Digest | null,
    size: r.size,
    ...(r.blob_digest !== null ? { blobDigest: r.blob_digest as Digest } : {}),
    ...(r.blob_media_type !== null ? { blobMediaType: r.blob_media_type } : {}),
  };
}

class SqliteMetadataStore implements MetadataStore {
  readonly #db: Database.Database;
  readonly #q;
  /** The database is in WAL mode (putContainerDurably syncs the log itself). */
  readonly #wal: boolean;
  #walFile: Promise<FileHandle> | undefined;
  #runningSync: Promise<void> | undefined;
  #nextSync: Promise<void> | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#wal = db.name !== ':memory:' && db.pragma('journal_mode', { simple: true }) === 'wal';
    this.#q = {
      putImage: db.prepare('INSERT OR REPLACE INTO images (id, manifest_digest, size, created, added_at) VALUES (?, ?, ?, ?, ?)'),
      getImage: db.prepare<[string], ImageDbRow>('SELECT * FROM images WHERE id = ?'),
      listImages: db.prepare<[], ImageDbRow>('SELECT * FROM images ORDER BY added_at, id'),
      deleteImage: db.prepare('DELETE FROM images WHERE id = ?'),
      setTag: db.prepare('INSERT OR REPLACE INTO tags (ref, image_id) VALUES (?, ?)'),
      removeTag: db.prepare('DELETE FROM tags WHERE ref = ?'),
      resolveTag: db.prepare<[string], { image_id: string }>('SELECT image_id FROM tags WHERE ref = ?'),
      tagsOf: db.prepare<[string], { ref: string }>('SELECT ref FROM tags WHERE image_id = ? ORDER BY ref'),
      listTags: db.prepare<[], { ref: string; image_id: string }>('SELECT ref, image_id FROM tags ORDER BY ref'),
      putLayer: db.prepare('INSERT OR REPLACE INTO layers (chain_id, diff_id, parent, size, blob_digest, blob_media_type) VALUES (?, ?, ?, ?, ?, ?)'),
      getLayer: db.prepare<[string], LayerDbRow>('SELECT * FROM layers WHERE chain_id = ?'),
      deleteLayer: db.prepare('DELETE FROM layers WHERE chain_id = ?'),
      listLayers: db.prepare<[], LayerDbRow>('SELECT * FROM layers ORDER BY chain_id'),
      // An update in place (REPLACE would delete and insert the row: new rowid, both indexes and the freelist rewritten, ~7 pages in the WAL per save instead of 1-2).
      putContainer: db.prepare('INSERT INTO containers (id, name, json) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, json = excluded.json'),
      getContainer: db.prepare<[string], ContainerRow>('SELECT id, name, json FROM containers WHERE id = ?'),
      listContainers: db.prepare<[], ContainerRow>('SELECT id, name, json FROM containers ORDER BY id'),
      deleteContainer: db.prepare('DELETE FROM containers WHERE id = ?'),
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  putImage(row: ImageRow): void {
    this.#q.putImage.run(row.id, row.manifestDigest ?? null, row.size, row.created, row.addedAt);
  }
  getImage(id: Digest): ImageRow | undefined {
    const r = this.#q.getImage.get(id);
    return r && toImage(r);
  }
  listImages(): ImageRow[] {
    return this.#q.listImages.all().map(toImage);
  }
  deleteImage(id: Digest): void {
    this.#q.deleteImage.run(id);
  }

  setTag(ref: string, imageId: Digest): void {
    this.#q.setTag.run(ref, imageId);
  }
  removeTag(ref: string): void {
    this.#q.removeTag.run(ref);
  }
  resolveTag(ref: string): Digest | undefined {
    return this.#q.resolveTag.get(ref)?.image_id as Digest | undefined;
  }
  tagsOf(imageId: Digest): string[] {
    return this.#q.tagsOf.all(imageId).map((r) => r.ref);
  }
  listTags(): { ref: string; imageId: Digest }[] {
    return this.#q.listTags.all().map((r) => ({ ref: r.ref, imageId: r.image_id as Digest }));
  }

  putLayer(row: LayerRow): void {
    this.#q.putLayer.run(row.chainId, row.diffId, row.parent, row.size, row.blobDigest ?? null, row.blobMediaType ?? null);
  }
  getLayer(chainId: Digest): LayerRow | undefined {
    const r = this.#q.getLayer.get(chainId);
    return r && toLayer(r);
  }
  deleteLayer(chainId: Digest): void {
    this.#q.deleteLayer.run(chainId);
  }
  listLayers(): LayerRow[] {
    return this.#q.listLayers.all().map(toLayer);
  }

  putContainer(row: ContainerRow, options: { durable?: boolean } = {}): void {
    this.#commit(options.durable ?? true, () => this.#q.putContainer.run(row.id, row.name, row.json));
  }
  getContainer(id: string): ContainerRow | undefined {
    const r = this.#q.getContainer.get(id);
    return r && { id: r.id, name: r.name, json: r.json };
  }
  listContainers(): ContainerRow[] {
    return this.#q.listContainers.all().map((r) => ({ id: r.id, name: r.name, json: r.json }));
  }
  deleteContainer(id: string, options: { durable?: boolean } = {}): void {
    this.#commit(options.durable ?? true, () => this.#q.deleteContainer.run(id));
  }

  async putContainerDurably(row: ContainerRow): Promise<void> {
    if (!this.#wal) {
      this.putContainer(row);
      return;
    }
    this.#commit(false, () => this.#q.putContainer.run(row.id, row.name, row.json));
    await this.#syncWal();
  }

  /**
   * fdatasync of the WAL on libuv's pool, shared: a call that comes while one
   * runs waits for the next, which starts after that one (the running one may
   * have begun before its commit) and serves every call that came meanwhile.
   */
  #syncWal(): Promise<void> {
    if (this.#nextSync) return this.#nextSync;
    const start = (): Promise<void> => {
      const p = this.#walDatasync().finally(() => {
        if (this.#runningSync === p) this.#runningSync = undefined;
      });
      this.#runningSync = p;
      return p;
    };
    if (!this.#runningSync) return start();
    const next = this.#runningSync.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      this.#nextSync = undefined;
      return start();
    });
    this.#nextSync = next;
    return next;
  }

  async #walDatasync(): Promise<void> {
    // The WAL file exists from the first commit on and stays (same inode: a restart of the log after a
    // checkpoint overwrites it from the start) until the last connection closes it.
    this.#walFile ??= open(`${this.#db.name}-wal`, 'r').catch((err: unknown) => {
      this.#walFile = undefined;
      throw err;
    });
    await (await this.#walFile).datasync();
  }

  /**
   * Runs one auto-committed statement; a non-durable one under synchronous=NORMAL
   * (WAL: the commit is in the log, not yet fsynced; the next durable commit's
   * fsync of the log covers it, since the log is written in order).
   */
  #commit(durable: boolean, run: () => unknown): void {
    if (durable) {
      run();
      return;
    }
    this.#db.pragma('synchronous = NORMAL');
    try {
      run();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  getSetting(key: string): string | undefined {
    return this.#q.getSetting.get(key)?.value;
  }
  setSetting(key: string, value: string): void {
    this.#q.setSetting.run(key, value);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
    void this.#walFile?.then((f) => f.close()).catch(() => undefined);
    this.#walFile = undefined;
  }
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) {
    throw failedPrecondition(`Cannot open metadata database "${path}": schema version ${current} is newer than this berth supports (${schemaVersion})`);
  }
  for (let v = current + 1; v <= schemaVersion; v++) {
    const sql = migrations[v];
    if (sql === undefined) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v}`);
      db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run('schema_version', String(v));
    })();
  }
}

/**
 * Opens (creating if needed) the metadata database at `path`. Runs schema
 * migrations; throws FailedPrecondition for a database newer than this code.
 */
export function openMetadataStore(path: string): MetadataStore {
  // Opening happens once at start-up, before any request is served.
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a committed transaction survives power loss, not just a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteMetadataStore(db);
}
