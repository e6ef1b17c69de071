// docker top: runs the host's `ps` with the user's arguments (default `-ef`)
// and the container's pids (`-q`), and keeps the rows whose PID belongs to the container, as moby does; the
// last column (the command) keeps its spaces.
import { invalidArgument, internal } from '../../core/errors.ts';
import { runTool } from '../../lib/run-tool.ts';

export interface TopResult {
  readonly titles: readonly string[];
  readonly processes: readonly (readonly string[])[];
}

/** Filters `ps` output to the given pids. InvalidArgument when there is no PID column. */
export function filterPsOutput(text: string, pids: readonly number[]): TopResult {
  const lines = text.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter((t) => t !== '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!wanted.has(pid)) continue;
    const head = fields.slice(0, titles.length - 1);
    processes.push([...head, fields.slice(titles.length - 1).join(' ')]);
  }
  return { titles, processes };
}

export async function containerTop(pids: readonly number[], psArgs: string): Promise<TopResult> {
  const args = (psArgs.trim() || '-ef').split(/\s+/);
  let text: string;
  try {
    // As moby: ask ps for the container's pids only (BSD-style options such as
    // `o pid,comm` select no process without it), and retry without `-q` for
    // options that cannot be combined with it (such as `f`).
    text = await runTool('ps', [...args, `-q${pids.join(',')}`]).catch(() => runTool('ps', args));
  } catch (err) {
    throw internal(`ps: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return filterPsOutput(text, pids);
}
