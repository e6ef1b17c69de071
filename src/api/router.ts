// A small router for the Engine API: patterns like `/containers/{id}/json`,
// where `{name}` (image and plugin names) may contain slashes and other
// parameters may not. First registered match wins, so literal routes go first.
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine/index.ts';
import type { Logger } from '../lib/logger.ts';
import { unescapePath } from './url-escape.ts';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The API version the client asked for (from the path), or the server's. */
  readonly version: string;
  readonly engine: Engine;
  readonly log: Logger;
  /** Set when the request arrived as an HTTP upgrade (`Upgrade: tcp`). */
  readonly upgrade?: { readonly socket: Duplex; readonly head: Buffer };
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export interface CompiledRoute<T> {
  readonly method: string;
  readonly pattern: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly value: T;
}

export function compileRoute<T>(method: string, pattern: string, value: T): CompiledRoute<T> {
  const names: string[] = [];
  const source = pattern
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return m[1] === 'name' ? '(.+)' : '([^/]+)';
    })
    .join('');
  return { method, pattern, regex: new RegExp(`^${source}/?$`), names, value };
}

export function matchRoute<T>(routes: readonly CompiledRoute<T>[], method: string, path: string): { route: CompiledRoute<T>; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      params[n] = unescapePath(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

export class Router {
  readonly #routes: CompiledRoute<Handler>[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.#routes.push(compileRoute(method, pattern, handler));
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    // HEAD falls back to GET as in Go's router for /_ping-like routes.
    const m = matchRoute(this.#routes, method, path) ?? (method === 'HEAD' ? matchRoute(this.#routes, 'GET', path) : undefined);
    return m && { handler: m.route.value, params: m.params };
  }
}
