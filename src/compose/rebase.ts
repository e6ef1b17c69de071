// compose: making the relative paths of a compose tree absolute against the
// directory they were written for — a service taken from another file by
// `extends`, or a whole sub-project pulled in by `include`, keeps pointing at
// its own files once it is copied into the including project.
import { isAbsolute, resolve } from 'node:path';

type Tree = Record<string, unknown>;

const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A relative local path made absolute; absolute paths, `~` paths and URLs stay. */
function rebasePath(p: string, dir: string): string {
  if (isAbsolute(p) || p.startsWith('~') || /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('git@')) return p;
  return resolve(dir, p);
}

function rebaseBuild(v: unknown, dir: string): unknown {
  if (typeof v === 'string') return rebasePath(v, dir);
  if (isMap(v)) return { ...v, context: rebasePath(typeof v['context'] === 'string' ? v['context'] : '.', dir) };
  return v;
}

function rebaseVolume(v: unknown, dir: string): unknown {
  if (isMap(v)) {
    if ((v['type'] ?? 'volume') === 'bind' && typeof v['source'] === 'string') return { ...v, source: rebasePath(v['source'], dir) };
    return v;
  }
  const s = String(v);
  const i = s.indexOf(':');
  if (i < 0 || !s.startsWith('.')) return v;
  return `${rebasePath(s.slice(0, i), dir)}${s.slice(i)}`;
}

function rebaseEnvFile(v: unknown, dir: string): unknown {
  if (typeof v === 'string') return rebasePath(v, dir);
  if (Array.isArray(v)) return v.map((x) => rebaseEnvFile(x, dir));
  if (isMap(v) && typeof v['path'] === 'string') return { ...v, path: rebasePath(v['path'], dir) };
  return v;
}

/** One service's build context, bind sources and env files made absolute against `dir`. */
export function rebaseService(service: Tree, dir: string): Tree {
  const out: Tree = { ...service };
  if (out['build'] !== undefined) out['build'] = rebaseBuild(out['build'], dir);
  if (Array.isArray(out['volumes'])) out['volumes'] = out['volumes'].map((v) => rebaseVolume(v, dir));
  if (out['env_file'] !== undefined) out['env_file'] = rebaseEnvFile(out['env_file'], dir);
  return out;
}

/** Every service and every file-based config/secret of a tree made absolute against `dir`. */
export function rebaseTree(tree: Tree, dir: string): Tree {
  const out: Tree = { ...tree };
  if (isMap(tree['services'])) {
    out['services'] = Object.fromEntries(Object.entries(tree['services']).map(([k, s]) => [k, isMap(s) ? rebaseService(s, dir) : s]));
  }
  for (const kind of ['configs', 'secrets']) {
    const objects = tree[kind];
    if (!isMap(objects)) continue;
    out[kind] = Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, isMap(o) && typeof o['file'] === 'string' ? { ...o, file: rebasePath(o['file'], dir) } : o]));
  }
  return out;
}
