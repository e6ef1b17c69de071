// cli: the image commands — rmi, tag, import, load, save, history (images: image-list.ts) —
// with docker's output and errors.
import { requireDaemon } from '../daemon-requirements.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { readJsonMessages } from '../../client/index.ts';
import type { JsonMessage } from '../../client/index.ts';
import { historyContext, historyDefaultTable, historyHeaders, renderList, truncateId, ExitError, describeError, err, getClient, isTerminal, out, stdoutStream } from '../../cli-kit/index.ts';
import { render } from './image-list.ts';

export async function rmiCommand(names: string[], opts: { platform?: string; force?: boolean; prune?: boolean }): Promise<void> {
  if (opts.platform !== undefined) await requireDaemon('--platform', { api: '1.50' });
  const client = await getClient();
  let failed = false;
  for (const n of names) {
    try {
      const items = await client.imageRemove(n, { force: !!opts.force, noprune: opts.prune === false });
      for (const i of items ?? []) {
        if (i.Untagged) out(`Untagged: ${i.Untagged}\n`);
        if (i.Deleted) out(`Deleted: ${i.Deleted}\n`);
      }
    } catch (e) {
      err(`${describeError(e)}\n`);
      failed = true;
    }
  }
  if (failed) throw new ExitError(1);
}

/** Splits `repo[:tag]` where a `:` after the last `/` is the tag. */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

export async function tagCommand(source: string, target: string): Promise<void> {
  const client = await getClient();
  const { repo, tag } = splitRepoTag(target);
  try {
    await client.imageTag(source, repo, tag ?? 'latest');
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

/** Prints a JSON-message stream as docker does for load/import (no progress bars). */
async function printMessages(source: Readable, quiet: boolean): Promise<void> {
  for await (const m of readJsonMessages(source) as AsyncIterable<JsonMessage>) {
    if (m.error) throw new ExitError(1, m.error);
    if (quiet) continue;
    if (m.stream !== undefined) out(m.stream);
    else if (m.status !== undefined && !m.progress) out(m.id ? `${m.id}: ${m.status}\n` : `${m.status}\n`);
  }
}

export async function importCommand(file: string, reference: string | undefined, opts: { change?: string[]; message?: string; platform?: string }): Promise<void> {
  if (/^https?:\/\//.test(file)) throw new ExitError(1, 'importing from a URL is not supported yet');
  const client = await getClient();
  const source: Readable = file === '-' ? process.stdin : createReadStream(file);
  const ref = reference !== undefined ? splitRepoTag(reference) : undefined;
  try {
    const res = await client.imageImport(source, {
      ...(ref ? { repo: ref.repo } : {}), ...(ref?.tag !== undefined ? { tag: ref.tag } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}), changes: opts.change ?? [],
    });
    await printMessages(res, false);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
}

export async function loadCommand(opts: { platform?: string; input?: string; quiet?: boolean }): Promise<void> {
  if (opts.platform !== undefined) await requireDaemon('--platform', { api: '1.48' });
  if (opts.input === undefined && process.stdin.isTTY) {
    throw new ExitError(1, 'requested load from stdin, but stdin is empty');
  }
  const client = await getClient();
  const source: Readable = opts.input !== undefined ? createReadStream(opts.input) : process.stdin;
  try {
    const res = await client.imageLoad(source, { quiet: !!opts.quiet });
    await printMessages(res, false);
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(1, describeError(e));
  }
}

export async function saveCommand(names: string[], opts: { platform?: string; output?: string }): Promise<void> {
  if (opts.platform !== undefined) await requireDaemon('--platform', { api: '1.48' });
  if (opts.output === undefined && isTerminal(1)) {
    throw new ExitError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  const client = await getClient();
  try {
    const res = await client.imageSave(names);
    await pipeline(res, opts.output !== undefined ? createWriteStream(opts.output) : stdoutStream());
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
}

export async function historyCommand(name: string, opts: { platform?: string; human?: string | boolean; quiet?: boolean; trunc?: boolean; format?: string }): Promise<void> {
  if (opts.platform !== undefined) await requireDaemon('--platform', { api: '1.48' });
  const client = await getClient();
  let items;
  try {
    items = await client.imageHistory(name);
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const trunc = opts.trunc !== false;
  const h = typeof opts.human === 'string' ? opts.human.replace(/^=/, '') : opts.human;
  const human = h !== false && h !== 'false' && h !== '0';
  if (opts.quiet) {
    out(items.map((h) => `${trunc && h.Id.startsWith('sha256:') ? truncateId(h.Id) : h.Id}\n`).join(''));
    return;
  }
  const contexts = items.map((h) => historyContext(h, trunc, human));
  render(() => renderList(contexts, { format: opts.format ?? '', defaultTable: historyDefaultTable(human), headers: historyHeaders }));
}
