// `docker save` archives from before Docker 1.10 (and tools that still write
// them): no manifest.json, a `repositories` file naming each tag's top layer
// id, and per layer `<id>/json` (a v1 image JSON with a `parent` link) and
// `<id>/layer.tar`. dockerd still loads them (its legacyLoad); so does berth,
// by turning each tagged chain into an image config as dockerd's
// MakeConfigFromV1Config does: the top v1 JSON minus its v1-only keys, plus
// rootfs (the layers' diff ids) and one history entry per v1 layer.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { invalidArgument } from '../core/errors.ts';
import { normalizeTagged } from '../core/reference.ts';
import type { SpooledArchive } from './archive-spool.ts';
import { decompress } from './decompress.ts';

export interface LegacyImage {
  readonly config: Buffer;
  readonly layerFiles: readonly string[];
  readonly tags: readonly string[];
  /** Marks an image read from a legacy archive (dockerd reports those differently). */
  readonly legacy: true;
}

type Obj = Record<string, unknown>;

const v1OnlyKeys = ['id', 'parent', 'Size', 'parent_id', 'layer_id', 'throwaway'];

async function readJsonFile(spool: SpooledArchive, name: string): Promise<Obj> {
  if (!spool.has(name)) throw invalidArgument(`invalid archive: "${name}" is missing`);
  let doc: unknown;
  try {
    doc = JSON.parse((await spool.read(name)).toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid archive: ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidArgument(`invalid archive: ${name} is not a JSON object`);
  return doc as Obj;
}

async function diffIdOf(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of decompress(createReadStream(path))) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The layer ids from the base up to `top`, following `parent` links. */
async function chainOf(spool: SpooledArchive, top: string): Promise<{ id: string; json: Obj }[]> {
  const chain: { id: string; json: Obj }[] = [];
  const seen = new Set<string>();
  for (let id: string | undefined = top; id; ) {
    if (!/^[a-f0-9]{64}$/.test(id) || seen.has(id)) throw invalidArgument(`invalid archive: invalid layer id "${id}"`);
    seen.add(id);
    const json = await readJsonFile(spool, `${id}/json`);
    chain.unshift({ id, json });
    const parent = json['parent'];
    id = typeof parent === 'string' && parent !== '' ? parent : undefined;
  }
  return chain;
}

/** Whether the spooled archive is a legacy one berth can read. */
export function isLegacyArchive(spool: SpooledArchive): boolean {
  return spool.has('repositories') && !spool.has('manifest.json');
}

/** One image per distinct top layer of `repositories`, with all its tags. */
export async function readLegacyArchive(spool: SpooledArchive): Promise<LegacyImage[]> {
  const repositories = await readJsonFile(spool, 'repositories');
  const tagsByTop = new Map<string, string[]>();
  for (const [repo, tags] of Object.entries(repositories)) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw invalidArgument('invalid archive: repositories must map names to tags');
    for (const [tag, top] of Object.entries(tags as Obj)) {
      if (typeof top !== 'string') throw invalidArgument('invalid archive: repositories must map tags to layer ids');
      tagsByTop.set(top, [...(tagsByTop.get(top) ?? []), normalizeTagged(`${repo}:${tag}`)]);
    }
  }
  const out: LegacyImage[] = [];
  for (const [top, tags] of tagsByTop) {
    const chain = await chainOf(spool, top);
    const layerFiles: string[] = [];
    const diffIds: string[] = [];
    const history: Obj[] = [];
    for (const { id, json } of chain) {
      const file = `${id}/layer.tar`;
      const path = spool.path(file);
      if (path === undefined) throw invalidArgument(`invalid archive: layer "${file}" is missing`);
      layerFiles.push(file);
      diffIds.push(await diffIdOf(path));
      const cmd = (json['container_config'] as Obj | undefined)?.['Cmd'];
      history.push({
        ...(typeof json['created'] === 'string' ? { created: json['created'] } : {}),
        ...(typeof json['author'] === 'string' && json['author'] !== '' ? { author: json['author'] } : {}),
        ...(Array.isArray(cmd) ? { created_by: cmd.join(' ') } : {}),
        ...(typeof json['comment'] === 'string' && json['comment'] !== '' ? { comment: json['comment'] } : {}),
      });
    }
    const config: Obj = { ...chain[chain.length - 1]!.json };
    for (const k of v1OnlyKeys) delete config[k];
    config['rootfs'] = { type: 'layers', diff_ids: diffIds };
    config['history'] = history;
    out.push({ config: Buffer.from(JSON.stringify(config)), layerFiles, tags, legacy: true });
  }
  return out;
}
