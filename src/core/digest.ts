// Content digests (`sha256:<64 hex>`) as the OCI image spec defines them.
import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.ts';

export type Digest = `sha256:${string}`;

const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function isDigest(s: string): s is Digest {
  return digestPattern.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw invalidArgument(`invalid digest "${s}": want sha256 followed by 64 lowercase hex digits`);
  return s;
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The hex part of a digest, used as a file name. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

/**
 * The chain id of a stack of layers (OCI image spec, config.md): the first
 * layer's diff id, then sha256(parent chain id + " " + diff id) for each next.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256(`${parent} ${diffId}`));
  }
  return out;
}
