// compose: configs and secrets without a swarm, as Docker Compose does it. A
// top-level object comes from a `file` (bind-mounted read-only at the target),
// an `environment` variable or inline `content` (both copied into the created
// container, before it starts, through the archive API as a file of mode 0444
// or the grant's `mode`). Targets: secrets under /run/secrets/<name> (a
// relative target too), configs at /<name>, or the grant's absolute `target`.
import * as tar from 'tar-stream';
import { resolve } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { EngineClient } from '../client/index.ts';
import type { Environment } from './interpolate.ts';

export type FileKind = 'configs' | 'secrets';

/** A top-level config or secret. */
export interface FileObject {
  readonly name: string;
  /** Absolute host path. */
  readonly file?: string;
  readonly environment?: string;
  readonly content?: string;
  readonly external: boolean;
}

/** A service's grant of a config or secret. */
export interface FileGrant {
  readonly source: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly uid?: string;
  readonly gid?: string;
  readonly mode?: number;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const singular = (kind: FileKind) => (kind === 'configs' ? 'config' : 'secret');

/** The top-level `configs:` or `secrets:` mapping, file paths made absolute against the project directory. */
export function parseFileObjects(raw: unknown, kind: FileKind, project: string, workingDir: string): Record<string, FileObject> {
  const out: Record<string, FileObject> = {};
  if (!isMap(raw)) return out;
  for (const [key, v] of Object.entries(raw)) {
    const m: Record<string, unknown> = isMap(v) ? v : {};
    const external = m['external'] === true;
    const name = typeof m['name'] === 'string' ? m['name'] : external ? key : `${project}_${key}`;
    const obj: FileObject = {
      name,
      external,
      ...(typeof m['file'] === 'string' ? { file: resolve(workingDir, m['file']) } : {}),
      ...(typeof m['environment'] === 'string' ? { environment: m['environment'] } : {}),
      ...(typeof m['content'] === 'string' ? { content: m['content'] } : {}),
    };
    if (!external && obj.file === undefined && obj.environment === undefined && obj.content === undefined) {
      throw invalidArgument(`${kind}.${key}: one of file, environment or content is required`);
    }
    out[key] = obj;
  }
  return out;
}

function parseMode(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  const s = String(v).replace(/^0o/, '');
  if (!/^[0-7]+$/.test(s)) throw invalidArgument(`invalid file mode ${String(v)}`);
  return parseInt(s, 8);
}

function defaultTarget(kind: FileKind, source: string, target: string | undefined): string {
  const t = target ?? source;
  if (t.startsWith('/')) return t;
  return kind === 'secrets' ? `/run/secrets/${t}` : `/${t}`;
}

/** A service's `configs:` or `secrets:` list (short names and long entries). */
export function parseGrants(raw: unknown, kind: FileKind): FileGrant[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((g): FileGrant => {
    if (!isMap(g)) { const source = String(g); return { source, target: defaultTarget(kind, source, undefined) }; }
    const source = String(g['source']);
    const mode = parseMode(g['mode']);
    return {
      source,
      target: defaultTarget(kind, source, typeof g['target'] === 'string' ? g['target'] : undefined),
      ...(g['uid'] !== undefined ? { uid: String(g['uid']) } : {}),
      ...(g['gid'] !== undefined ? { gid: String(g['gid']) } : {}),
      ...(mode !== undefined ? { mode } : {}),
    };
  });
}

/** Refuses a grant of an undefined or external (swarm-only) object. */
export function checkGrants(service: string, kind: FileKind, grants: readonly FileGrant[], objects: Readonly<Record<string, FileObject>>): void {
  for (const g of grants) {
    const o = objects[g.source];
    if (!o) throw invalidArgument(`service "${service}" refers to undefined ${singular(kind)} ${g.source}: invalid compose project`);
    if (o.external) throw invalidArgument(`service "${service}": external ${singular(kind)} ${g.source} is not supported without a swarm`);
  }
}

interface Grants {
  readonly configs?: readonly FileGrant[];
  readonly secrets?: readonly FileGrant[];
}

interface Objects {
  readonly configs?: Readonly<Record<string, FileObject>>;
  readonly secrets?: Readonly<Record<string, FileObject>>;
}

function each(project: Objects, s: Grants): { kind: FileKind; grant: FileGrant; object: FileObject }[] {
  const out: { kind: FileKind; grant: FileGrant; object: FileObject }[] = [];
  for (const kind of ['configs', 'secrets'] as const) {
    for (const grant of s[kind] ?? []) {
      const object = project[kind]?.[grant.source];
      if (object) out.push({ kind, grant, object });
    }
  }
  return out;
}

/** Read-only bind mounts of the file-based configs and secrets a service is granted. */
export function fileGrantMounts(project: Objects, s: Grants): { Type: 'bind'; Source: string; Target: string; ReadOnly: true }[] {
  return each(project, s).filter((x) => x.object.file !== undefined).map((x) => ({ Type: 'bind', Source: x.object.file as string, Target: x.grant.target, ReadOnly: true }));
}

function tarOf(entries: readonly { name: string; content: string; mode: number; uid: number; gid: number }[]): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    pack.on('end', () => resolvePromise(Buffer.concat(chunks)));
    pack.on('error', reject);
    const now = new Date();
    for (const e of entries) pack.entry({ name: e.name.replace(/^\/+/, ''), mode: e.mode, uid: e.uid, gid: e.gid, mtime: now }, e.content);
    pack.finalize();
  });
}

/** Copies the environment- and content-based configs and secrets into a created container. */
export async function injectFileGrants(client: EngineClient, project: Objects & { readonly environment: Environment }, s: Grants & { readonly name: string }, containerId: string): Promise<void> {
  const inline = each(project, s).filter((x) => x.object.file === undefined && !x.object.external);
  if (inline.length === 0) return;
  const entries = inline.map(({ kind, grant, object }) => {
    let content = object.content;
    if (object.environment !== undefined) {
      content = project.environment[object.environment];
      if (content === undefined) throw invalidArgument(`environment variable "${object.environment}" required by ${singular(kind)} "${grant.source}" of service "${s.name}" is not set`);
    }
    return { name: grant.target, content: content ?? '', mode: grant.mode ?? 0o444, uid: Number(grant.uid ?? 0), gid: Number(grant.gid ?? 0) };
  });
  // Extracted at / with the tar's owners (root unless the grant names uid/gid); missing parents are made.
  await client.raw('PUT', `/containers/${encodeURIComponent(containerId)}/archive`, {
    query: { path: '/' },
    body: await tarOf(entries),
    headers: { 'Content-Type': 'application/x-tar' },
  });
}
