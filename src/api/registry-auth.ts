// Decodes docker's `X-Registry-Auth` header (base64url JSON of an AuthConfig:
// username, password, serveraddress, identitytoken, registrytoken) and the
// `POST /auth` body into registry credentials.
import { invalidArgument } from '../core/errors.ts';
import type { Credentials } from '../engine/index.ts';

export interface AuthConfig extends Credentials {
  readonly serverAddress?: string;
}

/** The AuthConfig fields of a parsed JSON object (docker accepts any case of the keys). */
export function authConfigFrom(doc: unknown): AuthConfig {
  if (typeof doc !== 'object' || doc === null) return {};
  const lower: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) lower[k.toLowerCase()] = v;
  const str = (k: string) => (typeof lower[k] === 'string' && lower[k] !== '' ? (lower[k] as string) : undefined);
  const username = str('username');
  const password = str('password');
  const identityToken = str('identitytoken');
  const registryToken = str('registrytoken');
  const serverAddress = str('serveraddress');
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(identityToken !== undefined ? { identityToken } : {}),
    ...(registryToken !== undefined ? { registryToken } : {}),
    ...(serverAddress !== undefined ? { serverAddress } : {}),
  };
}

/** Parses X-Registry-Auth; an absent or empty header means no credentials. */
export function parseRegistryAuthHeader(header: string | string[] | undefined): AuthConfig | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '' || value.trim() === 'e30=' || value.trim() === 'e30') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  const c = authConfigFrom(doc);
  return Object.keys(c).length > 0 ? c : undefined;
}

/** A registry's name as a config key may spell it (`https://index.docker.io/v1/`, `http://h:5000/v2/`) → its reference domain. */
export function registryDomainOf(key: string): string {
  const bare = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' || bare === 'registry.hub.docker.com' || bare === '' ? 'docker.io' : bare;
}

/**
 * Parses `X-Registry-Config` (POST /build): base64 JSON of a map from registry
 * to AuthConfig, as docker's CLI sends every credential of its config.json.
 * Returns credentials by reference domain; absent or empty means none.
 */
export function parseRegistryConfigHeader(header: string | string[] | undefined): ReadonlyMap<string, AuthConfig> {
  const out = new Map<string, AuthConfig>();
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return out;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(value.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('invalid X-Registry-Config header: not base64-encoded JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return out;
  for (const [key, entry] of Object.entries(doc)) {
    const c = authConfigFrom(entry);
    if (Object.keys(c).length > 0) out.set(registryDomainOf(key), c);
  }
  return out;
}
