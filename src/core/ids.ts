// Object ids: 64 lowercase hex digits, shown truncated to 12 as Docker does.
import { randomBytes } from 'node:crypto';

export function newId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function isFullId(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/** A possible id prefix as docker accepts it (at least one hex digit, up to 64). */
export function isIdPrefix(s: string): boolean {
  return /^[0-9a-f]{1,64}$/.test(s);
}

/** Container names as Docker validates them: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const validContainerName = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
