// cli: renders docker's JSON-message streams (pull, push, load) as the docker
// CLI does (jsonmessage.DisplayJSONMessagesStream): on a terminal one line per
// layer id, redrawn in place with its bar; otherwise plain lines, skipping the
// byte-count updates. An `error` message ends the stream as a failure.
import type { Readable } from 'node:stream';
import { readJsonMessages, type JsonMessage } from '../client/index.ts';

export class StreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamError';
  }
}

interface ProgressDetail {
  readonly current?: number;
  readonly total?: number;
}

/** Whether docker would print this progress message on a non-terminal (it skips bars). */
function hasBar(m: JsonMessage & { progressDetail?: ProgressDetail }): boolean {
  const d = m.progressDetail;
  return d !== undefined && ((d.current ?? 0) > 0 || (d.total ?? 0) > 0);
}

function lineOf(m: JsonMessage, tty: boolean): string {
  const id = m.id ? `${m.id}: ` : '';
  if (m.stream !== undefined) return m.stream;
  const bar = tty && m.progress ? ` ${m.progress}` : '';
  return `${id}${m.status ?? ''}${bar}`;
}

/**
 * Prints the messages of `stream` to `out`; resolves with the `aux` objects
 * seen (push digests), rejects with StreamError on an `error` message.
 */
export async function displayJsonMessages(stream: Readable, out: NodeJS.WriteStream | NodeJS.WritableStream, options: { tty: boolean; quiet?: boolean }): Promise<Record<string, unknown>[]> {
  const aux: Record<string, unknown>[] = [];
  const ids = new Map<string, number>();
  const write = (s: string) => {
    if (!options.quiet) out.write(s);
  };
  for await (const raw of readJsonMessages(stream)) {
    const m = raw as JsonMessage & { progressDetail?: ProgressDetail };
    if (m.error !== undefined || m.errorDetail?.message !== undefined) throw new StreamError(m.errorDetail?.message ?? m.error ?? 'unknown error');
    if (m.aux !== undefined) {
      aux.push(m.aux);
      continue;
    }
    if (!options.tty) {
      if (hasBar(m)) continue;
      const text = lineOf(m, false);
      write(m.stream !== undefined ? text : `${text}\n`);
      continue;
    }
    if (m.id && m.status !== undefined) {
      let line = ids.get(m.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(m.id, line);
        write('\n');
      }
      const up = ids.size - line;
      // Up to the layer's line, clear it, print, and back down.
      write(`\x1b[${up}A\r\x1b[2K${lineOf(m, true)}\r\x1b[${up}B`);
      continue;
    }
    if (ids.size > 0) write('\n');
    ids.clear();
    const text = lineOf(m, true);
    write(m.stream !== undefined ? text : `${text}\n`);
  }
  if (ids.size > 0) write('\n');
  return aux;
}
