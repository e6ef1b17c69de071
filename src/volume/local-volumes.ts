// The `local` volume driver on disk: each volume is `<root>/<name>/_data` plus
// `<root>/<name>/volume.json` (name, creation time, labels, driver options).
// A volume with driver options (`type`/`device`/`o`, e.g. tmpfs or a bind of
// another host directory) is mounted on `_data` while a container uses it and
// unmounted when the last user lets go, as docker's local driver does.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { alreadyExists, invalidArgument, notFound } from '../core/errors.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import { runTool } from '../lib/run-tool.ts';
import type { Volume } from './types.ts';
import type { VolumeStore } from './roles.ts';

export const validVolumeName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const validOptions = ['type', 'device', 'o', 'size'];

/** docker's text for a name the local driver refuses. */
export function checkVolumeName(name: string): void {
  if (!validVolumeName.test(name)) {
    throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** docker's local driver option checks (messages as `create <name>: …`). */
export function checkLocalOptions(name: string, opts: Readonly<Record<string, string>>): void {
  const fail = (why: string) => invalidArgument(`create ${name}: ${why}`);
  for (const k of Object.keys(opts)) {
    if (!validOptions.includes(k)) throw fail(`invalid option: "${k}"`);
  }
  if (opts['size'] !== undefined) throw fail('quota size requested but no quota support');
  const hasType = (opts['type'] ?? '') !== '';
  const hasDevice = (opts['device'] ?? '') !== '';
  if (hasType && !hasDevice) throw fail('missing required option: "device"');
  if (hasDevice && !hasType) throw fail('missing required option: "type"');
  if (!hasType && (opts['o'] ?? '') !== '') throw fail('missing required option: "type"');
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => {
    const p = line.split(' ')[4];
    return p !== undefined && unescapeMountPath(p) === path;
  });
}

interface Record_ {
  readonly name: string;
  readonly createdAt: string;
  /** null when the volume was created without labels (dockerd then reports `"Labels": null`). */
  readonly labels: Readonly<Record<string, string>> | null;
  readonly options: Readonly<Record<string, string>>;
}

export class LocalVolumeStore implements VolumeStore {
  readonly #root: string;
  readonly #volumes = new Map<string, Volume>();
  /** Users (container ids) of each mounted option volume. */
  readonly #refs = new Map<string, Set<string>>();

  private constructor(root: string) {
    this.#root = root;
  }

  /** Opens `<dataRoot>/volumes`, reading every volume.json there. */
  static async open(dataRoot: string): Promise<LocalVolumeStore> {
    const root = join(dataRoot, 'volumes');
    await mkdir(root, { recursive: true, mode: 0o701 });
    const store = new LocalVolumeStore(root);
    for (const name of await readdir(root)) {
      const rec = await readFile(join(root, name, 'volume.json'), 'utf8').then((t) => JSON.parse(t) as Record_, () => undefined);
      if (rec && rec.name === name) store.#volumes.set(name, store.#toVolume(rec));
    }
    return store;
  }

  #toVolume(rec: Record_): Volume {
    return { name: rec.name, driver: 'local', mountpoint: join(this.#root, rec.name, '_data'), createdAt: rec.createdAt, labels: rec.labels ?? {}, ...(rec.labels === null ? { labelsUnset: true } : {}), options: rec.options, scope: 'local' };
  }

  list(): Volume[] {
    return [...this.#volumes.values()];
  }

  get(name: string): Volume {
    const v = this.#volumes.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  has(name: string): boolean {
    return this.#volumes.has(name);
  }

  /** AlreadyExists when the name is taken. */
  async create(name: string, options: { labels?: Readonly<Record<string, string>>; driverOptions?: Readonly<Record<string, string>> } = {}): Promise<Volume> {
    checkVolumeName(name);
    const opts = options.driverOptions ?? {};
    checkLocalOptions(name, opts);
    if (this.#volumes.has(name)) throw alreadyExists(`volume ${name} already exists`);
    const dir = join(this.#root, name);
    await mkdir(join(dir, '_data'), { recursive: true, mode: 0o755 }).catch((err: unknown) => {
      // dockerd's text; a 400 (dockerd: 500), since the name is the client's.
      if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw invalidArgument(`create ${name}: error while creating volume root path '${dir}': mkdir ${dir}: file name too long`);
      throw err;
    });
    const rec: Record_ = { name, createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels: options.labels ?? null, options: opts };
    await writeFileAtomic(join(dir, 'volume.json'), JSON.stringify(rec), 0o600);
    const v = this.#toVolume(rec);
    this.#volumes.set(name, v);
    return v;
  }

  /** Deletes the volume and its data (the caller checks that nobody uses it). */
  async remove(name: string): Promise<void> {
    const v = this.get(name);
    if (await isMountPoint(v.mountpoint)) await runTool('umount', [v.mountpoint]);
    this.#volumes.delete(name);
    this.#refs.delete(name);
    await rm(join(this.#root, name), { recursive: true, force: true });
  }

  /**
   * Makes the volume's data reachable at its mountpoint for `user` and returns
   * that path: volumes with a `type` option are mounted on first use.
   */
  async acquire(name: string, user: string): Promise<string> {
    const v = this.get(name);
    const type = v.options['type'];
    if (!type) return v.mountpoint;
    let refs = this.#refs.get(name);
    if (!refs) this.#refs.set(name, (refs = new Set()));
    if (!(await isMountPoint(v.mountpoint))) {
      await mkdir(v.mountpoint, { recursive: true });
      const o = (v.options['o'] ?? '').split(',').filter(Boolean);
      const args = type === 'none' || o.includes('bind') ? ['--bind', ...(o.length ? ['-o', o.join(',')] : [])] : ['-t', type, ...(o.length ? ['-o', o.join(',')] : [])];
      try {
        await runTool('mount', [...args, v.options['device'] ?? type, v.mountpoint]);
      } catch (err) {
        throw invalidArgument(`error while mounting volume '${v.mountpoint}': ${(err as Error).message}`, err);
      }
    }
    refs.add(user);
    return v.mountpoint;
  }

  /** Lets go of the volume for `user`; the last user of a mounted volume unmounts it. */
  async release(name: string, user: string): Promise<void> {
    const v = this.#volumes.get(name);
    if (!v || !v.options['type']) return;
    const refs = this.#refs.get(name);
    refs?.delete(user);
    if (refs && refs.size > 0) return;
    this.#refs.delete(name);
    if (await isMountPoint(v.mountpoint)) await runTool('umount', [v.mountpoint]);
  }

  /**
   * Unmounts option volumes that no container holds (after start-up restore:
   * a crash can leave them mounted). Returns the names it unmounted.
   */
  async unmountIdle(): Promise<string[]> {
    const done: string[] = [];
    for (const v of this.#volumes.values()) {
      if (!v.options['type'] || (this.#refs.get(v.name)?.size ?? 0) > 0) continue;
      if (await isMountPoint(v.mountpoint)) {
        await runTool('umount', [v.mountpoint]);
        done.push(v.name);
      }
    }
    return done;
  }
}
