// compose: top-level `include` — other compose applications pulled into this
// one. Each entry (a path, or {path, project_directory, env_file}) is loaded as
// its own model: its files merged, interpolated with its own .env under the
// including project's environment, its own includes and extends applied, and
// its relative paths made absolute against its project directory. Its
// services, networks, volumes, configs and secrets are then copied in; a
// service defined on both sides is refused (networks and the rest only when
// the two definitions differ).
import { dirname, join, resolve } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { Environment } from './interpolate.ts';
import { applyExtends } from './extends.ts';
import { mergeComposeTrees } from './merge.ts';
import { rebaseTree } from './rebase.ts';

type Tree = Record<string, unknown>;

const isMap = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface IncludeContext {
  /** The including project's environment (its .env and the shell); it wins over an included .env. */
  readonly env: Environment;
  /** Reads one compose file as a tree, interpolated with `env` and validated. */
  readTree(file: string, env: Environment): Promise<Tree>;
  /** Reads a .env file (missing and not required: empty). */
  readEnvFile(file: string, env: Environment, required: boolean): Promise<Record<string, string>>;
}

const resources = [['services', 'service'], ['networks', 'network'], ['volumes', 'volume'], ['configs', 'config'], ['secrets', 'secret']] as const;

function strings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** The tree with its `include` entries loaded and copied in; `dir` resolves the include paths. */
export async function applyIncludes(tree: Tree, dir: string, ctx: IncludeContext, seen: readonly string[] = []): Promise<Tree> {
  const list = tree['include'];
  if (list === undefined) return tree;
  const out: Tree = { ...tree };
  delete out['include'];
  for (const item of Array.isArray(list) ? list : [list]) {
    const entry: Tree = isMap(item) ? item : { path: item };
    const paths = strings(entry['path']).map((p) => resolve(dir, p));
    const first = paths[0];
    if (first === undefined) throw invalidArgument('include: an entry needs a path');
    for (const p of paths) if (seen.includes(p)) throw invalidArgument(`include cycle detected: ${[...seen, p].join(' -> ')}`);
    const projectDir = typeof entry['project_directory'] === 'string' ? resolve(dir, entry['project_directory']) : dirname(first);
    let dotEnv: Record<string, string> = {};
    const envFiles = strings(entry['env_file']);
    if (envFiles.length > 0) {
      for (const f of envFiles) dotEnv = { ...dotEnv, ...(await ctx.readEnvFile(resolve(dir, f), ctx.env, true)) };
    } else {
      dotEnv = await ctx.readEnvFile(join(projectDir, '.env'), ctx.env, false);
    }
    const env: Environment = { ...dotEnv, ...ctx.env };
    const trees: Tree[] = [];
    for (const p of paths) trees.push(await ctx.readTree(p, env));
    let sub = mergeComposeTrees(trees);
    sub = await applyIncludes(sub, projectDir, { ...ctx, env }, [...seen, ...paths]);
    sub = await applyExtends(sub, first, (f) => ctx.readTree(f, env));
    sub = rebaseTree(sub, projectDir);
    for (const [kind, what] of resources) {
      const incoming = sub[kind];
      if (!isMap(incoming)) continue;
      const mine: Tree = isMap(out[kind]) ? { ...(out[kind] as Tree) } : {};
      for (const [k, v] of Object.entries(incoming)) {
        if (k in mine && (kind === 'services' || JSON.stringify(mine[k]) !== JSON.stringify(v))) {
          throw invalidArgument(`imported compose file ${first} defines conflicting ${what} ${k}`);
        }
        mine[k] = v;
      }
      out[kind] = mine;
    }
  }
  return out;
}
