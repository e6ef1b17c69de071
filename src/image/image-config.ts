// Parsing and validation of image config documents read from outside (archives,
// blobs), and the host platform in Go's names as image configs use them.
import { isDigest, type Digest } from '../core/digest.ts';
import { invalidArgument } from '../core/errors.ts';
import type { OciImageConfig } from './types.ts';

const goArchNames: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };

/** The host architecture as Go (and so image configs) names it: x64 → amd64. */
export function goArch(nodeArch: string = process.arch): string {
  return goArchNames[nodeArch] ?? nodeArch;
}

/** Parses an image config; throws InvalidArgument unless it has an os, an architecture and a layer list. */
export function parseImageConfig(bytes: Uint8Array | string, what = 'image config'): OciImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid ${what}: ${(err as Error).message}`, err);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidArgument(`invalid ${what}: not a JSON object`);
  const c = doc as Record<string, unknown>;
  const rootfs = c['rootfs'] as Record<string, unknown> | undefined;
  const diffIds = rootfs?.['diff_ids'] ?? [];
  if (rootfs !== undefined && (typeof rootfs !== 'object' || rootfs === null)) throw invalidArgument(`invalid ${what}: bad rootfs`);
  if (!Array.isArray(diffIds) || !diffIds.every((d): d is Digest => typeof d === 'string' && isDigest(d))) {
    throw invalidArgument(`invalid ${what}: rootfs.diff_ids must be a list of sha256 digests`);
  }
  if (c['history'] !== undefined && c['history'] !== null && !Array.isArray(c['history'])) throw invalidArgument(`invalid ${what}: history must be a list`);
  if (c['config'] !== undefined && c['config'] !== null && typeof c['config'] !== 'object') throw invalidArgument(`invalid ${what}: config must be an object`);
  return {
    ...c,
    architecture: typeof c['architecture'] === 'string' ? c['architecture'] : '',
    os: typeof c['os'] === 'string' ? c['os'] : '',
    rootfs: { type: 'layers', diff_ids: diffIds },
  } as OciImageConfig;
}
