// ADD <url>: downloads each URL into a temp directory as Docker does — the file
// is named after the URL's last path segment, gets mode 0600 and the
// Last-Modified time when the server sends one, and is never extracted.
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument } from '../core/errors.ts';
import type { CopySource } from './copy.ts';

export async function fetchUrls(urls: readonly string[], tmpRoot: string): Promise<{ files: CopySource[]; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpRoot, 'url-'));
  const files: CopySource[] = [];
  try {
    for (const [i, url] of urls.entries()) {
      const res = await fetch(url, { redirect: 'follow' });
      if (!res.ok) throw invalidArgument(`failed to GET ${url} with status ${res.status} ${res.statusText}`);
      const name = posix.basename(new URL(url).pathname) || 'index.html';
      const sub = join(dir, String(i));
      await mkdir(sub);
      const path = join(sub, name);
      await writeFile(path, Buffer.from(await res.arrayBuffer()));
      await chmod(path, 0o600);
      const lm = res.headers.get('last-modified');
      if (lm && !Number.isNaN(Date.parse(lm))) await utimes(path, new Date(Date.parse(lm)), new Date(Date.parse(lm)));
      files.push({ rel: name, abs: path, noExtract: true });
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { files, dispose: () => rm(dir, { recursive: true, force: true }) };
}
