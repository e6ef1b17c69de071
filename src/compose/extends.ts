// compose: `extends` — a service built on another one, from the same file or
// from another compose file (`file:` relative to the file that extends). The
// base is resolved first (its own `extends` too, cycles refused), its relative
// paths are made absolute when it comes from another directory, and the local
// definition is merged over it with the merge rules of several -f files.
import { dirname, resolve } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import { mergeComposeTrees } from './merge.ts';
import { rebaseService } from './rebase.ts';

type Tree = Record<string, unknown>;

const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads another compose file as a tree (interpolated and validated), for `extends.file`. */
export type TreeReader = (file: string) => Promise<Tree>;

interface Place {
  /** The file the services come from (for messages and cycle keys). */
  readonly file: string;
  /** The directory `extends.file` and relative paths are resolved against. */
  readonly dir: string;
  readonly services: Tree;
}

async function resolveService(place: Place, name: string, read: TreeReader, chain: readonly string[]): Promise<Tree> {
  const s = place.services[name];
  const service: Tree = isMap(s) ? s : {};
  const ext = service['extends'];
  if (ext === undefined) return service;
  const ref = typeof ext === 'string' ? { service: ext } : isMap(ext) ? { service: String(ext['service']), ...(typeof ext['file'] === 'string' ? { file: ext['file'] } : {}) } : undefined;
  if (!ref) throw invalidArgument(`services.${name}.extends must be a string or a mapping`);
  let base: Place = place;
  if (ref.file !== undefined) {
    const file = resolve(place.dir, ref.file);
    const tree = await read(file);
    base = { file, dir: dirname(file), services: isMap(tree['services']) ? tree['services'] : {} };
  }
  const key = `${base.file}#${ref.service}`;
  if (chain.includes(key)) throw invalidArgument(`circular reference with extends in service "${name}": ${[...chain, key].map((k) => k.split('#')[1]).join(' -> ')}`);
  if (!(ref.service in base.services)) throw invalidArgument(`cannot extend service "${name}" in ${place.file}: service "${ref.service}" not found`);
  let parent = await resolveService(base, ref.service, read, [...chain, key]);
  if (base.dir !== place.dir) parent = rebaseService(parent, base.dir);
  const { extends: _done, ...local } = service;
  const merged = mergeComposeTrees([{ services: { [name]: parent } }, { services: { [name]: local } }]);
  return (merged['services'] as Tree)[name] as Tree;
}

/** The tree with every service's `extends` resolved; `file` names the tree's file, relative references resolve in its directory. */
export async function applyExtends(tree: Tree, file: string, read: TreeReader): Promise<Tree> {
  const services = isMap(tree['services']) ? tree['services'] : undefined;
  if (!services || !Object.values(services).some((s) => isMap(s) && s['extends'] !== undefined)) return tree;
  const place: Place = { file, dir: dirname(file), services };
  const out: Tree = {};
  for (const name of Object.keys(services)) out[name] = await resolveService(place, name, read, [`${file}#${name}`]);
  return { ...tree, services: out };
}
