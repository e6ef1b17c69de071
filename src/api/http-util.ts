// Request parsing and response helpers shared by the route files: JSON bodies
// (unknown until validated), docker's query conventions (booleans, filters).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArgument } from '../core/errors.ts';
import type { Filters } from '../engine/index.ts';
import { goSyntaxMessage, parseGoJson } from './go-json.ts';

const maxJsonBody = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  // A declared length past the limit is refused before a byte of it is buffered.
  if (Number(req.headers['content-length'] ?? 0) > maxJsonBody) throw invalidArgument('request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxJsonBody) throw invalidArgument('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The JSON body, `undefined` when empty. InvalidArgument names a malformed body. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(goSyntaxMessage(text, err));
  }
}

/**
 * Reads a body as dockerd's `json.NewDecoder(r.Body).Decode(&v)` into a Go
 * value of type `goType` would, with Go's texts (see go-json.ts).
 */
export async function readGoJson(req: IncomingMessage, goType: string, expect: 'object' | 'array' = 'object'): Promise<unknown> {
  return parseGoJson((await readBody(req)).toString('utf8'), goType, expect);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** docker's httputils.BoolValue: absent, "", "0", "no", "false", "none" are false. */
export function boolQuery(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null) return false;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

/** Like boolQuery, but `undefined` when the parameter is absent. */
export function optionalBool(q: URLSearchParams, key: string): boolean | undefined {
  return q.has(key) ? boolQuery(q, key) : undefined;
}

export function intQuery(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw invalidArgument(`invalid value for ${key}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

/**
 * `filters` as JSON `{"k":["v"]}` or the legacy `{"k":{"v":true}}`, refused
 * with the texts of dockerd's filters.FromJSON (Go's decoder errors).
 */
export function filtersQuery(q: URLSearchParams): Filters {
  const raw = q.get('filters');
  if (raw === null || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(goSyntaxMessage(raw, err));
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed === 'boolean' ? 'bool' : typeof parsed} into Go value of type map[string]map[string]bool`);
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (v === null) out[k] = [];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
    else if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'boolean')) {
      out[k] = Object.entries(v as Record<string, unknown>).filter(([, on]) => on === true).map(([x]) => x);
    } else {
      const kind = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
      throw invalidArgument(`json: cannot unmarshal ${kind} into Go value of type map[string]bool`);
    }
  }
  return out;
}

/** Seconds as docker accepts them in `since`/`until`: `1700000000`, `1700000000.123456789`. */
export function timestampQuery(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '' || v === '0') return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw invalidArgument(`invalid value for ${key}: ${JSON.stringify(v)}`);
  return Number(v);
}
