// Image references, normalised exactly as Docker does (distribution/reference):
// `busybox` → `docker.io/library/busybox:latest`, `localhost:5000/x`,
// `name@sha256:…`, `name:tag@digest`.
import { invalidArgument } from './errors.ts';
import { isDigest, type Digest } from './digest.ts';

export const defaultDomain = 'docker.io';
export const defaultTag = 'latest';

export interface Reference {
  /** Registry host, with port if any: `docker.io`, `localhost:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/busybox`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

function invalid(s: string, why?: string): never {
  throw invalidArgument(why ? `invalid reference format: ${why}` : `invalid reference format`, s);
}

/** Parses and normalises a reference. Throws InvalidArgument with Docker's text. */
export function parseReference(input: string): Reference {
  if (input === '' || input.length > 255 + 80) invalid(input);
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) invalid(input);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) invalid(input);
  }
  if (rest === '') invalid(input);
  let domain = defaultDomain;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!domainPattern.test(domain)) invalid(input);
  }
  if (domain === 'index.docker.io') domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase() && path.split('/').every((c) => pathComponent.test(c.toLowerCase()))) {
    invalid(input, `repository name (${path}) must be lowercase`);
  }
  if (!path.split('/').every((c) => pathComponent.test(c))) invalid(input);
  if (domain.length + 1 + path.length > 255) invalid(input, 'repository name must not be more than 255 characters');
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Adds `:latest` when a reference has neither tag nor digest (docker's TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: defaultTag } : ref;
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** Full normalised string: `docker.io/library/busybox:latest`. */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The short form docker prints: `busybox:latest`, `localhost:5000/x:1`. */
export function familiarName(ref: Reference): string {
  let repo = repositoryName(ref);
  if (ref.domain === defaultDomain) {
    repo = ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice('library/'.length) : ref.path;
  }
  return repo + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Normalises a user's string to the full tagged form used as a key in the store. */
export function normalizeTagged(input: string): string {
  return formatReference(withDefaultTag(parseReference(input)));
}

/**
 * Go's path.Match, as docker's `reference` filter applies it: `*` and `?` do
 * not cross `/`, `[...]` is a character class; a malformed class matches nothing.
 */
export function referencePatternMatch(pattern: string, value: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) return false;
      re += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}
