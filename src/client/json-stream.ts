// client: reads the daemon's JSON-message streams (load, import, pull): one JSON
// object per line (or concatenated), each a progress or status message.
import type { Readable } from 'node:stream';

export interface JsonMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly progress?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly code?: number; readonly message?: string };
  readonly aux?: Record<string, unknown>;
}

/** Yields each message; a line that is not JSON is yielded as `{ stream: line }`. */
export async function* readJsonMessages(source: AsyncIterable<Buffer | string> | Readable): AsyncGenerator<JsonMessage> {
  let pending = '';
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') yield parseLine(line);
    }
  }
  if (pending.trim() !== '') yield parseLine(pending.trim());
}

function parseLine(line: string): JsonMessage {
  try {
    const v: unknown = JSON.parse(line);
    if (v && typeof v === 'object') return v as JsonMessage;
  } catch {
    // fall through
  }
  return { stream: line };
}
