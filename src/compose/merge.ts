// compose: merging several compose files into one tree, per the Compose spec's
// 13-merge.md — mappings merge, sequences append, command/entrypoint/
// healthcheck.test are replaced, ports and volumes are unique by their key,
// environment/labels/extra_hosts given as lists merge by name.
type Tree = Record<string, unknown>;

const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

/** KEY=VALUE lists (environment, labels) as a mapping, so that they merge by key. */
function asMapping(v: unknown, sep: string): unknown {
  if (!Array.isArray(v)) return v;
  const out: Tree = {};
  for (const item of v) {
    const s = String(item);
    const i = s.indexOf(sep);
    if (i < 0) out[s] = null; else out[s.slice(0, i)] = s.slice(i + sep.length);
  }
  return out;
}

function volumeTarget(v: unknown): string {
  if (isMap(v)) return String(v['target'] ?? '');
  const parts = String(v).split(':');
  return parts.length === 1 ? parts[0] ?? '' : parts[1] ?? '';
}

function portKey(v: unknown): string {
  return isMap(v) ? JSON.stringify([v['host_ip'], v['target'], v['published'], v['protocol']]) : String(v);
}

function mergeUnique(a: unknown[], b: unknown[], key: (v: unknown) => string): unknown[] {
  const out = [...a];
  for (const item of b) {
    const i = out.findIndex((x) => key(x) === key(item));
    if (i >= 0) out[i] = item; else out.push(item);
  }
  return out;
}

function mergeValue(path: string, a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (a === undefined || a === null) return b;
  const last = path.split('.').pop() ?? '';
  const inService = /^services\.[^.]+\./.test(path);
  if (inService && (last === 'command' || last === 'entrypoint' || path.endsWith('healthcheck.test'))) return b;
  if (inService && (last === 'environment' || last === 'labels' || last === 'extra_hosts' || last === 'args')) {
    const sep = last === 'extra_hosts' ? ':' : '=';
    return mergeValue(`${path}#map`, asMapping(a, sep), asMapping(b, sep));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (inService && last === 'volumes') return mergeUnique(a, b, volumeTarget);
    if (inService && last === 'ports') return mergeUnique(a, b, portKey);
    if (inService && (last === 'depends_on' || last === 'networks')) return [...new Set([...a, ...b])];
    return [...a, ...b];
  }
  if (inService && (last === 'depends_on' || last === 'networks') && (Array.isArray(a) || Array.isArray(b))) {
    const toMap = (v: unknown): Tree => (Array.isArray(v) ? Object.fromEntries(v.map((s) => [String(s), null])) : (v as Tree));
    return mergeValue(path, toMap(a), toMap(b));
  }
  if (isMap(a) && isMap(b)) {
    const out: Tree = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeValue(`${path}.${k}`, a[k], v);
    return out;
  }
  return b;
}

/** Merges compose trees in order: later files override earlier ones. */
export function mergeComposeTrees(trees: readonly Tree[]): Tree {
  let out: Tree = {};
  for (const t of trees) {
    const merged: Tree = { ...out };
    for (const [k, v] of Object.entries(t)) merged[k] = mergeValue(k, out[k], v);
    out = merged;
  }
  return out;
}
