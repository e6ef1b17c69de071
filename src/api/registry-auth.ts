// Decodes docker's `X-Registry-Auth` header (base64url JSON of an AuthConfig:
// username, password, serveraddress, identitytoken, registrytoken) and the
// `POST /auth` body into registry credentials.
import { invalidArgument } from '../core/errors.ts';
import type { Credentials } from '../registry/index.ts';

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
