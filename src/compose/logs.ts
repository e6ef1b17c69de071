// compose: `compose logs` and the output of attached `up` — every container's
// log stream with Compose's coloured `<service>-<n>  | ` prefix, lines from
// different containers interleaved as they arrive.
import type { EngineClient, ContainerSummary } from '../client/index.ts';
import { readFrames } from '../client/index.ts';
import { nameOf } from './project-containers.ts';

export interface LogsOptions {
  readonly follow?: boolean;
  readonly tail?: string;
  readonly timestamps?: boolean;
  readonly noColor?: boolean;
  readonly noPrefix?: boolean;
  readonly since?: string;
  readonly signal?: AbortSignal;
}

// Compose's palette order: the bright and normal ANSI colours, cycling.
const colours = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** A line prefixer per container: pads names to the longest so the bars line up. */
export function makePrefixer(names: readonly string[], noColor: boolean): (name: string, index: number) => string {
  const width = Math.max(0, ...names.map((n) => n.length));
  return (name, index) => {
    const label = `${name.padEnd(width)}  | `;
    if (noColor) return label;
    return `\x1b[${colours[index % colours.length]}m${label}\x1b[0m`;
  };
}

/** Writes `text` as lines, each with the prefix; keeps a partial last line for the next chunk. */
function lineWriter(prefix: string, out: NodeJS.WritableStream): { write(s: string): void; end(): void } {
  let rest = '';
  return {
    write(s: string) {
      const parts = (rest + s).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) out.write(`${prefix}${p}\n`);
    },
    end() {
      if (rest !== '') out.write(`${prefix}${rest}\n`);
      rest = '';
    },
  };
}

/** The label Compose shows for a container: the service name with its number (`web-1`), or the container name. */
export function displayName(c: ContainerSummary, project: string): string {
  const n = nameOf(c);
  return n.startsWith(`${project}-`) ? n.slice(project.length + 1) : n;
}

/** Streams the logs of the containers until they end (or the signal aborts). */
export async function streamLogs(client: EngineClient, project: string, containers: readonly ContainerSummary[], options: LogsOptions = {}): Promise<void> {
  const names = containers.map((c) => displayName(c, project));
  const prefixer = makePrefixer(names, options.noColor ?? !process.stdout.isTTY);
  await Promise.all(containers.map(async (c, i) => {
    const prefix = options.noPrefix ? '' : prefixer(names[i] ?? '', i);
    const info = await client.containerInspect(c.Id) as unknown as { Config?: { Tty?: boolean } };
    let res;
    try {
      res = await client.containerLogs(c.Id, {
        follow: options.follow ?? false, timestamps: options.timestamps ?? false,
        ...(options.tail !== undefined && options.tail !== 'all' ? { tail: options.tail } : {}),
        ...(options.since !== undefined ? { since: options.since } : {}),
      });
    } catch {
      return; // the container went away meanwhile
    }
    options.signal?.addEventListener('abort', () => res.destroy(), { once: true });
    const w = lineWriter(prefix, process.stdout);
    try {
      if (info.Config?.Tty) for await (const chunk of res) w.write((chunk as Buffer).toString('utf8'));
      else for await (const f of readFrames(res)) w.write(f.data.toString('utf8'));
    } catch {
      // an aborted or broken stream ends this container's output
    } finally {
      w.end();
    }
  }));
}
