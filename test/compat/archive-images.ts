// What an image archive (`docker save`) holds, independent of its layout: for
// each entry of manifest.json, its tags and the sha256 of its config and of
// each layer tar, read through the paths the manifest names (the legacy
// `<v1 id>/layer.tar` of dockerd 20.10, or `blobs/sha256/…` of docker 25 and
// berth; symlinked layers followed). Two archives of the same images are equal
// here even when their layouts differ.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';

export interface ArchivedImage {
  readonly repoTags: readonly string[];
  readonly config: string;
  readonly layers: readonly string[];
}

interface Entry { readonly sha: string; readonly body: Buffer | undefined; readonly link: string | undefined }

/** The images in an archive, in manifest.json's order. */
export async function archiveImages(archive: Buffer): Promise<ArchivedImage[]> {
  const entries = new Map<string, Entry>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        const name = posix.normalize(header.name).replace(/\/$/, '');
        const link = header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), header.linkname ?? '')) : undefined;
        entries.set(name, { sha: createHash('sha256').update(body).digest('hex'), body: name === 'manifest.json' ? body : undefined, link });
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([archive]).pipe(ex);
  await done;
  const manifest = entries.get('manifest.json')?.body;
  if (!manifest) throw new Error('the archive has no manifest.json');
  const sha = (path: string, depth = 0): string => {
    const e = entries.get(posix.normalize(path));
    if (!e) throw new Error(`the archive's manifest names ${path}, which it does not hold`);
    if (e.link !== undefined) {
      if (depth > 8) throw new Error(`too many symlinks at ${path}`);
      return sha(e.link, depth + 1);
    }
    return e.sha;
  };
  const list = JSON.parse(manifest.toString()) as { Config: string; RepoTags: string[] | null; Layers: string[] }[];
  return list.map((m) => ({ repoTags: [...(m.RepoTags ?? [])].sort(), config: sha(m.Config), layers: m.Layers.map((l) => sha(l)) }));
}
