// Reading the images out of a spooled archive that `docker load` got: a
// docker-save archive (manifest.json) or an OCI image layout (index.json,
// picking the host's platform from an index). Legacy archives: legacy-archive.ts.
import { digestHex, isDigest, sha256, type Digest } from '../core/digest.ts';
import { errorMessage, invalidArgument } from '../core/errors.ts';
import { formatReference, normalizeTagged, withDefaultTag } from '../core/reference.ts';
import type { SpooledArchive } from './archive-spool.ts';
import { goArch } from './image-config.ts';
import { tryParse } from './image-records.ts';
import { isIndexMediaType } from './media-types.ts';

/** One image found in an archive, ready to ingest. */
export interface ArchiveImage {
  readonly config: Buffer;
  readonly layerFiles: readonly string[];
  readonly tags: readonly string[];
}

/** docker save's manifest.json: one entry per image with its config, layer files and tags. */
export async function readDockerArchive(spool: SpooledArchive): Promise<ArchiveImage[]> {
  let doc: unknown;
  try {
    doc = JSON.parse((await spool.read('manifest.json')).toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid archive: manifest.json: ${errorMessage(err)}`, err);
  }
  if (!Array.isArray(doc)) throw invalidArgument('invalid archive: manifest.json is not a list');
  const out: ArchiveImage[] = [];
  for (const m of doc as unknown[]) {
    const e = (m ?? {}) as Record<string, unknown>;
    const configName = e['Config'];
    const layers = e['Layers'] ?? [];
    const repoTags = e['RepoTags'] ?? [];
    if (typeof configName !== 'string') throw invalidArgument('invalid archive: manifest.json entry without Config');
    if (!Array.isArray(layers) || !layers.every((l): l is string => typeof l === 'string')) throw invalidArgument('invalid archive: manifest.json Layers must be a list of paths');
    if (!Array.isArray(repoTags) || !repoTags.every((l): l is string => typeof l === 'string')) throw invalidArgument('invalid archive: manifest.json RepoTags must be a list');
    for (const l of layers) if (!spool.has(l)) throw invalidArgument(`invalid archive: layer "${l}" is missing`);
    out.push({ config: await spool.read(configName), layerFiles: layers, tags: repoTags.map((t) => normalizeTagged(t)) });
  }
  return out;
}

/** An OCI image layout: index.json's manifests, tags from their name annotations. */
export async function readOciArchive(spool: SpooledArchive): Promise<ArchiveImage[]> {
  const readJson = async (name: string, digest?: Digest): Promise<Record<string, unknown>> => {
    const bytes = await spool.read(name);
    if (digest !== undefined && sha256(bytes) !== digest) throw invalidArgument(`invalid archive: ${name} does not match its digest ${digest}`);
    try {
      const v: unknown = JSON.parse(bytes.toString('utf8'));
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch (err) {
      throw invalidArgument(`invalid archive: ${name}: ${errorMessage(err)}`, err);
    }
  };
  const blobPath = (d: unknown): string => {
    if (typeof d !== 'string' || !isDigest(d)) throw invalidArgument(`invalid archive: bad digest "${String(d)}"`);
    return `blobs/sha256/${digestHex(d)}`;
  };
  const descriptors = (doc: Record<string, unknown>): Record<string, unknown>[] => {
    const m = doc['manifests'];
    return Array.isArray(m) ? (m.filter((x) => typeof x === 'object' && x !== null) as Record<string, unknown>[]) : [];
  };
  const arch = goArch();
  /** Picks the host's platform out of an index (docker 25 saves a manifest list when it has one). */
  const pickManifest = async (desc: Record<string, unknown>, depth = 0): Promise<Record<string, unknown>> => {
    if (depth > 4) throw invalidArgument('invalid archive: indexes nested too deeply');
    const doc = await readJson(blobPath(desc['digest']), desc['digest'] as Digest);
    if (!isIndexMediaType((desc['mediaType'] as string | undefined) ?? (doc['mediaType'] as string | undefined))) return doc;
    const all = descriptors(doc);
    const platformOf = (d: Record<string, unknown>) => (d['platform'] ?? {}) as Record<string, unknown>;
    const present = all.filter((d) => spool.has(blobPath(d['digest'])));
    const match = present.find((d) => platformOf(d)['os'] === 'linux' && platformOf(d)['architecture'] === arch) ?? present[0];
    if (match === undefined) throw invalidArgument(`invalid archive: no manifest for linux/${arch}`);
    return pickManifest(match, depth + 1);
  };

  const out: ArchiveImage[] = [];
  for (const desc of descriptors(await readJson('index.json'))) {
    const manifest = await pickManifest(desc);
    const configDesc = (manifest['config'] ?? {}) as Record<string, unknown>;
    const config = await spool.read(blobPath(configDesc['digest']));
    if (sha256(config) !== configDesc['digest']) throw invalidArgument(`invalid archive: config does not match its digest ${String(configDesc['digest'])}`);
    const layers = Array.isArray(manifest['layers']) ? (manifest['layers'] as Record<string, unknown>[]) : [];
    const layerFiles = layers.map((l) => {
      const p = blobPath(l['digest']);
      if (!spool.has(p)) throw invalidArgument(`invalid archive: layer ${String(l['digest'])} is missing`);
      return p;
    });
    const annotations = (desc['annotations'] ?? {}) as Record<string, unknown>;
    const tags: string[] = [];
    const full = annotations['io.containerd.image.name'];
    const refName = annotations['org.opencontainers.image.ref.name'];
    // A bare tag in ref.name (`latest`) names no repository; only a full reference does.
    const name = typeof full === 'string' ? full : typeof refName === 'string' && /[:/]/.test(refName) ? refName : undefined;
    if (name !== undefined) {
      const r = tryParse(name);
      if (r !== undefined && r.digest === undefined) tags.push(formatReference(withDefaultTag(r)));
    }
    const existing = out.find((o) => sha256(o.config) === sha256(config));
    if (existing !== undefined) (existing.tags as string[]).push(...tags);
    else out.push({ config, layerFiles, tags });
  }
  return out;
}
