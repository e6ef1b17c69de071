// cli: `berth pause`, `unpause`, `rename` and `top` — thin calls to the
// API with docker's output and error wording.
import { tabwrite, ExitError, describeError, err, getClient, out } from '../../cli-kit/index.ts';
import { parallelOperation } from '../parallel.ts';

/** docker's pause and unpause: each name printed once done, each failure on stderr, exit 1 if any failed. */
async function each(names: readonly string[], fn: (name: string) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  // At once, as docker's pause and unpause; reported in the order named.
  for (const [i, result] of parallelOperation(names, fn).entries()) {
    const r = await result;
    const n = names[i]!;
    if (r.status === 'fulfilled') out(`${n}\n`);
    else {
      err(`${describeError(r.reason)}\n`);
      failed.push(n);
    }
  }
  if (failed.length > 0) throw new ExitError(1);
}

export async function pauseCommand(names: string[]): Promise<void> {
  const client = await getClient();
  await each(names, (n) => client.raw('POST', `/containers/${encodeURIComponent(n)}/pause`).then(() => undefined));
}

export async function unpauseCommand(names: string[]): Promise<void> {
  const client = await getClient();
  await each(names, (n) => client.raw('POST', `/containers/${encodeURIComponent(n)}/unpause`).then(() => undefined));
}

export async function renameCommand(oldName: string, newName: string): Promise<void> {
  const client = await getClient();
  try {
    await client.raw('POST', `/containers/${encodeURIComponent(oldName)}/rename`, { query: { name: newName } });
  } catch (e) {
    err(`${describeError(e)}\n`);
    throw new ExitError(1, `Error: failed to rename container named ${oldName}`);
  }
}

export async function topCommand(name: string, psArgs: string[]): Promise<void> {
  const client = await getClient();
  let top: { Titles: string[]; Processes: string[][] | null };
  try {
    top = await client.json('GET', `/containers/${encodeURIComponent(name)}/top`, { query: { ps_args: psArgs.length > 0 ? psArgs.join(' ') : undefined } });
  } catch (e) {
    throw new ExitError(1, describeError(e));
  }
  const lines = [top.Titles.join('\t'), ...(top.Processes ?? []).map((p) => p.join('\t'))];
  out(tabwrite(lines, { minWidth: 20, padding: 3 }).map((l) => `${l}\n`).join(''));
}
